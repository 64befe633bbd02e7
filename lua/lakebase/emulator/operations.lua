--- Long-running operations: each create, update, delete and undelete returns an Operation at once
-- and does its work in a task: the configured latency, then the side effects (implicit resources,
-- real PostgreSQL servers through E.compute), then `done` with the resource as `response` (as GET
-- shows it: status, no spec), or an `error` {error_code, message, details}. Work is written to be
-- re-run safely, so that operations cut short by a restart are finished on the next start.
local sched = require "lakebase.runtime.sched"
local errors = require "lakebase.base.errors"
local log = require "lakebase.base.log"
local validate = require "lakebase.api.validate"
local resources = require "lakebase.api.schema"
local views = require "lakebase.emulator.views"
local status = require "lakebase.emulator.status"
local records = require "lakebase.emulator.records"

local M = {}

-- How long a soft-deleted project or branch can be restored [?: the service's window is not
-- documented; 7 days].
M.PURGE_AFTER = 7 * 86400

local function metadata(kind)
  return { ["@type"] = views.TYPE_PREFIX .. resources[kind].type_name .. "OperationMetadata" }
end

-- Waits until the resource called `name` has no operation in flight.
local function settle(E, name)
  while true do
    local r = E.store:get(name, true)
    if not r or not r.busy then return r end
    sched.sleep(0.02)
  end
end

local function now_text(E) return validate.format_time(E.clock()) end

-- A record made by the service itself (implicit resources, inherited ones).
local implicit = records.implicit

--- The role id the service derives from an identity: lowercase letters, digits and hyphens
-- ("emulator-user@example.com" -> "emulator-user-example-com").
function M.role_id_for(identity)
  local id = identity:lower():gsub("[^a-z0-9]+", "-"):gsub("^[^a-z]+", ""):gsub("%-+$", "")
  if #id < 4 then id = "role-" .. id end
  return id:sub(1, 63):gsub("%-+$", "")
end

local work = {}

-- Every branch gets its own primary read-write endpoint, with the project's default settings [live].
local function primary_endpoint(E, branch, project)
  local spec = {}
  local init = project.runtime.initial and project.runtime.initial.initial_endpoint_spec
  if branch.runtime.root and init then spec = views.copy(init) end
  spec.endpoint_type = "ENDPOINT_TYPE_READ_WRITE"
  status.defaults(E, "endpoint", spec, "primary", project)
  local ep = implicit(E, "endpoint", branch.name, "primary", spec)
  work.endpoint_create(E, ep)
end

--- The identity type of a caller: a service principal (the emulator's client id, or a name that is
-- not an e-mail address) or a user.
function M.identity_type(E, identity)
  return (identity == E.opts.client_id or not identity:find("@", 1, true)) and "SERVICE_PRINCIPAL" or "USER"
end

-- The initial role's spec: the project's initial_role_spec, else the creator's identity, a
-- member of databricks_superuser.
local function initial_role(E, owner, given)
  if not given then
    return { postgres_role = owner, membership_roles = { "DATABRICKS_SUPERUSER" }, identity_type = M.identity_type(E, owner) }
  end
  local spec = views.copy(given)
  if not spec.postgres_role then
    spec.postgres_role, spec.identity_type = owner, spec.identity_type or M.identity_type(E, owner)
  end
  return spec
end

-- Project: its root branch "production" (the default), its initial role (initial_role_spec, else
-- the creator's) owning its initial database (initial_database_spec's, beside databricks_postgres),
-- and its primary endpoint.
function work.project_create(E, rec)
  rec.runtime.owner = rec.runtime.owner or E.opts.user
  rec.runtime.root_branch = rec.runtime.root_branch or "production"
  local initial = rec.runtime.initial or {}
  local branch_spec = { no_expiry = true,
    is_protected = initial.initial_branch_spec and initial.initial_branch_spec.is_protected or false }
  local branch = implicit(E, "branch", rec.name, rec.runtime.root_branch, branch_spec, { root = true, state = "INIT" })
  local role_spec = status.defaults(E, "role", initial_role(E, rec.runtime.owner, initial.initial_role_spec))
  E.compute.init_branch(branch, rec.spec.pg_version, { owner = role_spec.postgres_role })
  branch.runtime.state = "READY"
  local role = implicit(E, "role", branch.name, M.role_id_for(role_spec.postgres_role), role_spec,
    { owner = true })
  -- In Postgres too, so that it can own databases before its first credential is minted.
  E.compute.apply_role(branch, role)
  local dbname = initial.initial_database_spec and initial.initial_database_spec.postgres_database
  if dbname then
    local id = resources.database.id_check(dbname) and nil or dbname
    local db = implicit(E, "database", branch.name, id or ("db-" .. string.format("%08x", E.rng(0xffffffff))),
      { postgres_database = dbname, role = role.name })
    E.compute.apply_database(branch, db)
  end
  primary_endpoint(E, branch, rec)
