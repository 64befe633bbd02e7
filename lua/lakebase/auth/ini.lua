--- Reads ~/.databrickscfg: INI sections ([DEFAULT], [my.profile]) of `key = value` lines. As the
-- Databricks tools read it: keys are case-insensitive, `#` and `;` start comment lines and, after
-- whitespace, inline comments; a value in matching quotes ("...", '...', `...`) is taken verbatim,
-- quotes removed, so a password may hold `#`, `;` or spaces.
local M = {}

local function value_of(raw)
  local q = raw:sub(1, 1)
  if (q == '"' or q == "'" or q == "`") and #raw >= 2 then
    local close = raw:find(q, 2, true)
    if close then return raw:sub(2, close - 1) end
  end
  local v = raw:gsub("%s+[#;].*$", "")
  return (v:gsub("%s+$", ""))
end

--- Parses `text`; returns {section = {key = value}}, the sections in file order, or nil and a
-- message naming `path` and the line.
function M.parse(text, path)
  local sections, order, current = {}, {}, nil
  local n = 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    line = line:gsub("\r$", ""):gsub("^%s+", "")
    if line == "" or line:match("^[#;]") then
      -- blank or comment
    elseif line:match("^%[") then
      local name = line:match("^%[%s*(.-)%s*%]%s*$")
      if not name or name == "" then return nil, string.format("%s:%d: malformed section header: %s", path, n, line) end
      if not sections[name] then
        sections[name] = {}
        order[#order + 1] = name
      end
      current = sections[name]
    else
      local key, raw = line:match("^([^=:]-)%s*[=:]%s*(.*)$")
      if not key or key == "" then return nil, string.format("%s:%d: expected 'key = value', got: %s", path, n, line) end
      if not current then return nil, string.format("%s:%d: '%s' is outside any [profile] section", path, n, key) end
      current[key:lower()] = value_of(raw)
    end
  end
  return sections, order
end

--- Reads and parses the file at `path`; returns sections and order, false when it does not exist,
-- or raises a message naming the file.
function M.read(path)
  local f, err = io.open(path, "rb")
  if not f then
    if err and err:find("No such file") then return false end
    error("cannot read Databricks config file " .. tostring(err), 0)
  end
  local text = f:read("a")
  f:close()
  local sections, order = M.parse(text, path)
  if not sections then error(order, 0) end
  return sections, order
end

return M
