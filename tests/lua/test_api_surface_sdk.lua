-- lakebase's description of the API against the newest generated SDKs, CLI and Terraform provider:
-- every SDK method (verb, path, query parameters, answer), every input model field (type, enum
-- values, required, immutable) and every `databricks postgres` command (arguments, flags), as
-- derived by scripts/sdk-surface into tests/api_surface/sdk.json. A difference fails unless it is
-- listed below with the reason it is kept; a listed difference that is gone fails too (the list
-- is kept true). Then the emulator's answers for every kind, an operation and a credential: every
-- field they carry must be the SDK model's, of its type, with an enum's values.
-- LAKEBASE_SURFACE_REPORT=1 prints every row compared, and the model fields no answer carried.
local T = require "testlib"
local surface = require "api_surface"
local Client = require "emu_client"
local emulator = require "lakebase.emulator"

local dir = arg[0]:match("^(.*)/lua/[^/]*$") .. "/api_surface"
local sdk = surface.load(dir .. "/sdk.json")

-- Differences kept on purpose, by row key, with why.
local PREVIEW = "Python SDK only (not in the Go SDK, the CLI or Terraform), a preview feature; not described"
local KEPT = {
  ["method create_replication_group_preview"] = PREVIEW .. " (cross-workspace replication groups)",
  ["method delete_replication_group_preview"] = PREVIEW, ["method get_replication_group_preview"] = PREVIEW,
  ["method list_replication_group_previews"] = PREVIEW, ["method update_replication_group_preview"] = PREVIEW,
  ["method failover_replication_group_preview"] = PREVIEW, ["method switchover_replication_group_preview"] = PREVIEW,
  ["method get_recovery_branch_preview"] = PREVIEW .. " (recovery branches after a failover)",
  ["method list_recovery_branch_previews"] = PREVIEW, ["method delete_recovery_branch_preview"] = PREVIEW,
  ["method inspect_recovery_branch_preview"] = PREVIEW,
  ["method get_forward_etl_status"] = PREVIEW .. " (internal forward ETL keyed by tenant and timeline ids)",
  ["method get_forward_etl_metadata"] = PREVIEW, ["method disable_forward_etl"] = PREVIEW,
  ["method delete_forward_etl_configuration"] = PREVIEW,
  ["method create_table"] = "Python SDK only: a synchronous Unity Catalog registration of a Postgres table " ..
    "whose `name` is catalog.schema.table, not a resource path; not described",
  ["method get_table"] = "as create_table", ["method delete_table"] = "as create_table",
  ["model RoleRoleSpec.postgres_role required"] = "the SDK's text: \"Required when creating the Role\"",
  ["model RoleRoleSpec.postgres_role immutable"] = "recorded live: a mask naming it is refused " ..
    "(README, Update masks); Terraform has no RequiresReplace for it",
  ["model RoleRoleSpec.identity_type immutable"] = "as postgres_role (recorded live)",
  ["model RoleRoleSpec.auth_method immutable"] = "as postgres_role (recorded live)",
  ["model CatalogCatalogSpec.branch required"] = "optional in the model, but nothing else says which " ..
    "branch's database is registered (schema.lua)",
  ["model SyncedTableSyncedTableSpec.source_table_full_name required"] = "optional in the model, but a " ..
    "synced table without a source has nothing to sync",
  ["model DatabaseDatabaseSpec.postgres_database required"] = "optional in the model; what the service " ..
    "names a database created without it is not known, and the emulator would have to invent it",
}
-- In the emulator's answers.
local KEPT_ANSWERS = {
  ["Endpoint.status.hosts.port"] = "local computes need their own ports (README, deviations); clients never require it",
  ["Role.status.identity_type"] = "IDENTITY_TYPE_UNSPECIFIED for a plain Postgres role, recorded live; the " ..
    "generated SDKs leave the proto's *_UNSPECIFIED values out of their enums",
}

local rows = surface.compare(sdk)
local seen = {}

