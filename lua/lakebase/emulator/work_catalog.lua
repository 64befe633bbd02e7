--- What the create operations of catalogs, synced tables, the Data API and CDF configs do on the
-- branch's PostgreSQL (there is no Unity Catalog behind the emulator): the database a catalog or a
-- synced table asks for, with a role for the caller; the synced table's schema; the schemas a Data
-- API can expose; the tables a CDF config replicates. Deletes only drop the record (see
-- operations.lua), as nothing else was made.
local json = require "lakebase.base.json"
local schema = require "lakebase.api.schema"
local q = require "lakebase.emulator.pgsql"
local status = require "lakebase.emulator.status"
local rules_catalog = require "lakebase.emulator.rules_catalog"

local M = {}

function M.install(work, h)
  local function ops() return require "lakebase.emulator.operations" end

  -- The caller's role on `branch`, made for it when it has none [SDK: "the calling user has a role
  -- created for them in Postgres if they do not already have one"].
  local function caller_role(E, branch, identity)
    local role
    for _, r in ipairs(E.store:children(branch.name, "role")) do
      if r.spec.postgres_role == identity then role = r end
    end
    role = role or h.implicit(E, "role", branch.name, ops().role_id_for(identity), status.defaults(E, "role", {
      postgres_role = identity, identity_type = ops().identity_type(E, identity) }))
    E.compute.apply_role(branch, role)  -- the owner's role record may not be in Postgres yet
    return role
  end

  --- The Database record (and the real database) called `name` on `branch`, made for `identity`
  -- (who owns it) when missing. Its ID is the name when that is a valid ID, else generated.
  local function ensure_database(E, branch, name, identity)
    local db = rules_catalog.database_named(E, branch.name, name)
    if db then return db end
    local role = caller_role(E, branch, identity)
    local id = name
    if schema.id_problem(schema.database, id) or E.store:get(branch.name .. "/databases/" .. id, true) then
      id = "db-" .. string.format("%08x", E.rng(0xffffffff))
    end
    db = h.implicit(E, "database", branch.name, id, { postgres_database = name, role = role.name })
    E.compute.apply_database(branch, db)
    return db
  end

  function work.catalog_create(E, rec)
    local branch = h.settle(E, rec.spec.branch)
    if not branch or branch.delete_time then error("branch " .. rec.spec.branch .. " no longer exists", 0) end
    if rec.spec.create_database_if_missing then
      ensure_database(E, branch, rec.spec.postgres_database, rec.runtime.creator or E.opts.user)
    elseif not rules_catalog.database_named(E, branch.name, rec.spec.postgres_database) then
      error("database '" .. rec.spec.postgres_database .. "' no longer exists in " .. branch.name, 0)
    end
  end

  -- The destination's database and schema are made when missing (unless told not to); the table
  -- itself is not: its columns come from the Unity Catalog source table, which the emulator lacks.
  function work.synced_table_create(E, rec)
    local spec = rec.spec
    local branch = h.settle(E, spec.branch)
    if not branch or branch.delete_time then error("branch " .. spec.branch .. " no longer exists", 0) end
    local pg_schema = rec.id:match("^[^.]+%.([^.]+)%."):lower()
    if spec.create_database_objects_if_missing then
      ensure_database(E, branch, spec.postgres_database, rec.runtime.creator or E.opts.user)
      E.compute.query(branch, "CREATE SCHEMA IF NOT EXISTS " .. q.ident(pg_schema) .. " AUTHORIZATION databricks_superuser",
        spec.postgres_database)
    else
      local found = E.compute.query(branch, "SELECT count(*) FROM pg_namespace WHERE nspname = " .. q.literal(pg_schema),
        spec.postgres_database)
      if found == "0" then
        error("schema '" .. pg_schema .. "' does not exist in database '" .. spec.postgres_database ..
          "' and spec.create_database_objects_if_missing is false", 0)
      end
    end
    rec.runtime.pipeline_id = spec.existing_pipeline_id or string.format("%08x-%04x-4%03x-8%03x-%012x",
      E.rng(0xffffffff), E.rng(0xffff), E.rng(0xfff), E.rng(0xfff), E.rng(0xffffffffffff))
    -- Online once the initial snapshot would have been taken: as long again as the operation took.
    rec.runtime.snapshot_from = E.clock()
    rec.runtime.online_at = E.clock() + (E.opts.op_latency or 0)
  end

  -- The schemas of the database, for reference when choosing db_schemas [SDK]; unknown with
  -- simulated computes.
  local function available_schemas(E, rec)
    local db = E.store:get(rec.parent, true)
    local branch = db and E.store:get(db.parent, true)
    if not branch then return nil end
    local out = E.compute.query(branch, "SELECT coalesce(json_agg(nspname ORDER BY nspname), '[]') FROM pg_namespace " ..
      "WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'", db.spec.postgres_database)
    return out and json.decode(out) or nil
  end

  function work.data_api_create(E, rec)
    rec.runtime.available_schemas = available_schemas(E, rec)
  end
  work.data_api_update = work.data_api_create

  function work.cdf_config_create(E, rec)
    require("lakebase.emulator.cdf").sync(E, rec)
  end
end

return M
