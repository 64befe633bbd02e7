-- lakebase's description of the API against the newest generated SDKs, CLI and Terraform provider:
-- every SDK method (verb, path, query parameters, answer), every input model field (type, enum
-- values, required, immutable) and every `databricks postgres` command (arguments, flags), as
-- derived by scripts/sdk-surface into tests/api_surface/sdk.json. A difference fails unless it is
-- listed below with the reason it is kept; a listed difference that is gone fails too (the list
-- is kept true). LAKEBASE_SURFACE_REPORT=1 prints every row compared.
local T = require "testlib"
local surface = require "api_surface"

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

T.run()
