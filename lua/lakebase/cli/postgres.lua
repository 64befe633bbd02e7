--- `lakebase postgres COMMAND ...` and `lakebase api METHOD PATH`: the API as one-line commands
-- for shells and CI. Parsing happens before any request; `run` returns an exit status.
local commands = require "lakebase.api.commands"
local json = require "lakebase.base.json"
local errors = require "lakebase.base.errors"
local printable = require "lakebase.base.printable"

local globals = require "lakebase.cli.globals"

local M = {}

-- The flags commands may take (commands.lua lists which each one takes): the value placeholder
-- (nil for a boolean) and the help line. Hidden flags work but are not listed.
local FLAGS = {
  json = { value = "JSON", help = "request body: inline JSON, or @FILE to read it from a file" },
  no_wait = { help = "return the operation at once instead of waiting for it" },
  timeout = { value = "DURATION", help = "how long to wait for the operation (e.g. 90s, 20m, 1h30m; default 20m; 0: no limit)" },
  replace_existing = { help = "update the resource when it exists instead of failing" },
  page_size = { value = "N", help = "results per request (all pages are still followed)" },
  page_token = { value = "TOKEN", hidden = true, help = "start from this page token" },
  limit = { value = "N", help = "stop after N results (default 0: all)" },
  show_deleted = { help = "include soft-deleted resources" },
  purge = { help = "delete permanently instead of soft-deleting (no undelete)" },
  allow_missing = { help = "succeed without doing anything when the branch is not there" },
  reassign_owned_to = { value = "ROLE", help = "first reassign what the role owns to this role (needs a running compute)" },
  role_id = { value = "ID", help = "the role's ID (the Databricks CLI's form; ROLE_ID as an argument works too)" },
  database_id = { value = "ID", help = "the database's ID (the Databricks CLI's form; DATABASE_ID as an argument works too)" },
  ttl = { value = "DURATION", help = "the credential's lifetime, 300s to 3600s (e.g. 900s)" },
  expire_time = { value = "TIME", help = "when the credential expires (RFC 3339, 5 minutes to 1 hour from now)" },
  name = { value = "NAME", help = "the resource name (output only; accepted for Databricks CLI lines and ignored)" },
  cdf_config_id = { value = "ID", help = "the CDF config's ID ([a-z][a-z0-9_]{0,62}; default: its Postgres schema)" },
  force = { help = "also drop the replicated tables in Unity Catalog" },
}
M.FLAGS = FLAGS

--- The flags of `group` ("postgres" or "api") that take a value (true) or not (false), spelt as on
-- the command line, for cli/globals.lua.
function M.own_flags(group)
  if group == "api" then return { json = true } end
  local own = {}
  for name, f in pairs(FLAGS) do own[(name:gsub("_", "-"))] = f.value ~= nil end
  return own
end

