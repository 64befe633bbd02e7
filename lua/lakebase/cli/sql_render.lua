--- How `lakebase query` prints results, in the shapes of the Databricks CLI's experimental
-- postgres query: text (an aligned table with a dashed header rule and "(N rows)", or the command
-- tag), json (an array of row objects with keys in column order, or {"command", "rows_affected"}),
-- csv (a header and RFC 4180 quoting; NULL is an empty field), and for several inputs a text block
-- each or a JSON array of {source, sql, kind, elapsed_ms, ...} objects.
-- A result is {fields = {names}, types = {OIDs}, rows = {{value...}}, command = "tag"}, as
-- lakebase.pg's conn:statement gives it.
local json = require "lakebase.base.json"
local base64 = require "lakebase.base.base64"
local printable = require "lakebase.base.printable"

local M = {}

local NULL = json.null
local OID = { json = 114, jsonb = 3802, bytea = 17 }
local SAFE_INTEGER = 2 ^ 53 - 1

-- A float as Go's strconv.FormatFloat(x, 'g', -1, 64) writes it: the fewest digits that read back
-- as x, in exponent form when the exponent is below -4 or 6 and above.
local function float_text(x)
  if x ~= x then return "NaN" end
  if x == math.huge then return "Infinity" end
  if x == -math.huge then return "-Infinity" end
  for digits = 1, 17 do
    local e = string.format("%." .. (digits - 1) .. "e", x)
    if tonumber(e) == x then
      local exp = tonumber(e:match("e([-+]%d+)$"))
      if exp < -4 or exp >= 6 then return e end
      return string.format("%." .. math.max(digits - 1 - exp, 0) .. "f", x)
    end
  end
  return string.format("%.17g", x)
end

--- A value as text: NULL, t/f, numbers, and strings as PostgreSQL wrote them.
function M.text_value(v)
  if v == NULL or v == nil then return "NULL" end
  if type(v) == "boolean" then return v and "t" or "f" end
  if math.type(v) == "float" then return float_text(v) end
  return tostring(v)
end

local function hex_to_bytes(h)
  return (h:gsub("%x%x", function(pair) return string.char(tonumber(pair, 16)) end))
end

--- A value as JSON text: json/jsonb as they are, bytea as base64, integers beyond 2^53 and the
-- float specials as strings (JSON cannot hold them exactly), other types as strings.
function M.json_value(v, oid)
  if v == NULL or v == nil then return "null" end
  if type(v) == "boolean" then return v and "true" or "false" end
  if math.type(v) == "integer" then
    if v > SAFE_INTEGER or v < -SAFE_INTEGER then return json.encode(tostring(v)) end
    return tostring(v)
  end
  if math.type(v) == "float" then
    if v ~= v or v == math.huge or v == -math.huge then return json.encode(float_text(v)) end
    return json.encode(v)
  end
  if (oid == OID.json or oid == OID.jsonb) and json.decode(v) ~= nil then return v end
  if oid == OID.bytea and v:match("^\\x%x*$") then return json.encode(base64.encode(hex_to_bytes(v:sub(3)))) end
  return json.encode(v)
end

-- Characters that take two columns on a terminal (East Asian wide and fullwidth forms, emoji) and
-- those that take none (combining marks, zero-width joiners), as wcwidth(3) counts them.
local WIDE = { { 0x1100, 0x115F }, { 0x2E80, 0x303E }, { 0x3041, 0x33FF }, { 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF },
  { 0xA000, 0xA4CF }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFE30, 0xFE4F }, { 0xFF00, 0xFF60 },
  { 0xFFE0, 0xFFE6 }, { 0x1F300, 0x1F64F }, { 0x1F900, 0x1F9FF }, { 0x20000, 0x3FFFD } }
local ZERO = { { 0x0300, 0x036F }, { 0x200B, 0x200F }, { 0x20D0, 0x20FF }, { 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F } }

