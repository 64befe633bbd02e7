--- How emulator records look on the wire: resource objects, operations and error bodies.
local json = require "lakebase.base.json"
local resources = require "lakebase.api.schema"

local M = {}

M.TYPE_PREFIX = "type.googleapis.com/databricks.postgres.v1."

local function copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = copy(x) end
  return setmetatable(out, getmetatable(v))
end
M.copy = copy

--- The resource object the API returns for a record.
function M.resource(rec)
  local def = resources[rec.kind]
  local out = {
    name = rec.name, uid = rec.uid, create_time = rec.create_time, update_time = rec.update_time,
    spec = copy(rec.spec), status = copy(rec.status), delete_time = rec.delete_time, purge_time = rec.purge_time,
  }
  if rec.parent then out.parent = rec.parent end
  out[def.id_field] = rec.id
  for _, k in ipairs { "membership_roles", "custom_tags" } do  -- lists that may be empty
    if out.spec[k] then out.spec[k] = json.array(out.spec[k]) end
    if out.status and out.status[k] then out.status[k] = json.array(out.status[k]) end
  end
  return out
end

--- The Operation object for an operation record.
function M.operation(op)
  local out = { name = op.name, done = op.done, metadata = copy(op.metadata) }
  if op.done then
    if op.error then out.error = copy(op.error) else out.response = copy(op.response) end
  end
  return out
end

--- An error body and status: `{"error_code": ..., "message": ..., "details": [...]}`. The ErrorInfo
--- carries its `metadata` map even when empty: the Databricks JavaScript SDK (0.17.0) reads
--- `metadata` of every detail and, without it, takes the body for an unknown error (error code
--- "Not Found" instead of NOT_FOUND).
function M.error(status, code, message)
  return status, { error_code = code, message = message, details = json.array {
    { ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo", reason = code, domain = "postgres.databricks.com",
      metadata = {} },
  } }
end

return M
