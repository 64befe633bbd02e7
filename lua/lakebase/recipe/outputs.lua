--- A recipe's outputs, for the steps that come after it in CI: `ctx.output(name, value,
-- {secret = true})`. Each output is
--   - appended to $GITHUB_OUTPUT in GitHub's heredoc format when that variable names a file;
--   - printed as `name=value` (text mode; a secret as `name=***`), or gathered into one JSON
--     object printed at the end (`recipe run --output json`, secrets included: that is the
--     machine interface other CI systems read);
--   - when secret, masked: under GitHub Actions (GITHUB_ACTIONS=true) an `::add-mask::` line per
--     line of the value goes to stdout before the value appears anywhere, and lakebase's own
--     redaction masks it in logs and errors everywhere.
local gh_file = require "lakebase.recipe.gh_file"
local redact = require "lakebase.base.redact"

local M = {}

local function as_text(name, value)
  local t = type(value)
  if t == "string" then return value end
  if t == "boolean" or math.type(value) == "integer" then return tostring(value) end
  if t == "number" and value == value and value ~= math.huge and value ~= -math.huge then return tostring(value) end
  error(string.format("output '%s' must be a string, a boolean or a finite number, got %s", name, t), 3)
end

--- A collector. opts: format ("text" or "json"), stdout (a file handle; io.stdout), env (a
-- function like os.getenv, for tests).
function M.new(opts)
  opts = opts or {}
  local getenv = opts.env or os.getenv
  local out = opts.stdout or io.stdout
  local self = {
    format = opts.format or "text",
    github = getenv("GITHUB_ACTIONS") == "true",
    file = getenv("GITHUB_OUTPUT"),
    names = {}, values = {}, typed = {}, secret = {}, masked = {},
  }
  if self.file == "" then self.file = nil end

  --- Masks `value` from here on: `::add-mask::` under GitHub Actions, and in lakebase's logs.
  function self.mask(value)
    value = tostring(value)
    redact.register(value)
    for line in value:gmatch("[^\r\n]+") do redact.register(line) end
    if not self.github or self.masked[value] then return end
    self.masked[value] = true
    for line in value:gmatch("[^\r\n]+") do out:write("::add-mask::", line, "\n") end
    out:flush()
  end

  function self.output(name, value, o)
    gh_file.check_name(name, "an output")
    if o ~= nil and type(o) ~= "table" then error("output '" .. name .. "': options must be a table such as {secret = true}", 2) end
    local text = as_text(name, value)
    local secret = o ~= nil and o.secret == true
    if secret then self.mask(text) end  -- before the value is written anywhere
    if self.file then gh_file.append(self.file, gh_file.entry(name, text)) end
    if self.values[name] == nil then self.names[#self.names + 1] = name end
    self.values[name], self.typed[name], self.secret[name] = text, value, secret or nil
    if self.format == "text" then
      -- One line per output: a value's later lines could otherwise start a workflow command (::).
      out:write(name, "=", secret and "***" or (text:gsub("\\", "\\\\"):gsub("\r", "\\r"):gsub("\n", "\\n")), "\n")
      out:flush()
    end
  end

  --- The outputs as one JSON object (keys in the order they were first given; booleans and
  -- numbers as JSON's, where $GITHUB_OUTPUT has only strings).
  function self.json()
    local json = require "lakebase.base.json"
    local parts = {}
    for i, name in ipairs(self.names) do parts[i] = json.encode(name) .. ":" .. json.encode(self.typed[name]) end
    return "{" .. table.concat(parts, ",") .. "}"
  end

  --- At the end of the run: the JSON object in json mode.
  function self.finish()
    if self.format == "json" then
      out:write(self.json(), "\n")
      out:flush()
    end
  end

  return self
end

return M
