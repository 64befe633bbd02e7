--- The service's rules for what ties a database to Unity Catalog and to other services: catalogs
-- (one per database, inherited by child branches), synced tables (inside a Lakebase catalog or
-- naming their branch and database) and CDF configs (one per Postgres schema). Each check returns
-- nil (fine) or an error response, and fills in what follows from the surroundings.
local views = require "lakebase.emulator.views"

local M = { create = {} }

local function rules() return require "lakebase.emulator.rules" end

local function missing_branch(name)
  return rules().fail(404, "NOT_FOUND", "branch " .. name .. " not found [TraceId: " .. views.trace_id() .. "]")
end

--- The Database record of `branch` for the Postgres database `name`, if any.
function M.database_named(E, branch, name)
  for _, d in ipairs(E.store:children(branch, "database")) do
    if d.spec.postgres_database == name then return d end
  end
end

local function catalog_for(E, branch, database)
  for _, c in ipairs(E.store:children(nil, "catalog")) do
    if c.spec.branch == branch and c.spec.postgres_database == database then return c end
  end
end

-- A Postgres database is registered with one catalog at a time; a child branch inherits its
-- parent's registration for as long as its copy of the database is the inherited one [SDK].
function M.create.catalog(E, _, spec)
  local branch = E.store:get(spec.branch)
  if not branch then return missing_branch(spec.branch) end
  local db = M.database_named(E, branch.name, spec.postgres_database)
  if not db and not spec.create_database_if_missing then
    return rules().fail(404, "NOT_FOUND", "database '" .. spec.postgres_database .. "' not found in " .. branch.name ..
      ": create it first, or set spec.create_database_if_missing [TraceId: " .. views.trace_id() .. "]")
  end
  local taken = catalog_for(E, branch.name, spec.postgres_database)
  if taken then
    return rules().conflict("database '" .. spec.postgres_database .. "' of " .. branch.name ..
      " is already registered with " .. taken.name .. ": delete that catalog first")
  end
  local b = branch
  while db and (db.runtime or {}).inherited and b.spec.source_branch do
    local parent = E.store:get(b.spec.source_branch)
    if not parent then break end
    taken = catalog_for(E, parent.name, spec.postgres_database)
    if taken then
      return rules().conflict("database '" .. spec.postgres_database .. "' of " .. branch.name .. " inherits the " ..
        "registration of " .. parent.name .. " with " .. taken.name .. ": drop and recreate the database on " ..
        branch.name .. " to register it with another catalog")
    end
    b, db = parent, M.database_named(E, parent.name, spec.postgres_database)
  end
end

-- A synced table inside a Lakebase catalog takes the catalog's branch and database (given, they
-- must match); elsewhere (a standard catalog) both must be given [SDK].
function M.create.synced_table(E, _, spec, _, id)
  local catalog_id = tostring(id):match("^([^.]+)%.")
  local catalog = catalog_id and E.store:get("catalogs/" .. catalog_id)
  if catalog then
    for _, k in ipairs { "branch", "postgres_database" } do
      if spec[k] and spec[k] ~= catalog.spec[k] then
        return rules().bad("spec." .. k .. " '" .. spec[k] .. "' does not match " .. catalog.name .. "'s '" ..
          catalog.spec[k] .. "'")
      end
      spec[k] = catalog.spec[k]
    end
  else
    for _, k in ipairs { "branch", "postgres_database" } do
      if not spec[k] then
        return rules().bad("Field 'synced_table.spec." .. k .. "' is required for a synced table outside a Lakebase " ..
          "catalog ('" .. tostring(catalog_id) .. "' is not a catalog of this workspace's Lakebase)")
      end
    end
  end
  local branch = E.store:get(spec.branch)
  if not branch then return missing_branch(spec.branch) end
  if not M.database_named(E, branch.name, spec.postgres_database) and not spec.create_database_objects_if_missing then
    return rules().bad("database '" .. spec.postgres_database .. "' does not exist in " .. branch.name ..
      " and spec.create_database_objects_if_missing is false")
  end
end

-- One CDF config per Postgres schema of a database [SDK].
function M.create.cdf_config(E, parent, spec)
  for _, c in ipairs(E.store:children(parent, "cdf_config")) do
    if c.spec.postgres_schema == spec.postgres_schema then
      return rules().fail(409, "ALREADY_EXISTS", "Postgres schema '" .. spec.postgres_schema ..
        "' already has a CDF config in " .. parent .. ": " .. c.name)
    end
  end
end

return M
