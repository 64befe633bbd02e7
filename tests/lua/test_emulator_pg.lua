-- The emulator's computes are real PostgreSQL servers: credentials log in with psql (TLS, as
-- sslmode=prefer negotiates it) and expire,
-- branches copy their parent's data, disabled and suspended computes behave at the connection
-- level, roles and databases exist in PostgreSQL, and a killed emulator loses nothing and leaves
-- no server behind.
local T = require "testlib"
local Client = require "emu_client"
local emulator = require "lakebase.emulator"
local lb = lakebase
local P = "/api/2.0/postgres/"

local emu = emulator.start { token = "pg-pat-0123456789", credential_ttl = 6, suspend_after = 1.5 }
local c = Client.new(emu.url, emu.token)
local USER = "emulator-user@example.com"

local function endpoint(name)
  local _, ep = c:call("GET", P .. name)
  return ep
end

-- Runs SQL with psql as `user` through the endpoint's advertised host and port.
local function psql(ep, password, sql, user)
  return lb.exec { "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql,
    env = { PGHOST = ep.status.hosts.host, PGPORT = tostring(ep.status.hosts.port), PGUSER = user or USER,
      PGPASSWORD = password, PGDATABASE = "databricks_postgres", PGCONNECT_TIMEOUT = "10", PATH = os.getenv("PATH") } }
end

local function token_for(ep_name)
  local status, cred = c:call("POST", P .. "credentials", { endpoint = ep_name })
  assert(status == 200, "credentials: HTTP " .. status)
  return cred.token
end

T.test("a project's primary endpoint is a PostgreSQL server that accepts generated credentials", function()
  c:run("POST", P .. "projects?project_id=pgapp", { spec = {} })
  local ep = endpoint("projects/pgapp/branches/production/endpoints/primary")
  T.eq(ep.status.current_state, "ACTIVE", "state")
  T.ok(ep.status.hosts.port > 0, "port")
  local tok = token_for(ep.name)
  local r = psql(ep, tok, "select current_user, 40 + 2")
  T.eq(r.code, 0, "psql exit code (stderr: " .. r.stderr .. ")")
  T.eq(r.stdout, USER .. "|42\n", "query result")
  local bad = psql(ep, tok .. "x", "select 1")
  T.ok(bad.code ~= 0 and bad.stderr:find("password authentication failed"), "a wrong token is refused: " .. bad.stderr)
end)

T.test("an expired token is refused at the endpoint", function()
  local ep = endpoint("projects/pgapp/branches/production/endpoints/primary")
  local tok = token_for(ep.name)
  T.eq(psql(ep, tok, "select 1").code, 0, "valid at first")
  lb.sleep(6.5)
  local r = psql(ep, tok, "select 1")
  T.ok(r.code ~= 0 and r.stderr:find("password authentication failed"), "refused after expire_time: " .. r.stderr)
  T.ok(token_for(ep.name) ~= tok, "a new token is minted after expiry")
end)

T.test("a branch sees its parent's rows; its writes do not reach the parent", function()
  local prod = endpoint("projects/pgapp/branches/production/endpoints/primary")
  local tok = token_for(prod.name)
  T.eq(psql(prod, tok, "create table items(id int primary key, label text); insert into items select g, 'row ' || g from generate_series(1, 100) g").code, 0, "create rows")
  c:run("POST", P .. "projects/pgapp/branches?branch_id=feature", { spec = { ttl = "3600s" } })
  local feat = endpoint("projects/pgapp/branches/feature/endpoints/primary")
  local ftok = token_for(feat.name)
  local r = psql(feat, ftok, "select count(*) from items")
  T.eq(r.stdout, "100\n", "the branch has the parent's rows (" .. r.stderr .. ")")
  T.eq(psql(feat, ftok, "insert into items values (101, 'branch only'); delete from items where id <= 10").code, 0, "write to the branch")
  T.eq(psql(feat, ftok, "select count(*) from items").stdout, "91\n", "branch count")
  T.eq(psql(prod, token_for(prod.name), "select count(*) from items").stdout, "100\n", "parent unchanged")
end)

