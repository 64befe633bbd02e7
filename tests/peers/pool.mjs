// @databricks/lakebase (pinned in package-lock.json) against an emulator compute running real
// PostgreSQL: its createLakebasePool, configured from the environment only as its README says
// (PGHOST, PGPORT, PGDATABASE, PGSSLMODE, PGUSER as lakebase's pg_env writes them, plus
// LAKEBASE_ENDPOINT and the Databricks auth variables), is a node-pg pool whose password callback
// mints a database credential through the Databricks SDK during each connection's handshake
// (unless it holds one with more than 2 minutes left; the emulator's short --credential-ttl makes
// every handshake mint). TLS is verified (sslmode require = rejectUnauthorized) against the
// emulator's CA, given in NODE_EXTRA_CA_CERTS.
//   PEER_IDENTITY  the PostgreSQL user the pool must log in as (PGUSER, or DATABRICKS_CLIENT_ID
//                  when PGUSER is unset: the package's own resolution)
//   PEER_PGUSER, PEER_PGPASSWORD  pg_env's user and password, for plain node-pg
//   PEER_TTL       the emulator's --credential-ttl in seconds (under 120, so that every handshake
//                  mints); PEER_SECONDS how long to churn
// Nothing printed holds a token.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import pg from "pg";
import { createLakebasePool, generateDatabaseCredential, getWorkspaceClient } from "@databricks/lakebase";

const env = process.env;
const TTL = Number(env.PEER_TTL);
const SECONDS = Number(env.PEER_SECONDS || 6);
const quiet = { debug: false, info: false, warn: false, error: false };

// Credentials minted by this process: every POST .../credentials the SDK sends (plain http to the
// emulator goes through http.request).
let minted = 0;
const httpRequest = http.request;
http.request = (...args) => {
  const target = args.find((a) => typeof a === "string" || a instanceof URL || (a && a.path));
  if (String(target?.path ?? target).includes("/api/2.0/postgres/credentials")) minted += 1;
  return httpRequest(...args);
};

const pools = [];
function pool(opts) {
  const p = createLakebasePool({ logger: quiet, ...opts });
  pools.push(p);
  return p;
}
after(() => Promise.all(pools.map((p) => p.end())));

let held;  // a connection kept open from the first test to the last
let early;  // a token minted at the start, expired by the end

test("node-pg with lakebase's pg_env settings as they are, password included: TLS, the identity", async () => {
  const c = new pg.Client({ user: env.PEER_PGUSER, password: env.PEER_PGPASSWORD });  // the rest from PG*
  await c.connect();
  try {
    assert.match(c.connection.stream.getProtocol(), /^TLSv1\.[23]$/);
    assert.equal((await c.query("SELECT current_user AS u")).rows[0].u, env.PEER_IDENTITY);
  } finally {
    await c.end();
  }
});

test("createLakebasePool from the environment: TLS verified, logged in as the identity", async () => {
  early = await generateDatabaseCredential(getWorkspaceClient({}), { endpoint: env.LAKEBASE_ENDPOINT });
  const p = pool({ max: 2 });
  held = await p.connect();
  assert.match(held.connection.stream.getProtocol(), /^TLSv1\.[23]$/);
  const r = await held.query("SELECT current_user AS u, current_database() AS d");
  assert.deepEqual(r.rows[0], { u: env.PEER_IDENTITY, d: env.PGDATABASE });
  await held.query("CREATE TEMP TABLE kept (x int); INSERT INTO kept VALUES (42)");
});

test("many connections across credential renewals: every handshake mints, two pools at once, no failure", async () => {
  const a = pool({ max: 3, idleTimeoutMillis: 50 });
  const b = pool({ max: 3, idleTimeoutMillis: 50 });
  const failures = [];  // the first few messages
  let failed = 0;
  let connections = 0;
  let rounds = 0;
  const before = minted;
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    rounds += 1;
    // Each connection is closed after its query (release(true)), so the next round logs in again
    // with a credential minted in its handshake, while others are in use.
    await Promise.all([a, a, a, b, b].map(async (p, i) => {
      try {
        const c = await p.connect();
        try {
          const r = await c.query("SELECT current_user AS u, $1::int AS i", [i]);
          assert.deepEqual(r.rows[0], { u: env.PEER_IDENTITY, i });
          connections += 1;
        } finally {
          c.release(true);
        }
      } catch (e) {
        failed += 1;
        if (failures.length < 3) failures.push(e.message);
      }
    }));
  }
  const renewals = minted - before;
  console.log(`# ${connections} connections in ${rounds} rounds over ${SECONDS} s, ${renewals} credentials minted (ttl ${TTL} s)`);
  assert.equal(failed, 0, `failed connections, first: ${failures.join("; ")}`);
  assert.ok(connections >= 5 * 4, `connections: ${connections}`);
  // The pools share nothing, and a credential with less than 2 minutes left is renewed: each round
  // mints at least one per pool.
  assert.ok(renewals >= 2 * rounds, `${renewals} credentials for ${rounds} rounds of two pools`);
});

test("after its credential expired: an open connection keeps working, a new login with it is refused", async () => {
  const wait = Date.parse(early.expire_time) + 1500 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  assert.equal((await held.query("SELECT x FROM kept")).rows[0].x, 42);
  held.release();
  const login = (password) => {
    const c = new pg.Client({ user: env.PEER_IDENTITY, password });
    return c.connect().then(() => c.end().then(() => "connected"), (e) => e.message);
  };
  assert.match(await login(early.token), /password authentication failed/, "the expired token");
  const fresh = await generateDatabaseCredential(getWorkspaceClient({}), { endpoint: env.LAKEBASE_ENDPOINT });
  assert.equal(await login(fresh.token), "connected", "a fresh token");
});
