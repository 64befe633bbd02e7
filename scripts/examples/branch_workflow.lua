-- branch_workflow.lua: the headline Lakebase workflow.
-- Branch from the project's default branch, start a compute on the branch, run migrations and a
-- test query against it with psql, and delete the branch again, even when something fails.
--
--   lakebase run --local scripts/examples/branch_workflow.lua          (embedded emulator)
--   lakebase run scripts/examples/branch_workflow.lua PROJECT_ID       (your workspace)
local lb = lakebase
local client = lb.default_client()
local project_id = arg[1] or "demo"

local project
if lb.config and lb.config.emulator and not arg[1] then
  project = client:create_project(project_id, { display_name = "Demo" }):wait()
  print("created project " .. project.name .. " in the local emulator")
else
  project = client:get_project(project_id)
end

local branch_id = string.format("ci-%d-%04d", os.time(), math.random(0, 9999))
local t0 = lb.now()
local branch = project:create_branch(branch_id, { ttl = "3600s" }):wait()
-- Whatever happens from here on, the branch is deleted when this scope ends.
local cleanup <close> = setmetatable({}, { __close = function()
  branch:delete():wait()
  print("deleted " .. branch.name)
end })
print(string.format("branched %s from %s in %.1fs", branch.name, branch.status.source_branch, lb.now() - t0))

t0 = lb.now()
local compute = branch:create_endpoint("compute", { endpoint_type = "ENDPOINT_TYPE_READ_WRITE",
  autoscaling_limit_min_cu = 0.5, autoscaling_limit_max_cu = 2 }):wait()
local hosts = compute.status.hosts
print(string.format("compute %s is %s at %s:%s (%.1fs)", compute.name, compute.status.current_state,
  hosts.host, hosts.port or 5432, lb.now() - t0))

-- Postgres credentials: the caller's identity as the role, a short-lived token as the password.
local cred = client:database_credential(compute)  -- cached per endpoint, renewed before expiry
local env = { PGHOST = hosts.host, PGPORT = tostring(hosts.port or 5432), PGUSER = client:postgres_user(),
  PGPASSWORD = cred.token, PGDATABASE = "databricks_postgres", PGSSLMODE = lb.config and lb.config.emulator
  and "disable" or "require", PATH = os.getenv("PATH") }
local function psql(sql)
  return lb.exec { "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql, env = env, check = true,
    timeout = 120 }.stdout
end

t0 = lb.now()
psql [[
  CREATE TABLE IF NOT EXISTS migrations_demo (id serial PRIMARY KEY, label text NOT NULL);
  INSERT INTO migrations_demo (label) SELECT 'row ' || g FROM generate_series(1, 1000) g;
]]
local count = tonumber(psql "SELECT count(*) FROM migrations_demo")
assert(count >= 1000, "expected at least 1000 rows, got " .. tostring(count))
print(string.format("migrated and tested on the branch: %d rows (%.1fs)", count, lb.now() - t0))
