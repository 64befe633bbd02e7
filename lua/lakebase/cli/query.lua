--- `lakebase query [SQL | FILE.sql]... [TARGET] [--project P --branch B --endpoint E]`: SQL on a
-- Lakebase Autoscaling endpoint without psql, as the Databricks CLI's `experimental postgres query`
-- runs it: one statement per input, the inputs in order on one connection (session state carries
-- across them), connecting again while the compute wakes up, and the results as an aligned table,
-- JSON or CSV (cli/sql_render.lua). A SQL error exits 1 with its SQLSTATE.
local globals = require "lakebase.cli.globals"
local printable = require "lakebase.base.printable"
local target = require "lakebase.cli.target"
local sql_input = require "lakebase.cli.sql_input"
local render = require "lakebase.cli.sql_render"
local errors = require "lakebase.base.errors"
local log = require "lakebase.base.log"
local validate = require "lakebase.api.validate"

local M = {}

M.USAGE = [==[
usage: lakebase query [SQL | FILE.sql]... [TARGET] [--target T | --project ID [--branch ID] [--endpoint ID]]
                      [-d DATABASE] [-f FILE]... [-o text|json|csv] [flags]

Runs SQL statements on a Lakebase Autoscaling endpoint, without psql (the Databricks CLI's
`databricks experimental postgres query`). The endpoint: TARGET or --target (projects/P,
projects/P/branches/B or projects/P/branches/B/endpoints/E), or --project, --branch and --endpoint;
what is not given is picked when exactly one exists. The user is the caller's identity, the
password a fresh database credential.

Inputs: every -f/--file, then each SQL argument (one ending in .sql that names a file is read
from it); standard input when there is neither. Each input is one statement; they run in order
on one connection. "SELECT 1; SELECT 2" is refused: pass two arguments instead.

Output (-o, or DATABRICKS_OUTPUT_FORMAT): text, an aligned table and "(N rows)", or the command
tag (the default on a terminal; JSON when stdout is not one and no format was chosen); json, an
array of row objects in column order (several inputs: an array of {source, sql, kind,
elapsed_ms, rows | command, rows_affected | error}); csv, a header and one line a row, quoted as
RFC 4180 says, NULL as an empty field (one input only).

Flags:
  --target T            the endpoint as a path (TARGET as an argument works too)
  --project ID          the project's ID
  --branch ID           the branch's ID (default: the only one)
  --endpoint ID         the endpoint's ID (default: the only one)
  -d, --database NAME   the database (default databricks_postgres)
  -f, --file PATH       a SQL file, one statement (repeatable)
  --max-retries N       connection attempts while the compute wakes up (default 3; at least 1)
  --connect-timeout D   the limit of one connection attempt (default 120s)
  --timeout D           the limit of each statement (default 0: none)
  -h, --help            this help

Exit status: 0; 1 when the SQL fails (the error with its SQLSTATE on stderr), the endpoint cannot
be used or the connection fails; 2 for a bad command line (before any request); 130 on Ctrl-C.

]==]

-- The command's own flags: true when they take a value.
local OWN = { target = true, project = true, branch = true, endpoint = true, database = true, d = true,
  file = true, f = true, ["max-retries"] = true, ["connect-timeout"] = true, timeout = true }
local SHORT = { d = "database", f = "file" }

--- The command's own flags, for cli/globals.lua.
function M.own_flags() return OWN end

local function usage(msg) error({ usage = msg }, 0) end

local function duration_arg(flag, v, allow_zero)
  local secs = validate.human_duration(v)
  if not secs or (secs == 0 and not allow_zero) then
    usage("--" .. flag .. " needs a duration such as 30s or 2m, got '" .. v .. "'")
  end
  return secs
end