local function in_ranges(c, ranges)
  for _, r in ipairs(ranges) do if c >= r[1] and c <= r[2] then return true end end
  return false
end

local function char_width(c)
  if c < 0x300 then return 1 end
  if in_ranges(c, ZERO) then return 0 end
  return in_ranges(c, WIDE) and 2 or 1
end

--- The columns `s` takes on a terminal (its bytes when it is not UTF-8).
function M.display_width(s)
  if not utf8.len(s) then return #s end
  local w = 0
  for _, c in utf8.codes(s) do w = w + char_width(c) end
  return w
end

-- `s` cut to at most `max` columns, the last of them an ellipsis when something was cut.
local function truncate(s, max)
  if M.display_width(s) <= max then return s end
  if not utf8.len(s) then return s:sub(1, max - 1) .. "…" end
  local out, w = {}, 0
  for _, c in utf8.codes(s) do
    local cw = char_width(c)
    if w + cw > max - 1 then break end
    out[#out + 1], w = utf8.char(c), w + cw
  end
  return table.concat(out) .. "…"
end

local NUMERIC_OIDS = { [20] = true, [21] = true, [23] = true, [26] = true, [700] = true, [701] = true, [1700] = true }

-- Whether column c holds numbers: every value a Lua number, or its type a numeric one.
local function numeric_column(r, c)
  if r.types and NUMERIC_OIDS[r.types[c]] then return true end
  local any = false
  for _, row in ipairs(r.rows) do
    local v = row[c]
    if type(v) == "number" then any = true
    elseif v ~= NULL and v ~= nil then return false end
  end
  return any
end

--- Writes the text form of one result to `out` (a function taking a string). `opts` (the REPL's
-- grid; `lakebase query` gives none and keeps the Databricks CLI's shape): null = how NULL shows,
-- max_width = the widest a cell may be (cut with an ellipsis), max_rows = the rows shown before
-- "... N more rows", and numbers right-aligned, widths counted in terminal columns.
function M.text(out, r, opts)
  if #r.fields == 0 then
    out(r.command .. "\n")
    return
  end
  local width = opts and M.display_width or function(s) return utf8.len(s) or #s end
  local null_text = opts and opts.null or "NULL"
  local max_width = opts and opts.max_width or math.huge
  local shown = math.min(#r.rows, opts and opts.max_rows or math.huge)
  local rows, widths, right, names = {}, {}, {}, {}
  for c, name in ipairs(r.fields) do
    names[c] = printable.text(name, true)
    widths[c] = width(names[c])
    right[c] = opts and numeric_column(r, c)
  end
  for i = 1, shown do
    local row, cells = r.rows[i], {}
    for c = 1, #r.fields do
      local v = row[c]
      -- Tabs and line breaks would break the alignment: written as psql writes them (\t, \n), and
      -- other control characters as escapes, never sent to the terminal.
      cells[c] = (v == NULL or v == nil) and null_text or printable.text(M.text_value(v), true)
      if width(cells[c]) > max_width then cells[c] = truncate(cells[c], max_width) end
      widths[c] = math.max(widths[c], width(cells[c]))
    end
    rows[i] = cells
  end
  local rule = {}
  for c, name in ipairs(r.fields) do
    widths[c] = math.max(widths[c], 3)
    rule[c] = string.rep("-", opts and widths[c] or math.max(width(names[c]), 3))  -- the grid's spans its column
  end
  local function line(cells)
    local parts = {}
    for c, v in ipairs(cells) do
      local pad = string.rep(" ", widths[c] - width(v))
      if right[c] then
        parts[c] = pad .. v .. (c < #cells and "  " or "")
      else
        parts[c] = c < #cells and (v .. pad .. "  ") or v
      end
    end
    out(table.concat(parts) .. "\n")
  end
  line(names)
  line(rule)
  for _, cells in ipairs(rows) do line(cells) end
  if shown < #r.rows then
    local more = #r.rows - shown
    out(string.format("... %d more %s\n", more, more == 1 and "row" or "rows"))
  end
  out(string.format("(%d %s)\n", #r.rows, #r.rows == 1 and "row" or "rows"))
end

--- Column names for JSON objects: a repeated name becomes name__2, name__3, ... Returns the names
-- and whether any was renamed.
function M.json_columns(fields)
  local taken, names, renamed = {}, {}, false
  for c, name in ipairs(fields) do
    local n = name
    if taken[n] then
      renamed = true
      local k = 2
      while taken[name .. "__" .. k] do k = k + 1 end
      n = name .. "__" .. k
    end
    taken[n] = true
    names[c] = n
  end
  return names, renamed
end

local function command_verb(tag) return tag:match("^(%S+)") or tag end
local function command_count(tag) return math.tointeger(tonumber(tag:match(" (%d+)$") or "")) end

--- The JSON text of one result: an array of row objects, or {"command", "rows_affected"}.
-- `warn` gets the duplicate-column warning.
function M.json_text(r, warn)
  if #r.fields == 0 then
    local count = command_count(r.command)
    return "{\"command\":" .. json.encode(command_verb(r.command)) ..
      (count and (",\"rows_affected\":" .. count) or "") .. "}"
  end
  local names, renamed = M.json_columns(r.fields)
  if renamed and warn then
    warn("Warning: query returned duplicate column names; renamed duplicates to <name>__N. Use AS aliases for stable names.")
  end
  if #r.rows == 0 then return "[]" end
  local keys = {}
  for c, n in ipairs(names) do keys[c] = json.encode(n) .. ":" end
  local lines = {}
  for i, row in ipairs(r.rows) do
    local parts = {}
    for c = 1, #names do parts[c] = keys[c] .. M.json_value(row[c], r.types[c]) end
    lines[i] = "{" .. table.concat(parts, ",") .. "}"
  end
  return "[\n" .. table.concat(lines, ",\n") .. "\n]"
end

-- A CSV field, quoted when it holds a comma, a quote, a line break or starts with a space.
local function csv_field(s)
  if s == "" then return s end
  if s:find('[,"\r\n]') or s:match("^%s") or s == "\\." then return '"' .. s:gsub('"', '""') .. '"' end
  return s
end

--- One CSV line (with its line break) of the strings `values`.
function M.csv_line(values)
  local parts = {}
  for c, v in ipairs(values) do parts[c] = csv_field(v) end
  return table.concat(parts, ",") .. "\n"
end

--- Writes one result as CSV to `out`; a command without rows writes its tag to `note` instead.
function M.csv(out, r, note)
  if #r.fields == 0 then
    note(r.command)
    return
  end
  local function line(values) out(M.csv_line(values)) end
  line(r.fields)
  for _, row in ipairs(r.rows) do
    local values = {}
    for c = 1, #r.fields do values[c] = (row[c] == NULL) and "" or M.text_value(row[c]) end
    line(values)
  end
end

--- The JSON object of one input of several: {source, sql, kind, elapsed_ms, ...}.
function M.json_unit(u, warn)
  local head = "{\"source\":" .. json.encode(u.source) .. ",\"sql\":" .. json.encode(u.sql)
  local ms = string.format(",\"elapsed_ms\":%d", math.floor((u.elapsed or 0) * 1000))
  if u.error then
    return head .. ",\"kind\":\"error\"" .. ms .. ",\"error\":{\"message\":" .. json.encode(u.error) .. "}}"
  end
  local r = u.result
  if #r.fields == 0 then
    local count = command_count(r.command)
    return head .. ",\"kind\":\"command\"" .. ms .. ",\"command\":" .. json.encode(command_verb(r.command)) ..
      (count and (",\"rows_affected\":" .. count) or "") .. "}"
  end
  return head .. ",\"kind\":\"rows\"" .. ms .. ",\"rows\":" .. M.json_text(r, warn) .. "}"
end

return M
