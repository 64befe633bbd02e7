--- What the client checks before sending a spec: known fields must have valid values; fields and
-- enum values it does not know are sent as given, with one warning each on stderr, since the
-- service gains fields more often than this client is updated (refusing them would make a new
-- API feature unusable from lakebase until it catches up).
local schema = require "lakebase.api.schema"
local masks = require "lakebase.api.masks"
local log = require "lakebase.base.log"

local M = {}

local warned = {}

local function warn_unknown(kind, unknown)
  for _, path in ipairs(unknown) do
    local key = kind .. ":" .. path
    if not warned[key] then
      warned[key] = true
      log.warn("%s %s is not known to this version of lakebase; sending it as given", kind, path)
    end
  end
end
M.warn_unknown = warn_unknown

--- The problem with `spec` for a create (`creating`) or an update of `kind`, or nil (after
-- warning about what it does not know).
function M.spec_problem(kind, spec, creating)
  local unknown = {}
  local _, why = schema.check_spec(schema[kind], spec, { creating = creating, unknown = unknown, lenient_enums = true })
  if why then return why end
  warn_unknown(kind, unknown)
end

--- The problem with the fields a create `body` of `kind` carries beside its spec (a project's
-- initial_*_spec), or nil; as spec_problem, what it does not know only warns.
function M.create_fields_problem(kind, body)
  local F = require "lakebase.api.fields"
  local unknown = {}
  for k, f in pairs(schema[kind].create_fields or {}) do
    if body[k] ~= nil then
      local _, why = F.check(f, body[k], k, { unknown = unknown, lenient_enums = true })
      if why then return why end
    end
  end
  warn_unknown(kind, unknown)
end

--- Checks `spec` as spec_problem does; raises "bad argument #N to 'fname' (reason)" at `level`.
function M.spec(kind, spec, creating, fname, level, argn)
  local why = M.spec_problem(kind, spec, creating)
  if why then error("bad argument #" .. (argn or 1) .. " to '" .. fname .. "' (" .. why .. ")", level + 1) end
  return spec
end

--- Checks an update mask given by the caller: paths the service refuses (a oneof member instead
-- of its group, an immutable or output-only field, a path below a value) raise; paths this
-- version does not know pass with a warning. Returns the mask as one string.
function M.mask(kind, mask, fname, level, argn)
  argn = argn or 2
  if type(mask) == "table" then mask = table.concat(mask, ",") end
  if type(mask) ~= "string" then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (mask must be a string or a list of paths, got " .. type(mask) .. ")", level + 1)
  end
  local paths = masks.split(mask)
  if #paths == 0 then error("bad argument #" .. argn .. " to '" .. fname .. "' (the update mask is empty)", level + 1) end
  for _, p in ipairs(paths) do
    local ok, why, unknown = masks.resolve(schema[kind], p)
    if not ok and unknown then
      warn_unknown(kind, { "update_mask path " .. p })
    elseif not ok then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. why .. ")", level + 1)
    end
  end
  return table.concat(paths, ",")
end

return M