end

-- A branch copies its source's data, and with it its roles and databases [docs], then gets its
-- primary endpoint.
-- The roles and databases of branch `src` as records to give a copy of its data: a new branch, a
-- snapshot (which keeps them for the branches restored from it).
local function lineage(E, src)
  return E.store:children(src.name, "role"), E.store:children(src.name, "database")
end

local function inherit(E, rec, from, roles, databases)
  for kind, list in pairs { role = roles, database = databases } do
    for _, child in ipairs(list) do
      local spec = views.copy(child.spec)
      if kind == "database" and spec.role then spec.role = spec.role:gsub("^" .. from:gsub("%p", "%%%0"), rec.name) end
      implicit(E, kind, rec.name, child.id, spec, { inherited = true, owner = (child.runtime or {}).owner })
    end
  end
end

function work.branch_create(E, rec)
  if rec.spec.source_snapshot then return M.restore(E, rec) end
  local src = settle(E, rec.spec.source_branch)
  if not src or src.delete_time then error("source branch " .. rec.spec.source_branch .. " no longer exists", 0) end
  rec.runtime.source_lsn = rec.runtime.source_lsn or string.format("0/%X", 0x1000000 + E.store:next_seq() * 0x2A8)
  E.compute.copy_branch(src, rec)
  inherit(E, rec, src.name, lineage(E, src))
  rec.runtime.state = "READY"
  rec.runtime.state_change_time = now_text(E)
  primary_endpoint(E, rec, E.store:get(rec.parent, true))
end

function work.endpoint_create(E, rec)
  if rec.spec.disabled then
    rec.runtime.state = "IDLE"
  else
    rec.runtime.pending_state = "ACTIVE"
    E.compute.start_endpoint(rec)
    rec.runtime.state = "ACTIVE"
    rec.runtime.pending_state = nil
    rec.runtime.last_active_time = now_text(E)
  end
end

function work.endpoint_update(E, rec)
  if rec.spec.disabled and rec.runtime.state == "ACTIVE" then
    E.compute.stop_endpoint(rec)
    rec.runtime.state = "IDLE"
  elseif not rec.spec.disabled and rec.runtime.state ~= "ACTIVE" then
    E.compute.start_endpoint(rec)
    rec.runtime.state = "ACTIVE"
  end
end

function work.endpoint_delete(E, rec)
  E.compute.stop_endpoint(rec, true)
  E.store:remove(rec.name)
end

-- Stops every compute under `rec` (deleted, or purged).
local function stop_computes(E, rec)
  for _, child in ipairs(E.store:descendants(rec.name)) do
    if child.kind == "endpoint" and (child.runtime or {}).state == "ACTIVE" then
      E.compute.stop_endpoint(child, true)
      child.runtime.state = "IDLE"
      child.runtime.restart = true  -- an undelete starts it again
    end
  end
end

-- Deleted for good: computes stopped (deepest first), then branch and snapshot data removed.
local function purge(E, rec)
  for _, child in ipairs(E.store:descendants(rec.name)) do
    if child.kind == "endpoint" then E.compute.stop_endpoint(child, true) end
    if child.kind == "snapshot" or child.kind == "branch" then E.compute.remove_data(child) end
    E.store:remove(child.name)
  end
  if rec.kind == "branch" then E.compute.remove_data(rec) end
  E.store:remove(rec.name)
end

local function soft_delete(E, rec, opts)
  stop_computes(E, rec)
  if opts.purge then return purge(E, rec) end
  rec.delete_time = rec.delete_time or now_text(E)
  rec.purge_time = rec.purge_time or validate.format_time(E.clock() + M.PURGE_AFTER)
  if rec.kind == "branch" then
    rec.runtime.state = "DELETED"
    rec.runtime.state_change_time = now_text(E)
  end
end

function work.branch_delete(E, rec, opts) soft_delete(E, rec, opts) end
function work.project_delete(E, rec, opts) soft_delete(E, rec, opts) end

