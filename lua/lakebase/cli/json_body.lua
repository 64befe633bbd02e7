--- A --json body read as the Databricks CLI reads it: before sending, the CLI converts each value
-- of a field it knows to the field's type when the JSON gives it as another type (its
-- convert.Normalize), so lines such as `--json '{"spec": {"pg_version": "17"}}'` work there. The
-- same conversions here, over the resource's schema: a string of digits for an integer, a decimal
-- string for a number, true/yes/on and false/no/off (the YAML words the CLI takes) for a boolean,
-- and a number or boolean for a string or enum. A value that cannot be converted is left as it is,
-- so that validation names it; fields the schema does not know are left alone.
local fields = require "lakebase.api.fields"
local json = require "lakebase.base.json"

local M = {}

local TRUE = { ["true"] = true, y = true, Y = true, yes = true, Yes = true, YES = true, on = true, On = true, ON = true }
local FALSE = { ["false"] = true, n = true, N = true, no = true, No = true, NO = true, off = true, Off = true, OFF = true }

-- A decimal number as Go's ParseInt (base 10) or ParseFloat reads one: no hex, no spaces.
local function number_of(s, integer)
  if integer then
    return s:match("^[+-]?%d+$") and math.tointeger(tonumber(s)) or nil
  end
  if s:match("^[+-]?%d+%.?%d*[eE]?[+-]?%d*$") or s:match("^[+-]?%.%d+[eE]?[+-]?%d*$") then return tonumber(s) end
end

-- A number or boolean written as the CLI formats it for a string field (17, not 17.0).
local function string_of(v)
  if type(v) == "boolean" then return tostring(v) end
  local i = math.tointeger(v)
  if i then return string.format("%d", i) end
  return string.format("%.17g", v)
end

--- Returns `value` converted along field definition `d` (a copy where anything changed).
function M.normalize(d, value)
  local t, tv = d.type, type(value)
  if t == "object" and fields.is_object(value) then
    local out = {}
    for k, v in pairs(value) do
      local f = type(k) == "string" and d.fields[k]
      if f then out[k] = M.normalize(f, v) else out[k] = v end
    end
    return out
  elseif t == "list" and fields.is_array(value) then
    local out = setmetatable({}, json.array_mt)
    for i, v in ipairs(value) do out[i] = M.normalize(d.item, v) end
    return out
  elseif (t == "integer" or t == "number") and tv == "string" then
    local n = number_of(value, t == "integer")
    if n ~= nil then return n end
  elseif t == "boolean" and tv == "string" then
    if TRUE[value] then return true elseif FALSE[value] then return false end
  elseif (t == "string" or t == "enum") and (tv == "number" or tv == "boolean") then
    return string_of(value)
  end
  return value
end

--- The --json body of a create or update of kind `def` (a schema definition), normalized: for
-- kinds with a spec, `spec` and the create-only fields beside it; for kinds whose fields are
-- their own, the body itself.
function M.resource_body(def, body)
  if def.top_level then return M.normalize(def.spec, body) end
  local out = {}
  for k, v in pairs(body) do
    local f = k == "spec" and def.spec or (def.create_fields or {})[k]
    if f then out[k] = M.normalize(f, v) else out[k] = v end
  end
  return out
end

return M
