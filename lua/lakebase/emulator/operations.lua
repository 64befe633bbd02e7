--- Long-running operations: each create, update and delete returns an Operation at once and does
-- its work in a task: the configured latency, then the side effects on real PostgreSQL servers
-- (through E.compute), then `done` with the resource as `response`, or an `error`. Work is written
-- to be re-run safely, so that operations cut short by a restart are finished on the next start.
local sched = require "lakebase.runtime.sched"
local errors = require "lakebase.base.errors"
local log = require "lakebase.base.log"
local validate = require "lakebase.api.validate"
local resources = require "lakebase.api.schema"
local views = require "lakebase.emulator.views"

local M = {}

local function metadata(kind)
  return { ["@type"] = views.TYPE_PREFIX .. resources[kind].type_name .. "OperationMetadata" }
end

local function refresh(E, rec) require("lakebase.emulator.api").refresh_status(E, rec) end

-- Waits until the resource called `name` has no operation in flight.
local function settle(E, name)
  while true do
    local r = E.store:get(name, true)
    if not r or not r.busy then return r end
    sched.sleep(0.02)
  end
end

local work = {}

-- Project: its default branch "production" with a read-write endpoint "primary".
function work.project_create(E, rec)
  rec.runtime.default_branch = rec.runtime.default_branch or "production"
  local bname = rec.name .. "/branches/" .. rec.runtime.default_branch
  local branch = E.store:get(bname)
  if not branch then
    local t = validate.format_time(E.clock())
    branch = { kind = "branch", id = rec.runtime.default_branch, parent = rec.name, name = bname,
      uid = rec.uid .. "-b", create_time = t, update_time = t, spec = { no_expiry = true },
      runtime = { created_at = E.clock(), default = true, state = "INIT" } }
    E.store:put(branch)
  end
  -- The creator gets the project owner's role (the API records who created the project).
  rec.runtime.owner = rec.runtime.owner or E.opts.user
  E.compute.init_branch(branch, rec.spec.pg_version, { owner = rec.runtime.owner })
  branch.runtime.state = "READY"
  refresh(E, branch)
  local ename = bname .. "/endpoints/primary"
  local ep = E.store:get(ename)
  if not ep then
    local t = validate.format_time(E.clock())
    local spec = views.copy(rec.runtime.initial_endpoint_spec or {})
    local d = rec.spec.default_endpoint_settings or {}
    spec.endpoint_type = "ENDPOINT_TYPE_READ_WRITE"
    spec.autoscaling_limit_min_cu = spec.autoscaling_limit_min_cu or d.autoscaling_limit_min_cu
    spec.autoscaling_limit_max_cu = spec.autoscaling_limit_max_cu or d.autoscaling_limit_max_cu
    spec.suspend_timeout_duration = spec.suspend_timeout_duration or d.suspend_timeout_duration
    ep = { kind = "endpoint", id = "primary", parent = bname, name = ename, uid = rec.uid .. "-e",
      create_time = t, update_time = t, spec = spec, runtime = { created_at = E.clock() } }
    E.store:put(ep)
  end
  work.endpoint_create(E, ep)
  refresh(E, ep)
end

function work.branch_create(E, rec)
  local src = settle(E, rec.spec.source_branch)
  if not src or src.delete_time then error("source branch " .. rec.spec.source_branch .. " no longer exists", 0) end
  E.compute.copy_branch(src, rec)
  rec.runtime.state = "READY"
end

function work.endpoint_create(E, rec)
  settle(E, rec.parent)
  if rec.spec.disabled then
    rec.runtime.state = "IDLE"
  else
    rec.runtime.pending_state = "ACTIVE"
    E.compute.start_endpoint(rec)
    rec.runtime.state = "ACTIVE"
    rec.runtime.pending_state = nil
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

local function soft_delete(E, rec)
  for _, child in ipairs(E.store:descendants(rec.name)) do
    if child.kind == "endpoint" and (child.runtime or {}).state == "ACTIVE" then
      E.compute.stop_endpoint(child, true)
      child.runtime.state = "IDLE"
      refresh(E, child)
    end
  end
  rec.delete_time = validate.format_time(E.clock())
  rec.purge_time = validate.format_time(E.clock() + 7 * 86400)
  if rec.kind == "branch" then rec.runtime.state = "DELETED" end
end

function work.branch_delete(E, rec) soft_delete(E, rec) end
function work.project_delete(E, rec) soft_delete(E, rec) end

function work.role_create(E, rec)
  settle(E, rec.parent)
  E.compute.apply_role(E.store:get(rec.parent), rec)
end
work.role_update = work.role_create
function work.role_delete(E, rec)
  E.compute.drop_role(E.store:get(rec.parent), rec)
  E.store:remove(rec.name)
end

function work.database_create(E, rec)
  settle(E, rec.parent)
  E.compute.apply_database(E.store:get(rec.parent), rec)
end
work.database_update = work.database_create
function work.database_delete(E, rec)
  E.compute.drop_database(E.store:get(rec.parent), rec)
  E.store:remove(rec.name)
end

local function rollback(E, rec, verb)
  if verb == "create" then
    for _, child in ipairs(E.store:descendants(rec.name)) do
      if child.kind == "endpoint" then pcall(E.compute.stop_endpoint, child, true) end
      E.store:remove(child.name)
    end
    if rec.kind == "endpoint" then pcall(E.compute.stop_endpoint, rec, true) end
    E.store:remove(rec.name)
  end
end

local function run(E, op, rec)
  local verb = op.verb
  local ok, err = pcall(function()
    local latency = E.opts.op_latency or 0
    if latency > 0 then sched.sleep(latency) end
    if E.faults and E.faults.roll("operror") then
      error(errors.new { kind = "injected", message = "injected operation failure (fault injection)" }, 0)
    end
    local fn = work[rec.kind .. "_" .. verb]
    if fn then fn(E, rec) end
  end)
  if not ok and errors.is(err, "cancelled") then error(err, 0) end  -- shutting down: finish on restart
  rec.busy = nil
  op.done = true
  if ok then
    rec.update_time = validate.format_time(E.clock())
    if E.store:get(rec.name, true) then refresh(E, rec) end
    if verb == "delete" then
      op.response = { ["@type"] = "type.googleapis.com/google.protobuf.Empty" }
    else
      local view = views.resource(rec)
      view["@type"] = views.TYPE_PREFIX .. resources[rec.kind].type_name
      op.response = view
    end
  else
    log.debug("emulator: operation %s failed: %s", op.name, tostring(err))
    rollback(E, rec, verb)
    op.error = { code = 13, message = "operation " .. verb .. " " .. rec.name .. " failed: " .. tostring(err),
      details = {} }
  end
  E.store:save()
end

--- Starts an operation of `verb` ("create", "update", "delete") on `rec`; returns its record.
function M.start(E, rec, verb)
  local id = string.format("%08x%06x", math.floor(E.clock()), E.store:next_seq())
  local op = { name = rec.name .. "/operations/" .. id, done = false, metadata = metadata(rec.kind),
    verb = verb, resource = rec.name }
  E.store.operations[op.name] = op
  rec.busy = op.name
  -- Started before the save: should the state file refuse the change (the request is answered
  -- 500), the operation still finishes and the next write keeps it, so nothing stays busy.
  E.spawn(function() run(E, op, rec) end)
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
        op.error = { code = 13, message = "resource " .. op.resource .. " disappeared", details = {} }
      end
    end
  end
end

return M