local function undelete(E, rec)
  rec.delete_time, rec.purge_time = nil, nil
  if rec.kind == "branch" then
    rec.runtime.state = "READY"
    rec.runtime.state_change_time = now_text(E)
  end
  for _, child in ipairs(E.store:descendants(rec.name)) do
    if child.kind == "endpoint" and (child.runtime or {}).restart and not child.delete_time then
      child.runtime.restart = nil
      work.endpoint_create(E, child)
    end
  end
end
work.branch_undelete = undelete
work.project_undelete = undelete

function work.role_create(E, rec)
  settle(E, rec.parent)
  E.compute.apply_role(E.store:get(rec.parent, true), rec)
end
work.role_update = work.role_create
function work.role_delete(E, rec, opts)
  local to = opts.reassign_to and E.store:get(opts.reassign_to, true)
  E.compute.drop_role(E.store:get(rec.parent, true), rec, to and to.spec.postgres_role)
  if to then
    for _, d in ipairs(E.store:children(rec.parent, "database")) do
      if d.spec.role == rec.name then d.spec.role = to.name end
    end
  end
  E.store:remove(rec.name)
end

function work.database_create(E, rec, opts)
  settle(E, rec.parent)
  E.compute.apply_database(E.store:get(rec.parent, true), rec, opts.previous)
end
work.database_update = work.database_create
function work.database_delete(E, rec)
  E.compute.drop_database(E.store:get(rec.parent, true), rec)
  for _, child in ipairs(E.store:descendants(rec.name)) do E.store:remove(child.name) end  -- its Data API, CDF configs
  E.store:remove(rec.name)
end

