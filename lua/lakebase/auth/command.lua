--- `lakebase auth describe [--output json] [--check]`: the resolved workspace, auth type and profile,
-- and where every attribute came from, secrets shown as ***. With --check it also signs in and
-- shows who the caller is. Like `databricks auth describe`.
local json = require "lakebase.base.json"

local M = {}

M.USAGE = [[
usage: lakebase auth describe [--host URL] [-p/--profile NAME] [--auth-type TYPE] [-o json|yaml] [--check]

Shows how lakebase would authenticate: the workspace host, the auth type (pat, basic, oauth-m2m,
databricks-cli), the profile, and each attribute with where it came from (flag, environment
variable, config file). Secrets are shown as ***. --check also signs in and shows the user.
Resolution order: flags, then DATABRICKS_* environment variables, then the profile in
~/.databrickscfg (DATABRICKS_CONFIG_FILE; DEFAULT unless --profile or DATABRICKS_CONFIG_PROFILE
names one; not read when a host is given and no profile is named).
]]

local ORDER = { "host", "profile", "config_file", "auth_type", "token", "username", "password", "client_id", "client_secret" }

--- The command's own flags, for cli/globals.lua (none takes a value).
function M.own_flags() return { check = false } end

--- Runs the command; `explicit` holds the flag values and their sources, `g` the global flags
-- (cli/globals.lua: --output). Returns an exit status.
function M.run(argv, i, explicit, g)
  local globals = require "lakebase.cli.globals"
  g = g or globals.new_state()
  if argv[i] ~= "describe" then
    local help = argv[i] == "-h" or argv[i] == "--help"
    local out = help and io.stdout or io.stderr
    out:write((argv[i] and not help) and ("lakebase auth: unknown command '" .. argv[i] .. "'\n") or "", M.USAGE,
      "\n", globals.help())
    return help and 0 or 2
  end
  local check = false
  local j = i + 1
  while argv[j] do
    local a = argv[j]
    if a == "--check" then
      check = true
    elseif a == "-h" or a == "--help" then
      io.stdout:write(M.USAGE, "\n", globals.help())
      return 0
    else
      io.stderr:write("lakebase auth describe: unknown argument '", a, "'\n")
      return 2
    end
    j = j + 1
  end
  local output, why = globals.output(g, { "text", "json", "yaml" })
  if not output then
    io.stderr:write("lakebase auth describe: ", why, "\n")
    return 2
  end
  local auth = require "lakebase.auth"
  local ok, cfg = pcall(auth.resolve, explicit)
  local view, user, err
  if ok then
    view = auth.describe(cfg)
    if check then
      local cok, who = pcall(function() return auth.client(cfg):current_user() end)
      if cok then user = who else err = "authentication failed: " .. tostring(who) end
    end
  else
    err = tostring(cfg)
  end
  if output == "json" or output == "yaml" then
    local doc = { status = err and "error" or (check and "success" or "resolved"), error = err, username = user,
      details = view }
    io.stdout:write(output == "yaml" and require("lakebase.base.yaml").encode(doc) or (json.pretty(doc) .. "\n"))
  elseif view then
    io.stdout:write("Host: ", view.host, "\n", "Auth type: ", view.auth_type, "\n")
    if view.profile then io.stdout:write("Profile: ", view.profile, " (", view.config_file, ")\n") end
    if user then io.stdout:write("User: ", user, "\n") end
    io.stdout:write("Configuration:\n")
    for _, name in ipairs(ORDER) do
      local a = view.configuration[name]
      if a then io.stdout:write(string.format("  %-14s %s (from %s)\n", name, a.value, a.source)) end
    end
  end
  if err then
    io.stderr:write("Error: ", err, "\n")
    return 1
  end
  return 0
end

return M
