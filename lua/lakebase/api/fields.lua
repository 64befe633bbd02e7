--- Field types of the Lakebase API, as data: what a value of each field must be, checked the same
-- way by the client (before anything is sent) and the emulator (as the service checks a request).
--
-- A field definition is a table { type = ..., ... } made by the constructors below. `check`
-- validates a value against it and returns a cleaned copy: fields the definition does not know are
-- left out of the copy and reported to `ctx.unknown` (the client passes them on with a warning —
-- the service gains fields often; the emulator ignores them), while a value of a known field that
-- is wrong is an error naming the field, the value and what was expected.
local validate = require "lakebase.api.validate"
local json = require "lakebase.base.json"
local json_null, array_mt = json.null, json.array_mt

local M = {}

-- Free-form values are bounded so that nothing unbounded is ever stored (the emulator keeps what
-- it accepts, and re-encodes it in every answer).
M.MAX_STRING = 4096
M.MAX_ITEMS = 256

local function def(t, opts)
  opts = opts or {}
  opts.type = t
  return opts
end

function M.string(opts) return def("string", opts) end
function M.boolean(opts) return def("boolean", opts) end
function M.number(opts) return def("number", opts) end
function M.integer(opts) return def("integer", opts) end
--- "<seconds>s", with opts.min/opts.max in seconds.
function M.duration(opts) return def("duration", opts) end
--- RFC 3339 timestamps.
function M.timestamp(opts) return def("timestamp", opts) end
function M.enum(values, opts)
  local d = def("enum", opts)
  d.values = values
  return d
end
--- A JSON object of string values (pg_settings).
function M.map(opts) return def("map", opts) end
--- A JSON array of `item`.
function M.list(item, opts)
  local d = def("list", opts)
  d.item = item
  return d
end
--- A JSON object with known `fields`; opts.oneofs = { group = { members = {...}, required = bool } }.
function M.object(fields, opts)
  local d = def("object", opts)
  d.fields = fields
  d.oneofs = d.oneofs or {}
  -- Each member knows its group, so a mask naming a member can name the group instead.
  for group, g in pairs(d.oneofs) do
    g.name = group
    for _, m in ipairs(g.members) do fields[m].oneof = group end
  end
  return d
end

