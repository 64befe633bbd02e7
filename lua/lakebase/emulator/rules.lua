--- The service's rules about relations between resources, checked when a resource is created,
-- replaced, changed or deleted: which branch a branch comes from, one read-write endpoint per
-- branch, unique role and database names, a database's owner, what cannot be deleted and why.
-- Each check returns nil (fine) or an error response { status, body }.
local validate = require "lakebase.api.validate"
local views = require "lakebase.emulator.views"

local M = {}

local function fail(status, code, message, opts) return { views.error(status, code, message, opts) } end
M.fail = fail
function M.bad(message) return fail(400, "INVALID_PARAMETER_VALUE", message) end
function M.conflict(message) return fail(400, "BAD_REQUEST", message) end
--- A kind as messages name it ("synced_table" -> "synced table").
function M.noun(kind) return require("lakebase.api.names").display(kind) end

--- "<kind> id not found [TraceId: ...]", as the service words it.
function M.not_found(kind)
  return fail(404, "NOT_FOUND", M.noun(kind) .. " id not found [TraceId: " .. views.trace_id() .. "]")
end

-- The kind a resource name designates ("projects/p/branches/b" -> "branch").
function M.kind_of(name)
  local def = require("lakebase.api.names").parse(name)
  return def and def.kind or "resource"
end

-- Cannot be deleted on its own: the service answers with the MANAGED_BY_PARENT marker that
-- declarative tools read to leave the deletion to the parent.
local function managed_by_parent(message)
  return fail(400, "BAD_REQUEST", message, { reason = "RESOURCE_CONFLICT",
    metadata = { declarative_context = "MANAGED_BY_PARENT" } })
end

local source_point, restorable

local function project_of(E, name)
  return E.store:get(name:match("^(projects/[^/]+)"), true)
end
M.project_of = project_of

-- A source branch of the project and a moment of its history within the retention window.
function source_point(E, project, spec)
  local src = E.store:get(spec.source_branch)
  if not src or src.parent ~= project.name then
    return fail(404, "NOT_FOUND", "source branch " .. spec.source_branch .. " not found in " .. project.name ..
      " [TraceId: " .. views.trace_id() .. "]")
  end
  if spec.source_branch_time then
    local t = validate.timestamp(spec.source_branch_time)
    local window = validate.duration(project.spec.history_retention_duration) or 604800
    if t > E.clock() + 1 then return M.bad("spec.source_branch_time " .. spec.source_branch_time .. " is in the future") end
    if t < E.clock() - window then
      return M.bad("spec.source_branch_time " .. spec.source_branch_time ..
        " is outside the project's history retention window (" .. project.spec.history_retention_duration .. ")")
    end
  end
  return nil, src
end

-- A snapshot a branch of `project` can be restored from: of that project, and taken (AVAILABLE).
function restorable(E, project, name)
  local snap = E.store:get(name)
  if not snap or snap.parent ~= project then
    return fail(404, "NOT_FOUND", "snapshot " .. name .. " not found in " .. project .. " [TraceId: " .. views.trace_id() .. "]")
  end
  if not (snap.runtime or {}).taken then
    return M.conflict("snapshot " .. name .. " is not AVAILABLE yet: wait for its create operation")
  end
end

--- Checks a new or replaced resource's spec against its surroundings and fills in what follows
-- from them. `existing` is the record being replaced (nil for a new one); `id` the new one's ID.
function M.create(E, def, parent, spec, existing, id)
  local kind = def.kind
  -- Catalogs, synced tables, the Data API and CDF configs: lakebase.emulator.rules_catalog.
  local check = require("lakebase.emulator.rules_catalog").create[kind]
  if check then return check(E, parent, spec, existing, id) end
  if kind == "branch" then
    if existing then return end  -- the lineage of a branch never changes
    local project = E.store:get(parent)
    if spec.source_snapshot then return restorable(E, parent, spec.source_snapshot) end
    spec.source_branch = spec.source_branch or require("lakebase.emulator.status").default_branch_of(project)
    return source_point(E, project, spec)
  elseif kind == "endpoint" then
    if spec.endpoint_type == "ENDPOINT_TYPE_READ_WRITE" then
      for _, ep in ipairs(E.store:children(parent, "endpoint")) do
        if ep.spec.endpoint_type == "ENDPOINT_TYPE_READ_WRITE" and ep ~= existing then
          return M.conflict("read_write endpoint already exists: " .. ep.name)
        end
      end
    end
  elseif kind == "role" then
    for _, r in ipairs(E.store:children(parent, "role")) do
      if r ~= existing and r.spec.postgres_role == spec.postgres_role then
        return M.conflict("role with that name already exists")
      end
    end
  elseif kind == "database" then
    local why = M.database_owner(E, parent, spec.role)
    if why then return why end
    return M.database_name_taken(E, parent, spec.postgres_database, existing)
  elseif kind == "snapshot" then
    -- Snapshots are taken of root branches only, and a project keeps at most 10 taken by hand
    -- [docs: snapshots, project limits].
    local why, src = source_point(E, E.store:get(parent), spec)
    if why then return why end
    if not (src.runtime or {}).root then
      return M.conflict("snapshots can be taken of the project's root branch only, and " .. src.name .. " is not one")
    end
    local manual = 0
    for _, snap in ipairs(E.store:children(parent, "snapshot")) do
      if not (snap.runtime or {}).scheduled then manual = manual + 1 end
    end
    if manual >= M.MANUAL_SNAPSHOTS then
      return fail(400, "RESOURCE_LIMIT_EXCEEDED", parent .. " already has " .. manual ..
        " manual snapshots, the most a project may have: delete one first")
    end
  end
