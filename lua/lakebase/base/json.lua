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

-- Empty arrays. This lua-cjson (2.1) decodes `[]` and `{}` alike, as empty tables, and has no
-- decode_array_with_array_mt; so each `[]` outside strings is first replaced by a marker string,
-- which becomes json.array() once decoded. The marker is a byte that never occurs in UTF-8 (the
-- text is checked to be UTF-8 first) and that no JSON escape can produce, so no decoded string
-- can equal it.
local find, sub, gsub, byte, concat, tointeger = string.find, string.sub, string.gsub, string.byte, table.concat,
  math.tointeger
local MARKER = "\255"

local WHITE = { [32] = true, [9] = true, [13] = true, [10] = true }
local BEFORE_VALUE = { [58] = true, [44] = true, [91] = true }  -- : , [

-- Whether the `[` at `p` may start a value: it is first, or after `:`, `,` or `[` (and white
-- space). Elsewhere it is inside a string (or not JSON), as in "a []" or "x[]".
local function may_start_value(s, p)
  repeat p = p - 1 until not WHITE[byte(s, p)]
  return p == 0 or BEFORE_VALUE[byte(s, p)] == true
end

-- Start and end of each `[ ]` (JSON white space only: `[\f]` stays invalid) where a value may
-- start, as a flat list. Plain finds of `[`: a pattern search would cost ~10 ns a byte, as much as
-- decoding.
local function empty_arrays(s)
  local list, n = {}, 0
  local p = find(s, "[", 1, true)
  while p do
    local _, e = find(s, "^[ \t\r\n]*%]", p + 1)
    if e and may_start_value(s, p) then list[n + 1], list[n + 2], n = p, e, n + 2 end
    p = find(s, "[", (e or p) + 1, true)
  end
  return list
end

-- The entries of `list` outside strings: escapes blanked (the length kept), each '"' left opens
-- or closes a string, so an even number of them before an entry puts it outside.
local function outside_strings(s, list)
  local plain = find(s, "\\", 1, true) and gsub(s, "\\.", "__") or s
  local out, counted, quotes = {}, 1, 0
  for i = 1, #list, 2 do
    quotes = quotes + select(2, gsub(sub(plain, counted, list[i] - 1), '"', ""))
    counted = list[i]
    if quotes % 2 == 0 then out[#out + 1], out[#out + 2] = list[i], list[i + 1] end
  end
  return out
end

-- cjson gives every number as a float: the integers of `t` (`depth` levels down) become Lua
-- integers, as users expect (a port prints as 5432, not 5432.0); each `marker` (nil: none) becomes
-- an empty array. A marker as a key was `[]` as a key, and one 200 levels down was an array too
-- deep: not JSON, raised for the caller to report from the text itself.
local function integers(t, marker, depth)
  for k, v in pairs(t) do
    if k == marker then error("an array as a key", 0) end
    local tv = type(v)
    if tv == "number" then
      local i = tointeger(v)
      if i then t[k] = i end
    elseif tv == "table" then
      integers(v, marker, depth + 1)
    elseif v == marker then
      if depth >= 200 then error("too deep", 0) end
      t[k] = setmetatable({}, array_mt)
    end
  end
end

-- The value of `s` with the `[]` of `list` replaced by `marker` and decoded as arrays; nil when
-- that is not JSON.
local function decode_marked(s, list, marker)
  local out, last, quoted = {}, 1, '"' .. marker .. '"'
  for i = 1, #list, 2 do
    out[i], out[i + 1], last = sub(s, last, list[i] - 1), quoted, list[i + 1] + 1
  end
  out[#out + 1] = sub(s, last)
  local ok, v = pcall(cjson.decode, concat(out))
  if ok and v == marker then return setmetatable({}, array_mt) end
  if ok and type(v) == "table" then ok = pcall(integers, v, marker, 1) end
  if ok then return type(v) == "number" and (tointeger(v) or v) or v end
  return nil
end

-- The value of `s` with its empty arrays marked as arrays; nil when `s` is not JSON or has none.
-- Every `[]` is tried as outside strings first: a marker put inside a string ends that string
-- with a raw marker byte after it, which is never JSON, so success proves them all outside.
local function decode_with_arrays(s)
  local list = empty_arrays(s)
  if #list == 0 then return nil end
  local v = decode_marked(s, list, MARKER)
  if v ~= nil then return v end
  list = outside_strings(s, list)
  return #list > 0 and decode_marked(s, list, MARKER) or nil
end

--- Decodes JSON text; returns the value, or nil and a message when the text is not JSON. Arrays,
-- empty ones included, come back as arrays (json.is_array), so that they encode as they were.
function M.decode(s)
  if type(s) ~= "string" then return nil, "expected JSON text, got " .. type(s) end
  -- JSON text is UTF-8 (RFC 8259): cjson would stop at a NUL, dropping what follows, and pass
  -- other bytes through to every output.
  if s:sub(1, 3) == "\xEF\xBB\xBF" then return nil, "it starts with a byte order mark (U+FEFF): save it as UTF-8 without one" end
  local nul = s:find("\0", 1, true)
  if nul then return nil, "NUL byte at character " .. nul end
  local valid, bad = utf8.len(s)
  if not valid then return nil, "not UTF-8 at character " .. bad end
  local v = decode_with_arrays(s)
  if v ~= nil then return v end
  -- No empty array, or not JSON: then cjson says why in terms of the text as given.
  local ok
  ok, v = pcall(cjson.decode, s)
  if not ok then return nil, (tostring(v):gsub("^.-:%d+: ", "")) end
  if type(v) == "table" then integers(v, nil, 1) elseif type(v) == "number" then v = tointeger(v) or v end
  return v
end

return M