local function shown(v)
  if type(v) == "string" then
    return string.format("%q", #v > 80 and (v:sub(1, 77) .. "...") or v)
  elseif v == json_null then
    return "null"
  elseif type(v) == "table" then  -- decoded arrays, empty ones too, are marked as arrays
    return (getmetatable(v) == array_mt or #v > 0) and "an array" or "an object"
  end
  return tostring(v)
end
M.shown = shown

local function bad(path, expected, value)
  return string.format("invalid value for %s: expected %s, got %s", path, expected, shown(value))
end

local function one_of(values, v)
  for _, x in ipairs(values) do if x == v then return true end end
  return false
end

local function is_object(v)
  return type(v) == "table" and v ~= json_null and getmetatable(v) ~= array_mt and (next(v) == nil or #v == 0)
end
local function is_array(v)
  if type(v) ~= "table" or v == json_null then return false end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  return n == #v
end

local check

-- Checks the members of an object value against `d.fields`. Returns the cleaned copy or nil, err.
local function check_object(d, value, path, ctx)
  if not is_object(value) then return nil, bad(path, "an object", value) end
  local out = {}
  for k, v in pairs(value) do
    local f = type(k) == "string" and d.fields[k]
    local where = path .. "." .. tostring(k)
    if not f then
      ctx.unknown[#ctx.unknown + 1] = where
    elseif v ~= json_null then  -- null is "not set", as protobuf's JSON mapping reads it
      if f.output_only then
        ctx.unknown[#ctx.unknown + 1] = where
      else
        local c, err = check(f, v, where, ctx)
        if err then return nil, err end
        out[k] = c
      end
    end
  end
  for group, g in pairs(d.oneofs) do
    local set = {}
    for _, m in ipairs(g.members) do
      if out[m] ~= nil then set[#set + 1] = path .. "." .. m end
    end
    if #set > 1 then
      return nil, string.format("%s and %s are mutually exclusive (the %s.%s group takes one of them)",
        table.concat(set, ", ", 1, #set - 1), set[#set], path, group)
    end
  end
  return out
end

--- Checks `value` against field definition `d`; `path` names it in messages ("spec.ttl").
-- ctx = { unknown = {} } collects paths of fields the definition does not know.
-- Returns the cleaned value, or nil and the reason.
function check(d, value, path, ctx)
  local t = d.type
  if t == "string" then
    if type(value) ~= "string" then return nil, bad(path, "a string", value) end
    local max = d.max or M.MAX_STRING
    if d.min and #value < d.min then return nil, bad(path, "at least " .. d.min .. " characters", value) end
    if #value > max then return nil, bad(path, "at most " .. max .. " characters", value) end
    if d.check then
      local why = d.check(value)
      if why then return nil, "invalid value for " .. path .. ": " .. why end
    end
  elseif t == "boolean" then
    if type(value) ~= "boolean" then return nil, bad(path, "true or false", value) end
    if d.must_be_true and value ~= true then
      return nil, "invalid value for " .. path .. ": it can only be true (leave it out instead of false)"
    end
  elseif t == "number" or t == "integer" then
    if type(value) ~= "number" or value ~= value then return nil, bad(path, "a number", value) end
    if t == "integer" and value ~= math.floor(value) then return nil, bad(path, "a whole number", value) end
    if d.min and value < d.min then return nil, bad(path, "a number >= " .. d.min, value) end
    if d.max and value > d.max then return nil, bad(path, "a number <= " .. d.max, value) end
    if d.values and not one_of(d.values, value) then
      return nil, bad(path, "one of " .. table.concat(d.values, ", "), value)
    end
    if d.check then
      local why = d.check(value)
      if why then return nil, "invalid value for " .. path .. ": " .. why end
    end
    if t == "integer" then value = math.tointeger(value) or value end
  elseif t == "duration" then
    local secs, why = validate.duration(value)
    if not secs then return nil, "invalid value for " .. path .. ": " .. why end
    if d.min and secs < d.min then return nil, bad(path, "a duration of at least " .. d.min .. "s", value) end
    if d.max and secs > d.max then return nil, bad(path, "a duration of at most " .. d.max .. "s", value) end
  elseif t == "timestamp" then
    local secs, why = validate.timestamp(value)
    if not secs then return nil, "invalid value for " .. path .. ": " .. why end
  elseif t == "enum" then
    if type(value) ~= "string" then return nil, bad(path, "one of " .. table.concat(d.values, ", "), value) end
    if not one_of(d.values, value) then
      -- An enum value this version does not know may be one the service added since: the client
      -- passes it on (ctx.lenient_enums), the emulator refuses it.
      if ctx.lenient_enums then
        ctx.unknown[#ctx.unknown + 1] = path .. " = " .. value
        return value
      end
      return nil, bad(path, "one of " .. table.concat(d.values, ", "), value)
    end
  elseif t == "map" then
    if not is_object(value) then return nil, bad(path, "an object of strings", value) end
    local out, n = {}, 0
    for k, v in pairs(value) do
      n = n + 1
      if n > M.MAX_ITEMS then return nil, "invalid value for " .. path .. ": at most " .. M.MAX_ITEMS .. " entries" end
      if type(v) ~= "string" then return nil, bad(path .. "." .. tostring(k), "a string", v) end
      if #k > 256 or #v > M.MAX_STRING then return nil, "invalid value for " .. path .. "." .. k .. ": too long" end
      out[k] = v
    end
    return out
  elseif t == "list" then
    if not is_array(value) then return nil, bad(path, "an array", value) end
    if #value > (d.max_items or M.MAX_ITEMS) then
      return nil, "invalid value for " .. path .. ": at most " .. (d.max_items or M.MAX_ITEMS) .. " items"
    end
    local out = {}
    for i, v in ipairs(value) do
      local c, err = check(d.item, v, path .. "[" .. (i - 1) .. "]", ctx)
      if err then return nil, err end
      out[i] = c
    end
    return setmetatable(out, require("lakebase.base.json").array_mt)
  elseif t == "object" then
    return check_object(d, value, path, ctx)
  end
  return value
end
M.check = check

--- Names of the required fields of object definition `d` missing from `value` (a cleaned copy),
-- with `path` prefixed, and of required oneof groups none of whose members is set; also inside
-- the objects and lists of objects `value` has.
function M.missing(d, value, path, out)
  out = out or {}
  local names = {}
  for k in pairs(d.fields) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do
    local f, v = d.fields[k], value[k]
    if f.required and v == nil then out[#out + 1] = path .. "." .. k end
    if f.type == "object" and type(v) == "table" then M.missing(f, v, path .. "." .. k, out) end
    if f.type == "list" and f.item.type == "object" and type(v) == "table" then
      for i, item in ipairs(v) do M.missing(f.item, item, path .. "." .. k .. "[" .. (i - 1) .. "]", out) end
    end
  end
  for group, g in pairs(d.oneofs) do
    if g.required then
      local any = false
      for _, m in ipairs(g.members) do if value[m] ~= nil then any = true end end
      if not any then
        local members = {}
        for i, m in ipairs(g.members) do members[i] = path .. "." .. m end
        out[#out + 1] = "one of " .. table.concat(members, ", ") .. " (the " .. path .. "." .. group .. " group)"
      end
    end
  end
  return out
end

M.is_object = is_object
M.is_array = is_array
return M
