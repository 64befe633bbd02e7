-- A project's initial_role_spec and initial_database_spec [Python SDK] made real in PostgreSQL:
-- the initial role exists with its attributes and owns both the built-in databricks_postgres and
-- the initial database.
local T = require "testlib"
local Client = require "emu_client"
local emulator = require "lakebase.emulator"
local lb = lakebase
local P = "/api/2.0/postgres/"

local emu = emulator.start { token = "pg-initial-0123456789" }
local c = Client.new(emu.url, emu.token)

local function psql(ep, password, sql)
  return lb.exec { "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql,
    env = { PGHOST = ep.status.hosts.host, PGPORT = tostring(ep.status.hosts.port), PGUSER = "emulator-user@example.com",
      PGPASSWORD = password, PGDATABASE = "databricks_postgres", PGCONNECT_TIMEOUT = "10", PATH = os.getenv("PATH") } }
end

T.test("the initial role and database exist in PostgreSQL, the role owning both databases", function()
  c:run("POST", P .. "projects?project_id=initpg", { spec = {}, initial_role_spec = { postgres_role = "app_owner",
    attributes = { createdb = true } }, initial_database_spec = { postgres_database = "appdb" } })
  -- The caller has no role on this branch (the initial one is app_owner's): it needs one to log in.
  c:run("POST", P .. "projects/initpg/branches/production/roles?role_id=caller", { spec = {
    postgres_role = "emulator-user@example.com", identity_type = "USER" } })
  local _, ep = c:call("GET", P .. "projects/initpg/branches/production/endpoints/primary")
  local status, cred = c:call("POST", P .. "credentials", { endpoint = ep.name })
  T.eq(status, 200, "a credential for the caller")
  local r = psql(ep, cred.token, "select datname || ':' || pg_get_userbyid(datdba) from pg_database " ..
    "where datname in ('appdb', 'databricks_postgres') order by datname")
  T.eq(r.code, 0, "psql: " .. r.stderr)
  T.eq(r.stdout, "appdb:app_owner\ndatabricks_postgres:app_owner\n", "owners")
  r = psql(ep, cred.token, "select rolcreatedb from pg_roles where rolname = 'app_owner'")
  T.eq(r.stdout, "t\n", "its attributes")
end)

T.run()
emu:stop()