--- Parses argv[i..]: returns the arguments table, or "help"; raises {usage = message}.
function M.parse(argv, i)
  local a = { database = "databricks_postgres", files = {}, sql = {}, max_retries = 3, connect_timeout = 120,
    timeout = 0 }
  while argv[i] ~= nil do
    local arg = argv[i]
    if arg == "-h" or arg == "--help" then return "help" end
    local key, inline = arg:match("^%-%-([%w-]+)=(.*)$")
    key = key or arg:match("^%-%-([%w-]+)$")
    if not key then
      local short, rest = arg:match("^%-(%a)(.*)$")
      if short and SHORT[short] then key, inline = SHORT[short], rest ~= "" and rest:gsub("^=", "") or nil end
    end
    if arg == "--" then
      for j = i + 1, #argv do a.sql[#a.sql + 1] = argv[j] end
      break
    elseif key and OWN[key] then
      local value = inline
      if value == nil then
        i = i + 1
        value = argv[i]
        if value == nil then usage("option '" .. arg .. "' needs a value") end
      end
      if key == "file" then
        a.files[#a.files + 1] = value
      elseif key == "max-retries" then
        a.max_retries = math.tointeger(tonumber(value))
        if not a.max_retries or a.max_retries < 1 then usage("--max-retries must be at least 1; got " .. value) end
      elseif key == "connect-timeout" then
        a.connect_timeout = duration_arg(key, value)
      elseif key == "timeout" then
        a.timeout = duration_arg(key, value, true)
      elseif key == "database" then
        if value == "" then usage("--database needs a name") end
        a.database = value
      else
        a[key] = value
      end
    elseif arg:match("^%-%a") or arg:match("^%-%-%a") then
      usage("unknown flag '" .. arg .. "' (see lakebase query --help)")
    elseif arg:match("^projects/[^%s;]*$") then  -- a resource path, not SQL: the target
      if a.target then usage("more than one target: '" .. a.target .. "' and '" .. arg .. "'") end
      a.target = arg
    else
      a.sql[#a.sql + 1] = arg
    end
    i = i + 1
  end
  return a
end

-- Why a connection failure is worth another attempt: the compute may be waking up (refused,
-- timed out, starting up); a refused login or a missing role or database is not.
local function retryable(err)
  local msg = tostring(type(err) == "table" and err.message or err)
  return not (msg:find("authentication failed", 1, true) or msg:find("does not exist", 1, true)
    or msg:find("permission denied", 1, true) or msg:find("no pg_hba.conf entry", 1, true))
end

-- Connects to the endpoint with the settings of endpoint:pg_env (user, credential, TLS mode).
local function connect(endpoint, a, say)
  local pg = require "lakebase.runtime.pg"
  local sched = require "lakebase.runtime.sched"
  local env = endpoint:pg_env { database = a.database }
  local delay, last = 1, nil
  for attempt = 1, a.max_retries do
    if attempt > 1 then
      say(string.format("Connection attempt %d/%d failed, retrying in %ds...", attempt - 1, a.max_retries, delay))
      sched.sleep(delay)
      delay = math.min(delay * 2, 10)
    end
    local ok, conn = pcall(pg.connect, { host = env.PGHOST, port = env.PGPORT, user = env.PGUSER,
      password = env.PGPASSWORD, dbname = env.PGDATABASE, sslmode = env.PGSSLMODE,
      connect_timeout = string.format("%d", math.max(1, math.ceil(a.connect_timeout))) })
    if ok then return conn end
    if errors.is(conn, "cancelled") or not retryable(conn) then error(conn, 0) end
    last = conn
  end
  error(errors.new { kind = "sql", message = "failed to connect after " .. a.max_retries .. " attempts: " ..
    errors.message(last) }, 0)
end

-- The message of a SQL error as the CLI shows it: severity, message, SQLSTATE, DETAIL, HINT.
local function sql_message(err)
  if type(err) ~= "table" or err.kind ~= "sql" then return printable.text(errors.message(err)) end
  local msg = err.message
  if err.detail then msg = msg .. "\nDETAIL: " .. err.detail end
  if err.hint then msg = msg .. "\nHINT:   " .. err.hint end
  return printable.text(msg)  -- it may quote the data
end

-- Runs one statement, within a.timeout seconds when set. Returns the result, or raises.
local function execute(conn, sql, a)
  local lakebase = require "lakebase"
  if a.timeout > 0 then
    local ok, r = pcall(lakebase.timeout, a.timeout, conn.statement, conn, sql)
    if ok then return r end
    if errors.is(r, "timeout") then
      error(errors.new { kind = "timeout", message = string.format("Query timed out after %gs.", a.timeout) }, 0)
    end
    error(r, 0)
  end
  return conn:statement(sql)
end

local function out(s) io.stdout:write(s) end
local function warn(s) io.stderr:write(s, "\n") end

--- Runs `lakebase query argv[i..]`; `g` holds the global flags. Returns the exit status.
function M.run(argv, i, get_client, g)
  g = g or globals.new_state()
  local core = require "lakebase.core"
  local function fail_usage(msg) io.stderr:write("lakebase query: ", msg, "\n") return 2 end
  local ok, a = pcall(M.parse, argv, i)
  if ok and a == "help" then io.stdout:write(M.USAGE, globals.help()) return 0 end
  local format, explicit, inputs, spec
  if ok then
    ok, a = pcall(function()
      format, explicit = globals.output(g, { "text", "json", "csv" })
      if not format then usage(explicit) end
      if not explicit and format == "text" and not core.isatty(1) then format = "json" end
      inputs = sql_input.collect(a.files, a.sql, not core.isatty(0) and function() return io.stdin:read("a") end or nil)
      sql_input.check_single(inputs)
      if format == "csv" and #inputs > 1 then
        usage("--output csv requires a single input unit; got " .. #inputs .. " (use --output json for multi-input invocations)")
      end
      spec = target.combine(a.target, a)
      return a
    end)
  end
  if not ok then
    if type(a) == "table" and a.usage then return fail_usage(a.usage) end
    error(a, 0)
  end

  local function say(text) if not log.quiet then io.stderr:write(text, "\n") end end
  local results, failed, failed_unit = {}, nil, nil
  local rok, err = pcall(function()
    local client = get_client()
    local endpoint = target.resolve(client, spec, function() end)
    target.readiness(endpoint)
    local conn <close> = connect(endpoint, a, say)
    for _, u in ipairs(inputs) do
      local started = core.now()
      local sok, r = pcall(execute, conn, u.sql, a)
      u.elapsed = core.now() - started
      if not sok then
        if errors.is(r, "cancelled") then error(r, 0) end
        failed, failed_unit = r, u
        u.error = sql_message(r)
        break
      end
      u.result = r
      results[#results + 1] = u
    end
  end)
  if not rok then
    if type(err) == "table" and err.usage then return fail_usage(err.usage) end
    if errors.is(err, "cancelled") then io.stderr:write("Query cancelled.\n") end
    if errors.is(err, "cancelled") or errors.is(err, "exit") then error(err, 0) end
    if type(err) == "string" and err:match("^bad argument") then return fail_usage(err) end
    io.stderr:write("Error: ", sql_message(err), "\n")
    return 1
  end

  if #inputs == 1 then
    local r = results[1] and results[1].result
    if r then
      if format == "json" then out(render.json_text(r, warn) .. "\n")
      elseif format == "csv" then render.csv(out, r, warn)
      else render.text(out, r) end
    end
  elseif format == "json" then
    local units = {}
    for k, u in ipairs(results) do units[k] = render.json_unit(u, warn) end
    if failed_unit then units[#units + 1] = render.json_unit(failed_unit, warn) end
    out("[\n" .. table.concat(units, ",\n") .. "\n]\n")
  else
    for k, u in ipairs(results) do
      if k > 1 then out("\n") end
      render.text(out, u.result)
    end
  end
  if failed then
    local prefix = (#inputs > 1 and not errors.is(failed, "timeout")) and (failed_unit.source .. ": ") or ""
    io.stderr:write("Error: ", prefix, failed_unit.error, "\n")
    return 1
  end
  return 0
end

return M
