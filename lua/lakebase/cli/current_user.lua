--- `lakebase current-user me`: the caller's identity (the workspace's SCIM Me), as the Databricks
-- CLI's `databricks current-user me` prints it. Lakebase connection recipes pair it with
-- generate-database-credential: PGUSER=$(databricks current-user me -o json | jq -r .userName).
local globals = require "lakebase.cli.globals"

local M = {}

M.USAGE = [[
usage: lakebase current-user me [flags]

Prints the identity lakebase signs in as (GET /api/2.0/preview/scim/v2/Me), as JSON: userName is
the Postgres user of its database credentials (a service principal's is its application ID).

]]

--- The command's own flags (none), for cli/globals.lua.
function M.own_flags() return {} end

--- Runs `lakebase current-user argv[i..]`; `g` holds the global flags. Returns the exit status.
function M.run(argv, i, get_client, g)
  g = g or globals.new_state()
  local verb, extra = argv[i], argv[i + 1]
  if verb == "-h" or verb == "--help" or extra == "-h" or extra == "--help" then
    io.stdout:write(M.USAGE, globals.help())
    return 0
  end
  if verb ~= "me" or extra ~= nil then
    io.stderr:write("lakebase current-user: the command is 'current-user me', got '",
      table.concat(argv, " ", i), "'\n")
    return 2
  end
  local format, why = globals.output(g, { "text", "json", "yaml" })
  if not format then io.stderr:write("lakebase current-user: ", why, "\n") return 2 end
  -- The same request, printing and errors as `lakebase api GET /api/2.0/preview/scim/v2/Me`.
  return require("lakebase.cli.postgres").api({ "GET", "/api/2.0/preview/scim/v2/Me" }, 1, get_client, g)
end

return M