end

M.MANUAL_SNAPSHOTS = 10

--- A database of `branch` other than `except` already called `name` in Postgres.
function M.database_name_taken(E, branch, name, except)
  for _, d in ipairs(E.store:children(branch, "database")) do
    if d ~= except and d.spec.postgres_database == name then
      return M.conflict("database with that name already exists")
    end
  end
end

--- A database's owner is a role of its branch, named by its resource name.
function M.database_owner(E, branch, role)
  local rb, rid = tostring(role):match("^(projects/[^/]+/branches/[^/]+)/roles/([^/]+)$")
  if not rb then
    return M.bad("Field 'database.spec.role' must be the resource name of a role, such as " .. branch ..
      "/roles/ROLE_ID, got '" .. tostring(role) .. "'")
  end
  if rb ~= branch then return M.bad("spec.role " .. role .. " is not a role of branch " .. branch) end
  if not E.store:get(role) then
    return fail(404, "NOT_FOUND", "role not found; role_id:\"" .. rid .. "\" [TraceId: " .. views.trace_id() .. "]")
  end
end

--- Why `rec` cannot be deleted now, or nil.
function M.delete(E, def, rec)
  if def.kind == "branch" then
    if (rec.runtime or {}).root then
      return managed_by_parent("Cannot delete root branch '" .. rec.name .. "'. Root branches cannot be deleted independently.")
    end
    if rec.spec.is_protected then return M.conflict("cannot delete protected branch " .. rec.name) end
    local project = E.store:get(rec.parent, true)
    if require("lakebase.emulator.status").default_branch_of(project) == rec.name then
      return M.conflict("cannot delete the default branch " .. rec.name .. " of " .. rec.parent ..
        ": make another branch the default first")
    end
  elseif def.kind == "endpoint" then
    if rec.spec.endpoint_type == "ENDPOINT_TYPE_READ_WRITE" then
      return managed_by_parent("Cannot delete read-write endpoint '" .. rec.name .. "'. Read-write endpoints cannot be deleted.")
    end
    local branch = E.store:get(rec.parent)
    if branch and branch.spec.is_protected then
      return M.conflict("cannot delete endpoint " .. rec.name .. ": its branch is protected")
    end
  elseif def.kind == "project" then
    for _, b in ipairs(E.store:children(rec.name, "branch")) do
      if b.spec.is_protected then
        return M.conflict("cannot delete project " .. rec.name .. ": branch " .. b.name .. " is protected")
      end
    end
  end
end

--- Checks a changed spec (after update_mask was applied) against its surroundings.
function M.update(E, def, rec, spec)
  if def.kind == "project" and spec.default_branch and spec.default_branch ~= rec.spec.default_branch then
    local b = E.store:get(spec.default_branch)
    if not b or b.parent ~= rec.name then
      return fail(404, "NOT_FOUND", "branch " .. spec.default_branch .. " not found in " .. rec.name ..
        " [TraceId: " .. views.trace_id() .. "]")
    end
  end
  if def.kind == "database" and spec.role ~= rec.spec.role then
    local why = M.database_owner(E, rec.parent, spec.role)
    if why then return why end
  end
  if def.kind == "database" and spec.postgres_database ~= rec.spec.postgres_database then
    return M.database_name_taken(E, rec.parent, spec.postgres_database, rec)
  end
  if def.kind == "snapshot_schedule" and #(spec.schedule or {}) > 0 then
    -- "Backup schedules are configured per branch and only apply to root branches" [docs].
    local branch = E.store:get(rec.parent)
    if not (branch and (branch.runtime or {}).root) then
      return M.conflict("snapshot schedules apply to a project's root branch only, and " .. rec.parent .. " is not one")
    end
  end
end

return M
