-- branch_workflow.lua: the headline Lakebase workflow.
-- Branch from the project's default branch, size the branch's compute, apply a migration to
-- it with psql, verify it with SQL, and delete the branch again — also when a step fails or the
-- run is interrupted (Ctrl-C), since the branch is ephemeral.
--
--   lakebase run --local scripts/examples/branch_workflow.lua          (embedded emulator)
--   lakebase run scripts/examples/branch_workflow.lua PROJECT_ID       (your workspace)
--   add --keep to leave the branch in place for debugging
local lb = lakebase
local client = lb.default_client()
local project_id = arg[1] or "demo"
local here = arg[0]:match("^(.*)/[^/]*$") or "."

local project
if lb.config and lb.config.emulator and not arg[1] then
  project = client:create_project(project_id, { display_name = "Demo" }):wait()
  print("created project " .. project.name .. " in the local emulator")
else
  project = client:get_project(project_id)
end

local branch_id = string.format("ci-%d-%04d", os.time(), math.random(0, 9999))
local t0 = lb.now()
-- <close> and ephemeral: deleted (and the deletion awaited) when this scope ends, however it ends,
-- even if the run is stopped while the branch is still being created.
local branch <close> = project:create_branch(branch_id, { ttl = "3600s" }, { ephemeral = true }):wait()
print(string.format("branched %s from %s in %.1fs", branch.name, branch.status.source_branch, lb.now() - t0))

-- Every branch comes with its own read-write compute ("primary"); size it for the migration.
t0 = lb.now()
local compute = branch:primary_endpoint()
compute = compute:update { autoscaling_limit_min_cu = 0.5, autoscaling_limit_max_cu = 2 }:wait()
local hosts = compute.status.hosts
print(string.format("compute %s is %s at %s:%s (%.1fs)", compute.name, compute.status.current_state,
  hosts.host, hosts.port or 5432, lb.now() - t0))

-- The migration, with psql: credentials come in PG* variables, never on the command line.
t0 = lb.now()
local env = compute:pg_env()
env.PATH = os.getenv("PATH")
lb.exec { "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", here .. "/migrations/001_items.sql", env = env,
  check = true, timeout = 300 }

-- The verification, with SQL from Lua.
local conn <close> = compute:connect()
local row = conn:query_one("SELECT count(*) AS n, max(label) AS last FROM items WHERE label LIKE $1", "item %")
assert(row.n == 1000, "expected 1000 rows after the migration, got " .. tostring(row.n))
print(string.format("migrated and verified on the branch: %d rows (%.1fs)", row.n, lb.now() - t0))
