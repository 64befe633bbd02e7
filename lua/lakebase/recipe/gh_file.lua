--- GitHub Actions' file format for $GITHUB_OUTPUT and $GITHUB_ENV: one `NAME<<DELIMITER` heredoc
-- per entry, so any value (several lines, `=`, quotes) reads back exactly. The delimiter is random
-- and never occurs in the value: a value cannot end its entry early and inject another one.
local M = {}

local NAME = "^[%a_][%w_%-]*$"

local random_hex = require("lakebase.base.random").hex

--- A delimiter that does not occur in `value`.
function M.delimiter(value)
  while true do
    local d = "ghadelimiter_" .. random_hex(16)
    if not value:find(d, 1, true) then return d end
  end
end

--- Checks an entry's name (letters, digits, '_' and '-', not starting with a digit); returns it,
-- or raises naming it.
function M.check_name(name, what)
  if type(name) ~= "string" or not name:match(NAME) then
    error(string.format("%s name must be letters, digits, '_' and '-', not starting with a digit; got %s",
      what or "an output", type(name) == "string" and ("'" .. name .. "'") or type(name)), 3)
  end
  return name
end

--- The text of one entry: `name<<D\nvalue\nD\n`.
function M.entry(name, value)
  value = tostring(value)
  local d = M.delimiter(value)
  return name .. "<<" .. d .. "\n" .. value .. "\n" .. d .. "\n"
end

--- Parses a file of entries (both forms GitHub reads: `NAME<<D` heredocs and `NAME=value` lines)
-- into a list of {name, value}; for tests and for reading an env file back.
function M.parse(text)
  local out, lines, i = {}, {}, 1
  for line in (text .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("(.-)\n") do lines[#lines + 1] = line end
  while i <= #lines do
    local line = lines[i]
    local name, d = line:match("^([^=<]+)<<(.+)$")
    if name then
      local body, j = {}, i + 1
      while lines[j] ~= nil and lines[j] ~= d do body[#body + 1] = lines[j] j = j + 1 end
      if lines[j] == nil then error("entry " .. name .. " has no closing delimiter " .. d, 2) end
      out[#out + 1] = { name, table.concat(body, "\n") }
      i = j + 1
    else
      local k, v = line:match("^([^=]+)=(.*)$")
      if k then out[#out + 1] = { k, v } end
      i = i + 1
    end
  end
  return out
end

--- Appends `text` to the file at `path`, creating it with mode 0600 when missing (an env file
-- holds a password). Earlier entries are kept, as GitHub expects of $GITHUB_ENV. A symbolic link
-- at `path` is refused (one planted at a shared path such as /tmp/x.env would have the password
-- appended to whatever it points at), except under /dev and /proc (/dev/stdout is one).
function M.append(path, text)
  local _, _, is_link = require("lakebase.core").file_mode(path)
  if is_link and not (path:find("^/dev/") or path:find("^/proc/")) then
    error("cannot append to " .. path .. ": it is a symbolic link (name the file it points to)", 0)
  end
  local probe = io.open(path, "rb")
  if probe then
    probe:close()
  else
    local ok, err = require("lakebase.core").write_private(path, "")
    if not ok then error(err, 0) end
  end
  local f, err = io.open(path, "ab")
  if not f then error("cannot append to " .. path .. ": " .. tostring(err), 0) end
  local ok, werr = f:write(text)
  f:close()
  if not ok then error("cannot append to " .. path .. ": " .. tostring(werr), 0) end
end

--- Appends entries ({ {name, value}, ... } in order) to `path` in GitHub's format.
function M.append_entries(path, entries)
  local parts = {}
  for i, e in ipairs(entries) do parts[i] = M.entry(M.check_name(e[1], "a variable"), e[2]) end
  M.append(path, table.concat(parts))
end

return M