local function usage_line(cmd)
  local parts = { "lakebase postgres", cmd.name }
  for _, a in ipairs(cmd.args) do
    parts[#parts + 1] = a:sub(-1) == "?" and ("[" .. a:sub(1, -2) .. "]") or a
  end
  parts[#parts + 1] = "[flags]"
  return table.concat(parts, " ")
end

function M.group_help()
  local lines = { "usage: lakebase [--local] postgres COMMAND ARGS... [flags]", "",
    "Manage Lakebase Autoscaling resources (the Databricks CLI's `databricks postgres` commands).",
    "Names are full resource names: projects/P, projects/P/branches/B, .../endpoints/E, .../roles/R,",
    ".../databases/D. Create, update, delete and undelete wait for their operation unless --no-wait.",
    "Resources print as JSON; lists as a table on a terminal, else as the JSON array the Databricks CLI",
    "prints (-o text or -o json chooses). A PARENT that is a project (branches, snapshots) may be left",
    "out when a default project is set (`lakebase project use ID` or LAKEBASE_PROJECT).", "",
    "Commands:" }
  for _, cmd in ipairs(commands) do
    local synopsis = usage_line(cmd):gsub("^lakebase postgres ", ""):gsub(" %[flags%]$", "")
    lines[#lines + 1] = string.format("  %-45s %s", synopsis, cmd.help:match("^[^;(.]*"):gsub("%s+$", ""))
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "`lakebase postgres COMMAND --help` describes one command and its flags (--json, --no-wait,"
  lines[#lines + 1] = "--timeout, ...). Connection: DATABRICKS_HOST and DATABRICKS_TOKEN, a profile, or --local."
  lines[#lines + 1] = ""
  return table.concat(lines, "\n") .. "\n" .. globals.help()
end

local function command_help(cmd)
  local lines = { "usage: " .. usage_line(cmd), "", cmd.help, "", "Flags:" }
  for _, f in ipairs(cmd.flags) do
    local def = FLAGS[f]
    if not def.hidden then
      lines[#lines + 1] = string.format("  %-26s %s", "--" .. f:gsub("_", "-") .. (def.value and (" " .. def.value) or ""),
        def.help)
    end
  end
  lines[#lines + 1] = "  -h, --help                 this help"
  lines[#lines + 1] = ""
  return table.concat(lines, "\n") .. "\n" .. globals.help()
end

local function read_json_arg(v)
  local text = v
  if v:sub(1, 1) == "@" then
    local f, err = io.open(v:sub(2), "rb")
    if not f then return nil, "cannot read --json file: " .. err end
    local rerr
    text, rerr = f:read("a")
    f:close()
    if not text then return nil, "cannot read --json file " .. v:sub(2) .. ": " .. tostring(rerr) end
  end
  local decoded, err = json.decode(text)
  if decoded == nil then return nil, "--json is not valid JSON: " .. tostring(err) end
  if type(decoded) ~= "table" or json.is_array(decoded) then  -- `[]` too: decoded arrays are marked
    return nil, "--json must be a JSON object, got " .. (#text > 80 and (text:sub(1, 80) .. "...") or text)
  end
  return decoded
end
M.read_json_arg = read_json_arg

local function count_arg(flag, v)
  local n = math.tointeger(tonumber(v))
  if not n or n < 0 then error({ usage = "--" .. flag .. " needs a whole number >= 0, got '" .. v .. "'" }, 0) end
  return n
end

--- Parses argv[i..] for `cmd`; returns the arguments table, or nil and a usage message ("help"
-- for --help). Raises {usage = message} for a flag without its value.
local function parse(cmd, argv, i)
  local a, positional, allowed = {}, {}, {}
  for _, f in ipairs(cmd.flags) do allowed[f] = true end
  while argv[i] do
    local arg = argv[i]
    local key, inline = arg:match("^%-%-([%w-]+)=(.*)$")
    key = key or arg:match("^%-%-([%w-]+)$")
    if arg == "-h" or arg == "--help" then return nil, "help" end
    if arg == "--" then  -- everything after it is an argument, even when it starts with '-'
      for j = i + 1, #argv do positional[#positional + 1] = argv[j] end
      break
    end
    if key then
      local flag = key:gsub("-", "_")
      local def = FLAGS[flag]
      local function value()
        if inline then return inline end
        i = i + 1
        if argv[i] == nil then error({ usage = "option '--" .. key .. "' needs a value" }, 0) end
        return argv[i]
      end
      if not allowed[flag] then
        return nil, "unknown flag '--" .. key .. "' for " .. cmd.name .. " (see lakebase postgres " .. cmd.name .. " --help)"
      elseif flag == "json" then
        local body, err = read_json_arg(value())
        if not body then return nil, err end
        a.json = body
      elseif flag == "timeout" then
        local v = value()
        a.timeout = require("lakebase.api.validate").human_duration(v)
        if not a.timeout or a.timeout < 0 then return nil, "--timeout needs a duration such as 90s, 20m or 1h30m, got '" .. v .. "'" end
        if a.timeout == 0 then a.timeout = math.huge end  -- no limit, as the CLI's Go waiter reads 0
      elseif flag == "page_size" or flag == "limit" then
        a[flag] = count_arg(key, value())
      elseif def.value then
        a[flag] = value()
      elseif inline == nil or inline == "true" then
        a[flag] = true
      elseif inline == "false" then
        a[flag] = false
      else
        return nil, "flag '--" .. key .. "' takes true or false, got '" .. inline .. "'"
      end
    elseif arg:match("^%-%a") then
      return nil, "unknown flag '" .. arg .. "' for " .. cmd.name .. " (see lakebase postgres " .. cmd.name .. " --help)"
    else
      positional[#positional + 1] = arg
    end
    i = i + 1
  end
  local args = cmd.args
  if a.json and cmd.json_args then args = cmd.json_args end  -- --json supplies what these would
  local required = 0
  for _, name in ipairs(args) do if name:sub(-1) ~= "?" then required = required + 1 end end
  if args[1] == "PARENT" and #positional == required - 1 and not (positional[1] or ""):find("/", 1, true) then
    -- A project's children may leave PARENT out when a default project is set (`lakebase project
    -- use`, LAKEBASE_PROJECT): `lakebase postgres list-branches`, `create-branch dev`.
    local def = require("lakebase.api.schema")[cmd.kind]
    if def and def.parent_kind == "project" then
      local id, _, why = require("lakebase.cli.default_project").resolve()
      if why then return nil, why end
      if id then table.insert(positional, 1, "projects/" .. id) end
    end
  end
  if #positional < required or #positional > #args then
    return nil, string.format("%s takes %s, got %d argument%s (usage: %s)", cmd.name,
      #args == 0 and "no arguments" or table.concat(args, " "):gsub("%?", " (optional)"),
      #positional, #positional == 1 and "" or "s", usage_line(cmd)) ..
      (args ~= cmd.args and " (with --json, the other fields go in the JSON)" or "")
  end
  for k, name in ipairs(args) do a[name:gsub("%?$", "")] = positional[k] end
  return a
end

-- A dotted path ("status.hosts.host") of a decoded body, as text for a CSV field.
local function field(t, path)
  for key in path:gmatch("[^.]+") do
    if type(t) ~= "table" then return "" end
    t = t[key]
  end
  if t == nil or t == json.null then return "" end
  return tostring(t)
end

--- The text table of a list of `kind` (commands.COLUMNS: a column per field, headers the
-- fields' last parts in capitals), as list commands print it and the REPL shows lists.
function M.table_text(kind, rows)
  local cols = commands.COLUMNS[kind]
  local width = require("lakebase.cli.sql_render").display_width
  local cells, widths = {}, {}
  local header = {}
  for c, path in ipairs(cols) do
    header[c] = path:match("([^.]+)$"):upper()
    widths[c] = #header[c]
  end
  for r, row in ipairs(rows) do
    cells[r] = {}
    for c, path in ipairs(cols) do
      cells[r][c] = printable.text(field(row, path), true)  -- for a terminal: one line, no escapes
      widths[c] = math.max(widths[c], width(cells[r][c]))
    end
  end
  local lines = {}
  local function line(values)
    local parts = {}
    for c, v in ipairs(values) do parts[c] = c < #values and (v .. string.rep(" ", widths[c] - width(v))) or v end
    lines[#lines + 1] = table.concat(parts, "  ") .. "\n"
  end
  line(header)
  for _, row in ipairs(cells) do line(row) end
  return table.concat(lines)
end

--- A list of `kind` as CSV: a header of the table's columns as field paths (status.current_state),
-- then a line per resource, quoted as RFC 4180 says; a missing or null field is an empty one.
function M.csv_text(kind, rows)
  local cols = commands.COLUMNS[kind]
  local line = require("lakebase.cli.sql_render").csv_line
  local lines = { line(cols) }
  for _, row in ipairs(rows) do
    local values = {}
    for c, path in ipairs(cols) do values[c] = field(row, path) end
    lines[#lines + 1] = line(values)
  end
  return table.concat(lines)
end

-- A resource as the Databricks CLI prints it: the operation's `response` carries its protobuf
-- "@type", which the CLI drops when it reads the resource into its model.
local function without_type(result)
  if type(result) ~= "table" or result["@type"] == nil then return result end
  local copy = {}
  for k, v in pairs(result) do if k ~= "@type" then copy[k] = v end end
  return copy
end

local function output(cmd, a, result)
  if result == nil then return end
  if type(result) == "table" and getmetatable(result) and getmetatable(result).__name == "lakebase.Operation" then
    result = result.raw
  else
    result = without_type(result)
  end
  if cmd.list then result = json.array(result) end
  if a.output == "yaml" then
    io.stdout:write(require("lakebase.base.yaml").encode(result))
  elseif a.output == "csv" then
    io.stdout:write(M.csv_text(cmd.kind, result))
  elseif a.output == "pretty-json" then
    io.stdout:write(json.pretty(result), "\n")
  elseif a.output == "json" then
    io.stdout:write(json.encode(result), "\n")
  elseif cmd.list then
    io.stdout:write(M.table_text(cmd.kind, result))
  else
    io.stdout:write(json.pretty(result), "\n")
  end
end

local function fail(err)
  io.stderr:write("Error: ", printable.text(errors.message(err)), "\n")
  return 1
end

-- The client, created on first use: arguments are checked before configuration is needed.
local function lazy_client(get_client)
  local real
  return setmetatable({}, { __index = function(_, k)
    real = real or get_client()
    return real[k]
  end })
end

--- Runs `lakebase postgres argv[i..]` with a client from `get_client()`; `g` holds the global
-- flags (cli/globals.lua). Returns the exit status.
function M.run(argv, i, get_client, g)
  g = g or globals.new_state()
  local name = argv[i]
  if name == nil or name == "-h" or name == "--help" or name == "help" then
    io.stdout:write(M.group_help())
    return name == nil and 2 or 0
  end
  local cmd = commands[name]
  if not cmd or type(cmd) ~= "table" or not cmd.run then
    io.stderr:write("lakebase postgres: unknown command '", name, "' (see lakebase postgres --help)\n")
    return 2
  end
  local ok, a, perr = pcall(parse, cmd, argv, i + 1)
  if not ok then a, perr = nil, type(a) == "table" and a.usage or tostring(a) end
  if not a and perr == "help" then
    io.stdout:write(command_help(cmd))
    return 0
  end
  if a then
    local explicit
    a.output, explicit = globals.output(g, cmd.list and { "text", "json", "yaml", "csv" } or { "text", "json", "yaml" })
    if not a.output then
      a, perr = nil, explicit
      if g.output == "csv" then perr = perr .. " (csv is for the list commands)" end
    elseif a.output == "text" and not explicit and not require("lakebase.core").isatty(1) then
      -- A listing read by a program (a pipe, $(...), a file) is the JSON array the Databricks CLI
      -- prints, as its lines' `| jq` expect; the table is for a terminal or -o text.
      a.output = "pretty-json"
    end
  end
  if not a then
    io.stderr:write("lakebase postgres ", name, ": ", perr, "\n")
    return 2
  end
  local ok2, result = pcall(function() return cmd.run(lazy_client(get_client), a) end)
  if not ok2 then
    if type(result) == "table" and result.usage then
      io.stderr:write("lakebase postgres ", name, ": ", result.usage, "\n")
      return 2
    end
    if type(result) == "string" then result = errors.message(result) end
    if type(result) == "string" and result:match("^bad argument") then
      io.stderr:write("lakebase postgres ", name, ": ", (result:gsub("^bad argument #%d+ to '[^']+' %((.*)%)$", "%1")), "\n")
      return 2
    end
    if errors.is(result, "cancelled") or errors.is(result, "exit") then error(result, 0) end
    return fail(result)
  end
  output(cmd, a, result)
  return 0
end

M.API_USAGE = [[
usage: lakebase [--local] api METHOD PATH [--json BODY|@FILE] [flags]

Sends one request to the workspace with the configured credentials and prints the JSON answer
(indented; compact with -o json). METHOD is GET, POST, PATCH, PUT or DELETE, in any case (the
Databricks CLI's `databricks api post PATH` lines work; -o yaml for YAML). PATH is absolute
(/api/2.0/postgres/projects) or relative to /api/2.0/postgres/ (projects). 429 and 503 answers are
retried like every API call; other errors print and exit 1.

]]

--- `lakebase api METHOD PATH [--json BODY]`; `g` holds the global flags.
function M.api(argv, i, get_client, g)
  g = g or globals.new_state()
  local positional, body = {}, nil
  local j = i
  while argv[j] do
    local a = argv[j]
    if a == "-h" or a == "--help" then io.stdout:write(M.API_USAGE, globals.help()) return 0 end
    local v = a:match("^%-%-json=(.*)$")
    if a == "--json" then j, v = j + 1, argv[j + 1] end
    if v then
      local err
      body, err = read_json_arg(v)
      if not body then io.stderr:write("lakebase api: ", err, "\n") return 2 end
    elseif a == "--json" then
      io.stderr:write("lakebase api: option '--json' needs a value\n")
      return 2
    elseif a:match("^%-%a") or a:match("^%-%-%a") then
      io.stderr:write("lakebase api: unknown flag '", a, "' (see lakebase api --help)\n")
      return 2
    else
      positional[#positional + 1] = a
    end
    j = j + 1
  end
  local method, path = positional[1], positional[2]
  local methods = { GET = true, POST = true, PATCH = true, PUT = true, DELETE = true }
  if #positional ~= 2 or not methods[method:upper()] then
    io.stderr:write("lakebase api: needs METHOD (GET, POST, PATCH, PUT or DELETE) and PATH, got '",
      table.concat(positional, " "), "'\n", M.API_USAGE)
    return 2
  end
  local format, why = globals.output(g, { "text", "json", "yaml" })
  if not format then io.stderr:write("lakebase api: ", why, "\n") return 2 end
  local base, query = path:match("^([^?]*)%??(.*)$")
  local q = require("lakebase.runtime.httpd").parse_query(query)
  local ok, result = pcall(function() return get_client():request(method:upper(), base, q, body) end)
  if not ok then
    if errors.is(result, "cancelled") or errors.is(result, "exit") then error(result, 0) end
    return fail(result)
  end
  if format == "yaml" then
    io.stdout:write(require("lakebase.base.yaml").encode(result))
  else
    io.stdout:write(format == "json" and json.encode(result) or json.pretty(result), "\n")
  end
  return 0
end

return M
