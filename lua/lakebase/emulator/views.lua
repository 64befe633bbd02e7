--- How emulator records look on the wire: resource objects (status, no spec: the service treats
-- spec as input only), operations and error bodies.
local json = require "lakebase.base.json"
local resources = require "lakebase.api.schema"
local status = require "lakebase.emulator.status"
local masks = require "lakebase.api.masks"

local M = {}

M.TYPE_PREFIX = "type.googleapis.com/databricks.postgres.v1."

local copy = masks.copy
M.copy = copy

--- The resource object the API returns for a record: its status derived now, never its spec. A
-- kind whose fields are its own (schema `top_level`) shows them, and what the service adds, at the
-- top. Fields of the envelope the kind does not have (schema `omit`) are left out.
function M.resource(E, rec)
  local def = resources[rec.kind]
  local out = { name = rec.name, create_time = rec.create_time, update_time = rec.update_time, uid = rec.uid,
    parent = rec.parent }
  local s = copy(status.refresh(E, rec))
  if def.top_level then
    for k, v in pairs(copy(rec.spec) or {}) do out[k] = v end
    for k, v in pairs(s) do out[k] = v end
    for k, v in pairs(out) do  -- an empty list is left out, as the service leaves it out
      if type(v) == "table" and getmetatable(v) == json.array_mt and #v == 0 then out[k] = nil end
    end
  else
    out.status = s
  end
  for k in pairs(def.omit) do out[k] = nil end
  if def.deleted_times == "top" then out.delete_time, out.purge_time = rec.delete_time, rec.purge_time end
  if def.id_field then out[def.id_field] = rec.id end
  return out
end

--- The Operation object for an operation record.
function M.operation(op)
  local out = { name = op.name, done = op.done, metadata = copy(op.metadata) }
  if op.done then
    if op.error then
      out.error = copy(op.error)
      out.error.details = json.array(out.error.details or {})
    else
      out.response = copy(op.response)
    end
  end
  return out
end

--- An error body and status: `{"error_code": ..., "message": ..., "details": [...]}`. The ErrorInfo
-- carries its `metadata` map even when empty: the Databricks JavaScript SDK (0.17.0) reads
-- `metadata` of every detail and, without it, takes the body for an unknown error (error code
-- "Not Found" instead of NOT_FOUND). So a RequestInfo (which has no metadata) comes only where
-- the service was recorded sending one: with the MANAGED_BY_PARENT marker that `opts.reason`/
-- `opts.metadata` put in the ErrorInfo [live: the CLI's test server]; its other errors carry none.
function M.error(status_code, code, message, opts)
  opts = opts or {}
  local details = json.array {
    { ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo", reason = opts.reason or code, domain = "databricks.com",
      metadata = opts.metadata or {} },
  }
  if opts.reason then
    details[2] = { ["@type"] = "type.googleapis.com/google.rpc.RequestInfo", request_id = opts.request_id or M.request_id(),
      serving_data = "" }
  end
  return status_code, { error_code = code, message = message, details = details }
end

local counter = 0
--- A trace id for messages ("[TraceId: 0af7651916cd43dd8448eb211c80319c]"): 32 lowercase hex
-- digits, as the service's are (its recordings normalise them as [a-f0-9]+); unique within the
-- process.
function M.trace_id()
  counter = counter + 1
  return string.format("%08x%08x%04x%012x", os.time() & 0xffffffff, math.random(0, 0xffffffff), counter & 0xffff,
    math.random(0, 0xffffffffffff))
end

--- A request id for RequestInfo details: a UUID, as the service's.
function M.request_id()
  counter = counter + 1
  return string.format("%08x-%04x-4%03x-8%03x-%012x", os.time() & 0xffffffff, counter & 0xffff,
    math.random(0, 0xfff), math.random(0, 0xfff), math.random(0, 0xffffffffff))
end

return M
