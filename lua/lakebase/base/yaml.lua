--- YAML output for `-o yaml`: the JSON data model written as block YAML that YAML 1.1 and 1.2
-- readers (PyYAML, yq, Go's yaml.v3) read back as the same values. Keys sorted, as in JSON output;
-- strings plain only when no reader could take them for something else (a number, a boolean,
-- null, a date, an indicator), else double-quoted; multi-line strings as literal blocks (|).
local json = require "lakebase.base.json"

local M = {}

-- Words YAML 1.1 or 1.2 reads as booleans or null, whatever their case.
local SPECIAL = {}
for _, w in ipairs { "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n" } do SPECIAL[w] = true end

-- Whether `s` may be written plain: letters, digits, spaces inside and `/._@+=-` only (no
-- indicator, no ':' or '#'), starting with a letter, digit, '/' or '_', and not read as a
-- number (1e3, 0x1F, 017, 1_000, 0b101), a date or one of the special words.
local function plain_ok(s)
  if SPECIAL[s:lower()] or not s:match("^[%w/_][%w/._@+=%- ]*$") or s:match(" $") then return false end
  if s:match("^%d") then
    if tonumber(s) or tonumber((s:gsub("_", ""))) or s:match("^%d%d%d%d%-%d%d?%-%d%d?") or s:match("^0[bo]") then
      return false
    end
  end
  return true
end

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r", ["\0"] = "\\0" }

-- Characters YAML readers take for line breaks (NEL U+0085, LS U+2028, PS U+2029) or refuse as
-- unprintable (the other C1 controls, U+FFFE, U+FFFF), and the BOM: escaped, never written as such.
local UNSAFE_UTF8 = { "\xC2[\x80-\x9F]", "\xE2\x80[\xA8\xA9]", "\xEF\xBF[\xBE\xBF]", "\xEF\xBB\xBF" }

local function escape_unsafe_utf8(s)
  for _, pattern in ipairs(UNSAFE_UTF8) do
    s = s:gsub(pattern, function(c) return string.format("\\u%04X", utf8.codepoint(c)) end)
  end
  return s
end

local function has_unsafe_utf8(s)
  for _, pattern in ipairs(UNSAFE_UTF8) do if s:find(pattern) then return true end end
  return false
end

local function quoted(s)
  s = s:gsub('[%c"\\\127]', function(c) return ESCAPES[c] or string.format("\\x%02X", c:byte()) end)
  return '"' .. escape_unsafe_utf8(s) .. '"'
end

-- A literal block (|) for text with line breaks that a block holds exactly: no control
-- characters but tabs, no space or break at the start, no trailing blanks, at most one final break.
local function block_ok(s)
  return s:find("\n", 1, true) ~= nil and not s:find("[\0-\8\11-\31\127]") and not s:match("^[ \t\n]")
    and not s:find("\n\n$") and not s:find("[ \t]\n") and not s:find("[ \t]$") and not has_unsafe_utf8(s)
end

local function scalar(v, indent)
  if v == nil or v == json.null then return "null" end
  local t = type(v)
  if t == "boolean" then return v and "true" or "false" end
  if math.type(v) == "integer" then return string.format("%d", v) end
  if t == "number" then
    if v ~= v then return ".nan" end
    if v == math.huge then return ".inf" end
    if v == -math.huge then return "-.inf" end
    -- YAML 1.1 floats have a point and a signed exponent (1.0e-300): else PyYAML reads a string
    local s = json.encode(v):gsub("^(-?%d+)e", "%1.0e"):gsub("e(%d)", "e+%1")
    if not s:find("[.e]") then s = s .. ".0" end  -- stays a float
    return s
  end
  if t ~= "string" then error("cannot write a " .. t .. " value in YAML", 0) end
  if plain_ok(v) then return v end
  if block_ok(v) then
    local pad = string.rep(" ", indent)
    local body = v:gsub("\n$", "")
    return (v:sub(-1) == "\n" and "|" or "|-") .. "\n" .. pad .. body:gsub("\n", "\n" .. pad)
  end
  return quoted(v)
end

local function key_text(k)
  if type(k) ~= "string" then error("cannot write a table with a " .. type(k) .. " key in YAML", 0) end
  return plain_ok(k) and k or quoted(k)
end

local function empty(t) return json.is_array(t) and "[]" or "{}" end

local emit

-- Appends the lines of the non-empty table `t` at `indent` spaces to `out`.
function emit(t, indent, out, seen)
  if seen[t] then error("cannot write a table that contains itself", 0) end
  seen[t] = true
  local pad = string.rep(" ", indent)
  if json.is_array(t) then
    for i = 1, #t do
      local v = t[i]
      if type(v) == "table" and next(v) ~= nil then
        local first = #out + 1
        emit(v, indent + 2, out, seen)
        out[first] = pad .. "- " .. out[first]:sub(indent + 3)  -- the first line of the item after "- "
      else
        out[#out + 1] = pad .. "- " .. (type(v) == "table" and empty(v) or scalar(v, indent + 2))
      end
    end
  else
    local keys = {}
    for k in pairs(t) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      local v = t[k]
      if type(v) == "table" and next(v) ~= nil then
        out[#out + 1] = pad .. key_text(k) .. ":"
        emit(v, indent + 2, out, seen)
      else
        out[#out + 1] = pad .. key_text(k) .. ": " .. (type(v) == "table" and empty(v) or scalar(v, indent + 2))
      end
    end
  end
  seen[t] = nil
end

--- The YAML document of a value (tables, strings, numbers, booleans, json.null), ending in a line
-- break; raises on what JSON could not hold either (functions, non-string keys, cycles).
function M.encode(v)
  if type(v) ~= "table" then return scalar(v, 2) .. "\n" end
  if next(v) == nil then return empty(v) .. "\n" end
  local out = {}
  emit(v, 0, out, {})
  return table.concat(out, "\n") .. "\n"
end

return M
