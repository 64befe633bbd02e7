--- Validation rules of the Lakebase API, shared by the emulator and (later) the client, so both
-- reject the same input with the same words.
local M = {}

--- Resource IDs: 1–63 characters, lowercase letters, digits and hyphens, starting with a letter,
-- not ending with a hyphen. Returns nil, or the reason the ID is invalid.
function M.id_problem(id, min)
  min = min or 1
  if type(id) ~= "string" then return "must be a string" end
  if #id < min or #id > 63 then return "must be " .. min .. "-63 characters long" end
  if not id:match("^[a-z]") then return "must start with a lowercase letter" end
  if id:match("[^a-z0-9-]") then return "may contain only lowercase letters, digits and hyphens" end
  if id:sub(-1) == "-" then return "must not end with a hyphen" end
  return nil
end

--- Durations are "<seconds>s" (fractions allowed). Returns seconds, or nil and the reason.
function M.duration(s)
  if type(s) ~= "string" then return nil, "must be a duration string such as \"300s\"" end
  local n = s:match("^(%d+%.?%d*)s$")
  if not n then return nil, "must be a duration string such as \"300s\", got \"" .. s .. "\"" end
  return tonumber(n)
end

local UNITS = { ms = 0.001, s = 1.0, m = 60.0, h = 3600.0, d = 86400.0 }  -- floats: no integer wrap-around

--- Durations as people type them: "250ms", "90s", "15m", "2h", "7d", "1h30m", or a plain number
-- of seconds. Returns seconds, or nil; also beyond Go's limit (int64 nanoseconds, 2562047h47m16s),
-- which the Databricks CLI refuses too.
function M.human_duration(s)
  if type(s) == "number" then return s >= 0 and s or nil end
  if type(s) ~= "string" or s == "" then return nil end
  local total, rest = 0.0, s  -- in floats: "9999999999999999d" must not wrap around to negative
  if s:match("^%d+%.?%d*$") then total, rest = tonumber(s) + 0.0, "" end
  while rest ~= "" do
    local n, unit, tail = rest:match("^(%d+%.?%d*)(m?[smhd])(.*)$")
    if not n or not UNITS[unit] then return nil end
    total, rest = total + tonumber(n) * UNITS[unit], tail
  end
  if total > 9223372036.854775807 then return nil end
  return math.tointeger(total) or total
end

local MIN_TIME, MAX_TIME = -62167219200, 253402300800  -- 0000-01-01 and 10000-01-01, UTC
local days_in = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

--- RFC 3339 timestamps. Returns seconds since the epoch (UTC), or nil and the reason.
function M.timestamp(s)
  if type(s) ~= "string" then return nil, "must be an RFC 3339 timestamp string" end
  local y, mo, d, h, mi, sec, frac, zone = s:match(
    "^(%d%d%d%d)%-(%d%d)%-(%d%d)[Tt ](%d%d):(%d%d):(%d%d)(%.?%d*)(.*)$")
  if not y then return nil, "must be an RFC 3339 timestamp such as \"2026-01-02T03:04:05Z\", got \"" .. s .. "\"" end
  y, mo, d, h, mi, sec = tonumber(y), tonumber(mo), tonumber(d), tonumber(h), tonumber(mi), tonumber(sec)
  local leap = (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0
  local dim = (mo == 2 and leap) and 29 or days_in[mo]
  -- A fraction needs its dot: "23:59:5959Z" is not 23:59:59 plus 59 seconds.
  if not dim or d < 1 or d > dim or h > 23 or mi > 59 or sec > 60 or (frac ~= "" and not frac:match("^%.%d+$")) then
    return nil, "is not a valid date and time: \"" .. s .. "\""
  end
  local offset = 0
  if zone == "Z" or zone == "z" then
    offset = 0
  else
    local sign, oh, om = zone:match("^([+-])(%d%d):(%d%d)$")
    if not sign then return nil, "needs a time zone (Z or +hh:mm): \"" .. s .. "\"" end
    offset = (tonumber(oh) * 3600 + tonumber(om) * 60) * (sign == "+" and 1 or -1)
  end
  -- Days from the civil date (Howard Hinnant's algorithm), then seconds.
  local yy = mo <= 2 and y - 1 or y
  local era = (yy >= 0 and yy or yy - 399) // 400
  local yoe = yy - era * 400
  local mp = (mo + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  local days = era * 146097 + doe - 719468
  local t = days * 86400 + h * 3600 + mi * 60 + sec + (tonumber("0" .. frac) or 0) - offset
  -- A zone offset or a leap second can carry a date past what four year digits can show.
  if t < MIN_TIME or t >= MAX_TIME then
    return nil, "is outside the years 0000 to 9999 once in UTC: \"" .. s .. "\""
  end
  return t
end

--- Formats seconds since the epoch as RFC 3339 UTC ("2026-01-02T03:04:05Z").
function M.format_time(t)
  local d = os.date("!*t", math.floor(t))  -- os.date's %Y does not pad years before 1000
  return string.format("%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day, d.hour, d.min, d.sec)
end

return M
