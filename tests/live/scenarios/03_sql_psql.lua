-- The run step: wait for a branch's primary endpoint, connect with a minted credential, run SQL
-- from Lua, then run psql with pg_env() (the credential travels in PGPASSWORD, never in argv).
local harness = require "harness"

return {
  description = "wait for a branch's primary endpoint, connect with a minted credential, SQL, psql with pg_env()",
  creates = { "branch $sql (ttl 1h)", "table lbt_items in its databricks_postgres" },
  run = function(t)
    local b = t:create_branch("sql", { ttl = "3600s" })
    local ep = b:primary_endpoint { timeout = 600 }
    t:eq(ep.status.endpoint_type, "ENDPOINT_TYPE_READ_WRITE", "the branch's own endpoint type")

    local cred = t.client:generate_database_credential(ep, { ttl = "900s" })
    t:check(type(cred.token) == "string" and #cred.token > 0, "a minted credential has a token")
    t:check(type(cred.expire_time) == "string", "a minted credential has an expire_time")

    local conn <close> = ep:connect()
    conn:query("CREATE TABLE lbt_items (id int PRIMARY KEY, label text NOT NULL)")
    conn:query("INSERT INTO lbt_items SELECT g, 'item ' || g FROM generate_series(1, 100) g")
    local row = conn:query_one("SELECT count(*) AS n, max(id) AS top FROM lbt_items WHERE label LIKE $1", "item %")
    t:eq(row.n, 100, "rows counted over the connection")
    t:eq(row.top, 100, "max(id)")
    local who = conn:query_one("SELECT current_user AS u")
    t:eq(who.u, t.client:postgres_user(), "the Postgres user is the caller's identity")
    local ok, err = pcall(conn.query, conn, "SELECT * FROM lbt_no_such_table")
    t:check(not ok and err.sqlstate == "42P01", "a missing table is SQLSTATE 42P01 (got " .. tostring(err) .. ")")

    if not harness.have("psql") then t:skip("psql is not installed here: the SQL part passed, psql not tried") end
    local env = ep:pg_env()
    env.PATH = os.getenv("PATH")
    local r = lakebase.exec { "psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
      "-c", "INSERT INTO lbt_items VALUES (101, 'from psql')",
      "-c", "SELECT count(*) FROM lbt_items", env = env, timeout = 300 }
    t:eq(r.code, 0, "psql's exit status (stderr: " .. r.stderr .. ")")
    t:check(r.stdout:find("101", 1, true) ~= nil, "psql counted 101 rows (printed " .. r.stdout .. ")")
    t:eq(conn:query_one("SELECT label FROM lbt_items WHERE id = 101").label, "from psql", "the row psql wrote, read from Lua")
  end,
}