-- Snapshot: a copy of its source branch's data, and of its roles and databases, kept for the
-- branches restored from it; gone with the snapshot.
function work.snapshot_create(E, rec)
  local src = settle(E, rec.spec.source_branch)
  if not src or src.delete_time then error("source branch " .. rec.spec.source_branch .. " no longer exists", 0) end
  E.compute.copy_branch(src, rec)
  local roles, databases = lineage(E, src)
  local keep = { roles = {}, databases = {} }
  for _, r in ipairs(roles) do keep.roles[#keep.roles + 1] = { id = r.id, spec = views.copy(r.spec), runtime = { owner = (r.runtime or {}).owner } } end
  for _, d in ipairs(databases) do keep.databases[#keep.databases + 1] = { id = d.id, spec = views.copy(d.spec) } end
  rec.runtime.lineage = { branch = src.name, roles = keep.roles, databases = keep.databases }
  rec.runtime.size_bytes = E.compute.data_size(rec)
  rec.runtime.taken = true
end

function work.snapshot_delete(E, rec)
  E.compute.remove_data(rec)
  E.store:remove(rec.name)
end

--- A branch restored from a snapshot: the snapshot's data, roles and databases.
function M.restore(E, rec)
  local snap = settle(E, rec.spec.source_snapshot)
  if not snap or not snap.runtime.taken then error("snapshot " .. rec.spec.source_snapshot .. " is not available", 0) end
  E.compute.copy_branch(snap, rec)
  local l = snap.runtime.lineage or {}
  inherit(E, rec, l.branch or "", l.roles or {}, l.databases or {})
  rec.runtime.state = "READY"
  rec.runtime.state_change_time = now_text(E)
  primary_endpoint(E, rec, E.store:get(rec.parent, true))
end

require("lakebase.emulator.work_catalog").install(work, { settle = settle, implicit = implicit })

local function rollback(E, rec, verb, opts)
  if verb == "create" then
    for _, child in ipairs(E.store:descendants(rec.name)) do
      if child.kind == "endpoint" then pcall(E.compute.stop_endpoint, child, true) end
      E.store:remove(child.name)
    end
    if rec.kind == "endpoint" then pcall(E.compute.stop_endpoint, rec, true) end
    if rec.kind == "snapshot" then pcall(E.compute.remove_data, rec) end
    E.store:remove(rec.name)
  elseif verb == "update" and opts.previous then
    rec.spec = opts.previous
  end
end

local function run(E, op, rec)
  local verb, opts = op.verb, op.opts or {}
  local ok, err = pcall(function()
    local latency = E.op_latency()
    log.debug("emulator: operation %s takes %.3fs", op.name, latency)  -- read by tests/bench/run
    if latency > 0 then sched.sleep(latency) end
    if E.faults and E.faults.roll("operror") then
      error(errors.new { kind = "injected", message = "injected operation failure (fault injection)" }, 0)
    end
    local fn = work[rec.kind .. "_" .. verb]
    if fn then
      fn(E, rec, opts)
    elseif verb == "delete" then  -- nothing outside the store to undo: the record and what is below it go
      for _, child in ipairs(E.store:descendants(rec.name)) do E.store:remove(child.name) end
      E.store:remove(rec.name)
    end
  end)
  if not ok and errors.is(err, "cancelled") then error(err, 0) end  -- shutting down: finish on restart
  rec.busy = nil
  op.done = true
  op.opts = nil
  if ok then
    rec.update_time = now_text(E)
    if verb == "delete" then
      op.response = { ["@type"] = "type.googleapis.com/google.protobuf.Empty" }
    else
      local view = views.resource(E, rec)
      view["@type"] = views.TYPE_PREFIX .. resources[rec.kind].type_name
      op.response = view
    end
  else
    log.debug("emulator: operation %s failed: %s", op.name, tostring(err))
    rollback(E, rec, verb, opts)
    op.error = { error_code = "INTERNAL_ERROR",
      message = "operation " .. verb .. " " .. rec.name .. " failed: " .. tostring(err), details = {} }
  end
  E.store:save()
end

--- Starts an operation of `verb` ("create", "update", "delete", "undelete") on `rec`; returns its
-- record. `opts` travels with it (and survives a restart): previous (the spec before an update),
-- purge, reassign_to.
function M.start(E, rec, verb, opts)
  local id = string.format("%08x%06x", math.floor(E.clock()), E.store:next_seq())
  local op = { name = rec.name .. "/operations/" .. id, done = false, metadata = metadata(rec.kind),
    verb = verb, resource = rec.name, opts = opts }
  E.store.operations[op.name] = op
  rec.busy = op.name
  -- Started before the save: should the state file refuse the change (the request is answered
  -- 500), the operation still finishes and the next write keeps it, so nothing stays busy.
  E.spawn(function() run(E, op, rec) end)
  E.store:save()
  return op
end

--- A deletion with nothing to do (allow_missing and nothing there): an operation of `kind` named
-- under `name`, done, answering Empty.
function M.already_done(E, name, kind)
  local id = string.format("%08x%06x", math.floor(E.clock()), E.store:next_seq())
  local op = { name = name .. "/operations/" .. id, done = true, metadata = metadata(kind), verb = "delete",
    resource = name, response = { ["@type"] = "type.googleapis.com/google.protobuf.Empty" } }
  E.store.operations[op.name] = op
  E.store:save()
  return op
end

--- Re-runs the operations a previous emulator process left unfinished.
function M.resume_pending(E)
  for _, op in pairs(E.store.operations) do
    if not op.done then
      local rec = E.store:get(op.resource, true)
      if rec then
        rec.busy = op.name
        E.spawn(function() run(E, op, rec) end)
      else
        op.done = true
        op.error = { error_code = "INTERNAL_ERROR", message = "resource " .. op.resource .. " disappeared", details = {} }
      end
    end
  end
end

-- Whether `rec` goes when its expiry comes: branches (unless protected or the root) and snapshots.
local function expirable(rec)
  if rec.delete_time or not resources[rec.kind].expires then return false end
  return rec.kind ~= "branch" or not (rec.spec.is_protected or (rec.runtime or {}).root)
end

--- The service's housekeeping, run every few seconds: branches and snapshots past their
-- expire_time are deleted, and soft-deleted projects and branches past their purge_time are purged.
function M.housekeeping(E)
  local now, purged, expired = E.clock(), {}, {}
  for _, rec in pairs(E.store.resources) do
    if not rec.busy then
      if rec.delete_time and rec.purge_time and (validate.timestamp(rec.purge_time) or math.huge) <= now then
        purged[#purged + 1] = rec
      elseif expirable(rec) then
        local exp = status.expire_time_of(rec.spec, (rec.runtime or {}).created_at or now)
        if exp and validate.timestamp(exp) <= now then expired[#expired + 1] = rec end
      end
    end
  end
  for _, rec in ipairs(purged) do
    log.debug("emulator: purging %s", rec.name)
    purge(E, rec)
  end
  for _, rec in ipairs(expired) do
    local project = E.store:get(rec.parent)
    if project and E.store:get(rec.name) and not rec.busy and status.default_branch_of(project) ~= rec.name then
      log.debug("emulator: %s %s expired", rec.kind, rec.name)
      M.start(E, rec, "delete", {})
    end
  end
  if #purged > 0 then E.store:save() end
end

return M
