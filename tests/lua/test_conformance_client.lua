-- The requests the Databricks CLI and Terraform sent to a live workspace (tests/conformance/*.json)
-- given to the Lua client (create/update/delete/get with the same ids, bodies, masks and query
-- flags; see replay_client.lua), and the answer shapes the CLI's psql tests serve (resources with
-- a name and little else) read by the client and turned into the same connection settings.
-- test_conformance_cli.lua does the same with `lakebase postgres` command lines.
local T = require "testlib"
local replay = require "replay"
local replay_client = require "replay_client"
local lb = lakebase

local TOKEN = "conformance-pat-0123456789"
-- A recorded 404 of something below what the scenario made is the service's answer, not its
-- eventual consistency: the client believes it after 1 s instead of 15.
require("lakebase.api.client").SETTLE_WAIT = 1
local dir = arg[0]:match("^(.*)/lua/[^/]*$") .. "/conformance"

for _, file in ipairs(replay.load(dir)) do
  for _, sc in ipairs(file.scenarios) do
    T.test(file.file .. ": " .. sc.name, function() replay_client.run(sc, "client") end)
  end
end

T.test("answer shapes the CLI's psql tests serve are read and give the same connection", function()
  -- acceptance/cmd/psql/postgres/test.toml: a project with only a name and a display name, a
  -- branch with only a name, endpoints whose status has a state, a type and hosts.host (no port),
  -- listings, and a credential; the CLI connects with --host, --port=5432,
  -- --dbname=databricks_postgres and PGSSLMODE=require (output.txt).
  local bodies = {
    ["/api/2.0/postgres/projects/my-project"] = { name = "projects/my-project", status = { display_name = "My Project" } },
    ["/api/2.0/postgres/projects/my-project/branches/main"] = { name = "projects/my-project/branches/main" },
    ["/api/2.0/postgres/projects/my-project/branches/main/endpoints/primary"] = { name = "projects/my-project/branches/main/endpoints/primary",
      status = { current_state = "ACTIVE", endpoint_type = "ENDPOINT_TYPE_READ_WRITE", hosts = { host = "my-endpoint.postgres.example.com" } } },
    ["/api/2.0/postgres/projects/my-project/branches"] = { branches = { { name = "projects/my-project/branches/main", status = { default = true } } } },
    ["/api/2.0/postgres/projects/my-project/branches/main/endpoints"] = { endpoints = { {
      name = "projects/my-project/branches/main/endpoints/primary",
      status = { current_state = "IDLE", endpoint_type = "ENDPOINT_TYPE_READ_WRITE", hosts = { host = "my-endpoint.postgres.example.com" } } } } },
    ["/api/2.0/postgres/projects"] = { projects = lb.json.array {} },
    ["/api/2.0/postgres/credentials"] = { token = "postgres-secret-token", expire_time = "2025-01-01T00:00:00Z" },
    ["/api/2.0/preview/scim/v2/Me"] = { userName = "someone@example.com" },
  }
  local server = lb.httpd.serve { handler = function(req)
    local body = bodies[req.path]
    if not body then return 404, { ["Content-Type"] = "application/json" }, '{"error_code":"NOT_FOUND","message":"no"}' end
    return 200, { ["Content-Type"] = "application/json" }, lb.json.encode(body)
  end }
  local c = lb.client { host = "http://127.0.0.1:" .. server.port, token = TOKEN, retry_timeout = 1 }
  T.eq(c:get_project("my-project").status.display_name, "My Project", "a project with a name and a display name")
  local branch = c:get("projects/my-project/branches/main")
  T.eq(branch:id(), "main", "a branch with only a name")
  local n = 0
  for _ in c:projects() do n = n + 1 end
  T.eq(n, 0, "an empty listing given as []")
  local listed = c:get_project("my-project")
  for b in listed:branches() do T.eq(b.status.default, true, "a listed branch") end
  local ep = branch:primary_endpoint { timeout = 1 }
  T.eq(ep.status.current_state, "IDLE", "an idle read-write endpoint takes connections (it wakes up)")
  local env = c:get("projects/my-project/branches/main/endpoints/primary"):pg_env()
  T.eq(env.PGHOST, "my-endpoint.postgres.example.com", "host")
  T.eq(env.PGPORT, "5432", "no port in the answer: 5432")
  T.eq(env.PGDATABASE, "databricks_postgres", "database")
  T.eq(env.PGSSLMODE, "require", "TLS required")
  T.eq(env.PGPASSWORD, "postgres-secret-token", "the credential")
  T.eq(env.PGUSER, "someone@example.com", "the caller")
  server:close()
end)

T.run()