T.test("the derived surface is the mirrors' newest (names the commits it was made from)", function()
  for _, k in ipairs { "py", "go", "cli", "tf" } do
    T.ok(sdk.sources[k] and #sdk.sources[k].commit == 40, "source " .. k .. " has its commit")
  end
  T.ok(#sdk.methods >= 60, "methods derived: " .. #sdk.methods)
  T.ok(#rows > 500, "rows compared: " .. #rows)
end)

T.test("every SDK method, model field and CLI command is described the same way, or kept on purpose", function()
  local bad = {}
  for _, r in ipairs(rows) do
    if os.getenv("LAKEBASE_SURFACE_REPORT") then
      print(string.format("%-6s %s: %s", r.same and "same" or (KEPT[r.key] and "kept" or "DIFFER"), r.key, r.detail))
    end
    if not r.same then
      seen[r.key] = true
      if not KEPT[r.key] then bad[#bad + 1] = r.key .. ": " .. r.detail end
    end
  end
  T.eq(table.concat(bad, "\n"), "", "differences")
end)

T.test("every difference kept on purpose still exists", function()
  local stale = {}
  for k in pairs(KEPT) do if not seen[k] then stale[#stale + 1] = k end end
  table.sort(stale)
  T.eq(table.concat(stale, "\n"), "", "kept differences that are gone")
end)

T.test("the Go SDK and the CLI have nothing the Python SDK lacks (it is the superset compared)", function()
  local py = {}
  for _, m in ipairs(sdk.methods) do py[(m.sdk:gsub("_", ""))] = true end
  local missing = {}
  for _, g in ipairs(sdk.go_methods) do
    local n = g:lower()
    if not g:match("All$") and not g:match("^internal") and not py[n] then missing[#missing + 1] = g end
  end
  T.eq(table.concat(missing, " "), "", "Go methods not in the Python SDK")
end)

T.test("the emulator's answers carry only the SDK models' fields, typed as they are", function()
  local emu = emulator.start { postgres = false, token = "surface-pat-0123456789abc", op_latency = 0.02 }
  local c = Client.new(emu.url, emu.token)
  local P, B = "/api/2.0/postgres/", "projects/ans/branches/production"
  local function run(m, path, body) return c:run(m, P .. path, body) end
  run("POST", "projects?project_id=ans", { spec = { display_name = "A", custom_tags = { { key = "k", value = "v" } } } })
  run("POST", "projects/ans/branches?branch_id=dev", { spec = { source_branch = B, ttl = "3600s" } })
  run("POST", B .. "/endpoints?endpoint_id=ro", { spec = { endpoint_type = "ENDPOINT_TYPE_READ_ONLY" } })
  run("POST", B .. "/roles?role_id=app-role", { spec = { postgres_role = "app" } })
  run("POST", B .. "/databases?database_id=appdb", { spec = { postgres_database = "appdb", role = B .. "/roles/app-role" } })
  run("POST", "catalogs?catalog_id=cat", { spec = { branch = B, postgres_database = "appdb" } })
  run("POST", "synced_tables?synced_table_id=cat.public.t", { spec = { source_table_full_name = "main.s.t",
    primary_key_columns = { "id" }, scheduling_policy = "SNAPSHOT" } })
  run("POST", B .. "/databases/appdb/data-api", { spec = {} })
  run("POST", B .. "/databases/appdb/cdf-configs", { catalog = "main", schema = "cdc", postgres_schema = "public" })
  run("POST", "projects/ans/snapshots?snapshot_id=s1", { spec = { source_branch = B } })
  c:call("PATCH", P .. B .. "/snapshot-schedule?update_mask=schedule",
    { schedule = { { daily_schedule = { hour = 3 }, retention = "86400s" } } })
  local answers = {}
  local function check(model, value) surface.answer(sdk, answers, model, value, model) end
  for path, model in pairs { ["projects/ans"] = "Project", [B] = "Branch", ["projects/ans/branches/dev"] = "Branch",
    [B .. "/endpoints/primary"] = "Endpoint", [B .. "/endpoints/ro"] = "Endpoint", [B .. "/roles/app-role"] = "Role",
    [B .. "/roles/emulator-user-example-com"] = "Role", [B .. "/databases/appdb"] = "Database",
    ["catalogs/cat"] = "Catalog", ["synced_tables/cat.public.t"] = "SyncedTable",
    [B .. "/databases/appdb/data-api"] = "DataApi", [B .. "/databases/appdb/cdf-configs/public"] = "CdfConfig",
    ["projects/ans/snapshots/s1"] = "Snapshot", [B .. "/snapshot-schedule"] = "SnapshotSchedule" } do
    local status, body = c:call("GET", P .. path)
    T.eq(status, 200, "GET " .. path)
    check(model, body)
  end
  local _, insts = c:call("GET", P .. B .. "/endpoints/primary/compute-instances")
  check("ComputeInstance", insts.compute_instances[1])
  local _, op = c:call("DELETE", P .. B .. "/endpoints/ro")
  check("Operation", op)
  check("Operation", c:wait(op))
  local _, cred = c:call("POST", P .. "credentials", { endpoint = B .. "/endpoints/primary" })
  check("DatabaseCredential", cred)
  emu:stop()

  local bad, sent, absent, found = {}, {}, {}, {}
  for _, r in ipairs(answers) do
    local k = r.key:gsub("%[%d+%]", "[]")
    if r.absent then absent[k] = true else sent[k] = true end
    if not r.same then
      found[k] = true
      if not KEPT_ANSWERS[k] then bad[#bad + 1] = r.key .. ": " .. r.detail end
    end
  end
  if os.getenv("LAKEBASE_SURFACE_REPORT") then
    local never = {}
    for k in pairs(absent) do if not sent[k] then never[#never + 1] = k end end
    table.sort(never)
    print("model fields no answer carried here (set by other inputs or states): " .. table.concat(never, ", "))
  end
  T.ok(#answers > 200, "fields compared: " .. #answers)
  T.eq(table.concat(bad, "\n"), "", "answers")
  for k in pairs(KEPT_ANSWERS) do T.ok(found[k], "kept difference " .. k .. " still exists") end
end)

T.run()