T.test("a read-only endpoint is a hot standby: the branch's rows, no writes, new rows stream in", function()
  local prod = endpoint("projects/pgapp/branches/production/endpoints/primary")
  c:run("POST", P .. "projects/pgapp/branches/production/endpoints?endpoint_id=reader",
    { spec = { endpoint_type = "ENDPOINT_TYPE_READ_ONLY" } })
  local ro = endpoint("projects/pgapp/branches/production/endpoints/reader")
  T.eq(ro.status.current_state, "ACTIVE", "state")
  T.ok(ro.status.hosts.port ~= prod.status.hosts.port, "its own port")
  local tok = token_for(ro.name)
  local r = psql(ro, tok, "select pg_is_in_recovery(), count(*) from items")
  T.eq(r.stdout, "t|100\n", "a standby with the branch's rows (" .. r.stderr .. ")")
  r = psql(ro, tok, "insert into items values (500, 'nope')")
  T.ok(r.code ~= 0 and r.stderr:find("read%-only transaction"), "writes refused: " .. r.stderr)
  r = psql(prod, token_for(prod.name), "insert into items values (200, 'later')")
  T.eq(r.code, 0, "write to the primary (" .. r.stderr .. ")")
  local deadline, got = lb.now() + 10, nil
  repeat
    -- A fresh credential each time: with credential_ttl = 6 tokens expire fast.
    got = psql(ro, token_for(ro.name), "select count(*) from items")
    if got.stdout ~= "101\n" then lb.sleep(0.1) end
  until got.stdout == "101\n" or lb.now() > deadline
  T.eq(got.stdout, "101\n", "the new row reached the replica (" .. got.stderr .. ")")
  T.eq(psql(prod, token_for(prod.name), "delete from items where id = 200").code, 0, "tidy up")
  c:run("DELETE", P .. ro.name)
end)

T.test("roles and databases are real PostgreSQL roles and databases", function()
  c:run("POST", P .. "projects/pgapp/branches/production/roles?role_id=reporter",
    { spec = { postgres_role = "reporter", auth_method = "PG_PASSWORD_SCRAM_SHA_256", attributes = { createdb = true } } })
  c:run("POST", P .. "projects/pgapp/branches/production/databases?database_id=analytics",
    { spec = { postgres_database = "analytics", role = "projects/pgapp/branches/production/roles/reporter" } })
  local prod = endpoint("projects/pgapp/branches/production/endpoints/primary")
  local r = psql(prod, token_for(prod.name),
    "select r.rolcreatedb, d.datname, pg_get_userbyid(d.datdba) from pg_roles r, pg_database d where r.rolname = 'reporter' and d.datname = 'analytics'")
  T.eq(r.stdout, "t|analytics|reporter\n", "role and database (" .. r.stderr .. ")")
  c:run("DELETE", P .. "projects/pgapp/branches/production/databases/analytics")
  r = psql(prod, token_for(prod.name), "select count(*) from pg_database where datname = 'analytics'")
  T.eq(r.stdout, "0\n", "database dropped")
end)

T.test("a disabled endpoint refuses connections; enabling it brings it back", function()
  local name = "projects/pgapp/branches/feature/endpoints/primary"
  c:run("PATCH", P .. name .. "?update_mask=spec.disabled", { spec = { disabled = true } })
  local ep = endpoint(name)
  T.eq(ep.status.current_state, "IDLE", "state while disabled")
  local tok = token_for(name)
  T.ok(psql(ep, tok, "select 1").code ~= 0, "connection refused while disabled")
  c:run("PATCH", P .. name .. "?update_mask=spec.disabled", { spec = { disabled = false } })
  ep = endpoint(name)
  T.eq(ep.status.current_state, "ACTIVE", "state after enabling")
  T.eq(psql(ep, tok, "select count(*) from items").stdout, "91\n", "data kept across the stop")
end)

T.test("an idle compute scales to zero and a connection starts it again", function()
  local name = "projects/pgapp/branches/feature/endpoints/primary"
  local deadline = lb.now() + 10
  while endpoint(name).status.current_state ~= "IDLE" do
    if lb.now() > deadline then error("the compute was not suspended") end
    lb.sleep(0.2)
  end
  local ep = endpoint(name)
  local r = psql(ep, token_for(name), "select count(*) from items")
  T.eq(r.stdout, "91\n", "a connection to a suspended compute works (" .. r.stderr .. ")")
  T.eq(endpoint(name).status.current_state, "ACTIVE", "active again")
end)

T.test("the emulator stops every PostgreSQL server it started", function()
  local pids = {}
  for _, srv in pairs(emu.engine.compute.servers) do
    if srv.proc then pids[#pids + 1] = srv.proc.pid end
  end
  T.ok(#pids >= 1, "servers running: " .. #pids)
  emu:stop()
  for _, pid in ipairs(pids) do
    local f = io.open("/proc/" .. pid .. "/status")
    local state = f and f:read("a") or ""
    if f then f:close() end
    T.ok(not state:match("State:%s+[RS]"), "postgres " .. pid .. " stopped")
  end
end)

T.run()
emu:stop()
