// node-pg against an emulator compute, as @databricks/lakebase uses it: a pool whose password is a
// function that mints a new database credential during each connection's handshake, with TLS
// (node-pg verifies the certificate: NODE_EXTRA_CA_CERTS names the emulator's CA). Connections are
// short-lived so that many handshakes happen, across the expiry of earlier tokens. Also a
// connection string with sslmode=require, and one in clear.
// Prints one JSON line: {minted, queries, failures, protocol, user, plain_error}.
import pg from 'pg';

const env = process.env;
const params = { host: env.PG_HOST, port: Number(env.PG_PORT), user: env.PG_USER, database: 'databricks_postgres' };
let minted = 0;

async function mint() {
  const r = await fetch(`${env.EMU_URL}/api/2.0/postgres/credentials`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${env.EMU_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ endpoint: env.ENDPOINT }),
  });
  if (!r.ok) throw new Error(`credentials: HTTP ${r.status}`);
  minted++;
  return (await r.json()).token;
}

const out = { failures: [] };

// In clear: refused by the endpoint.
const plain = new pg.Client({ ...params, password: mint, ssl: false });
try {
  await plain.connect();
  out.plain_error = null;
  await plain.end();
} catch (e) {
  out.plain_error = e.message;
}

// A connection string as the service's docs give it (a password in a connection string replaces
// a password function, so the token goes in the string): which TLS protocol was negotiated.
const url = `postgresql://${encodeURIComponent(env.PG_USER)}:${encodeURIComponent(await mint())}@${env.PG_HOST}:` +
  `${env.PG_PORT}/databricks_postgres?sslmode=require`;
const one = new pg.Client({ connectionString: url });
await one.connect();
out.protocol = one.connection.stream.getProtocol();
out.user = (await one.query('SELECT current_user AS u')).rows[0].u;
await one.end();

// A pool: every connection is used twice, then replaced (a new handshake, a new token).
const pool = new pg.Pool({ ...params, password: mint, ssl: true, max: 3, maxUses: 2, idleTimeoutMillis: 100 });
out.queries = 0;
const end = Date.now() + Number(env.SECONDS || 4) * 1000;
while (Date.now() < end) {
  await Promise.all([0, 1, 2].map(async () => {
    try {
      const r = await pool.query('SELECT 1 AS x');
      if (r.rows[0].x === 1) out.queries++;
    } catch (e) {
      out.failures.push(e.message);
    }
  }));
  await new Promise((resolve) => setTimeout(resolve, 50));
}
await pool.end();
out.minted = minted;
console.log(JSON.stringify(out));
