--- JSON. Decoding uses a private lua-cjson instance (fast, and its settings never leak to other
-- users of cjson); encoding is done here, so that output is deterministic (sorted keys) and empty
-- arrays can be told from empty objects. `json.null` stands for JSON null.
local cjson = require("lakebase.core.cjson").new()
cjson.decode_max_depth(200)

local M = { null = cjson.null }

local array_mt = { __name = "lakebase.json.array" }
M.array_mt = array_mt

--- Marks a table as an array, so that an empty one encodes as `[]` (empty tables are `{}`).
function M.array(t)
  return setmetatable(t or {}, array_mt)
end

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
local function escape_char(c)
  return escapes[c] or string.format("\\u%04x", c:byte())
end

-- A string as JSON: each byte that is not part of valid UTF-8 written as U+FFFD, as Go's
-- encoding/json writes it, so that every JSON text written is UTF-8 (an echoed path with stray
-- bytes in it too), then escaped.
local function string_text(s)
  if not utf8.len(s) then
    local out, i = {}, 1
    while i <= #s do
      local valid, bad = utf8.len(s, i)
      if valid then out[#out + 1] = s:sub(i) break end
      out[#out + 1] = s:sub(i, bad - 1) .. "\u{FFFD}"
      i = bad + 1
    end
    s = table.concat(out)
  end
  return '"' .. s:gsub('[%c"\\]', escape_char) .. '"'
end

local encode_value
local indent  -- nil: compact; else the indentation unit of the encode in progress

-- A line break and indentation for nesting level `depth`, when pretty-printing.
local function newline(out, depth)
  if indent then out[#out + 1] = "\n" .. indent:rep(depth) end
end

local function is_array(t)
  if getmetatable(t) == array_mt then return true end
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end
M.is_array = is_array  -- the YAML writer decides sequences the same way

local function encode_table(t, out, depth, seen)
  if seen[t] then error("cannot encode a table that contains itself", 0) end
  if depth > 200 then error("cannot encode tables nested deeper than 200", 0) end
  seen[t] = true
  if is_array(t) then
    out[#out + 1] = "["
    for i = 1, #t do
      if i > 1 then out[#out + 1] = "," end
      newline(out, depth + 1)
      encode_value(t[i], out, depth + 1, seen)
    end
    if #t > 0 then newline(out, depth) end
    out[#out + 1] = "]"
  else
    local keys = {}
    for k in pairs(t) do
      if type(k) ~= "string" then
        error("cannot encode a table with a " .. type(k) .. " key (JSON object keys are strings)", 0)
      end
      keys[#keys + 1] = k
    end
    table.sort(keys)
    out[#out + 1] = "{"
    for i, k in ipairs(keys) do
      if i > 1 then out[#out + 1] = "," end
      newline(out, depth + 1)
      out[#out + 1] = string_text(k) .. (indent and ': ' or ':')
      encode_value(t[k], out, depth + 1, seen)
    end
    if #keys > 0 then newline(out, depth) end
    out[#out + 1] = "}"
  end
  seen[t] = nil
end

function encode_value(v, out, depth, seen)
  local t = type(v)
  if v == nil or v == M.null then
    out[#out + 1] = "null"
  elseif t == "string" then
    out[#out + 1] = string_text(v)
  elseif t == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif math.type(v) == "integer" then
    out[#out + 1] = string.format("%d", v)
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then error("cannot encode " .. tostring(v) .. " in JSON", 0) end
    local s = string.format("%.14g", v)
    if tonumber(s) ~= v then s = string.format("%.17g", v) end
    out[#out + 1] = s
  elseif t == "table" then
    encode_table(v, out, depth, seen)
  else
    error("cannot encode a " .. t .. " value in JSON", 0)
  end
end

--- Encodes a Lua value as JSON text (object keys sorted); raises on values JSON cannot hold.
function M.encode(v)
  local out = {}
  encode_value(v, out, 0, {})
  return table.concat(out)
end

--- Like encode, indented by two spaces per level, for people to read.
function M.pretty(v)
  indent = "  "
  local ok, out = pcall(M.encode, v)
  indent = nil
  if not ok then error(out, 2) end
  return out
end

-- cjson gives every number as a float; JSON integers become Lua integers, as users expect
-- (a port prints as 5432, not 5432.0).
local tointeger = math.tointeger
local function integers(t)
  for k, v in pairs(t) do
    local tv = type(v)
    if tv == "number" then
      local i = tointeger(v)
      if i then t[k] = i end
    elseif tv == "table" then
      integers(v)
    end
  end
end

--- Decodes JSON text; returns the value, or nil and a message when the text is not JSON.
function M.decode(s)
  if type(s) ~= "string" then return nil, "expected JSON text, got " .. type(s) end
  -- JSON text is UTF-8 (RFC 8259): cjson would stop at a NUL, dropping what follows, and pass
  -- other bytes through to every output.
  if s:sub(1, 3) == "\xEF\xBB\xBF" then return nil, "it starts with a byte order mark (U+FEFF): save it as UTF-8 without one" end
  local nul = s:find("\0", 1, true)
  if nul then return nil, "NUL byte at character " .. nul end
  local valid, bad = utf8.len(s)
  if not valid then return nil, "not UTF-8 at character " .. bad end
  local ok, v = pcall(cjson.decode, s)
  if not ok then return nil, (tostring(v):gsub("^.-:%d+: ", "")) end
  if type(v) == "table" then integers(v) elseif type(v) == "number" then v = tointeger(v) or v end
  return v
end

return M
