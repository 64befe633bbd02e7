--- `lakebase psql [TARGET] [--project P --branch B --endpoint E] [-- PSQL_ARGS...]`: psql on a
-- Lakebase Autoscaling endpoint, as `databricks psql` does it: the endpoint picked from what is
-- given (cli/target.lua; among several, the default branch and the read-write endpoint, as the
-- CLI's help describes it, since lakebase does not prompt), the caller's identity as the Postgres user, a freshly minted credential,
-- and psql run with the terminal (stdin and stdout inherited) and its exit status passed on.
-- Connection settings travel in the environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
-- PGSSLMODE), so the password is never in an argument list and PSQL_ARGS such as -d or -p win.
-- A psql that exits 2 without a permanent reason (role or database missing, authentication
-- failed) is tried again, up to --max-retries attempts in all, as the compute may be waking up.
local globals = require "lakebase.cli.globals"
local target = require "lakebase.cli.target"
local errors = require "lakebase.base.errors"
local log = require "lakebase.base.log"

local M = {}

M.USAGE = [[
usage: lakebase psql [TARGET] [--project ID] [--branch ID] [--endpoint ID] [flags] [-- PSQL_ARGS...]

Connects psql to a Lakebase Autoscaling endpoint (the Databricks CLI's `databricks psql`). TARGET is
projects/P, projects/P/branches/B or projects/P/branches/B/endpoints/E; --project, --branch and
--endpoint give the same or fill in what TARGET leaves out. A project, branch or endpoint not given
is picked when exactly one exists; among several branches the project's default is taken and among
several endpoints the read-write one (the others are named); else the error lists them (lakebase
does not prompt). psql gets the terminal
and a fresh database credential for the caller's identity through PGHOST, PGPORT, PGUSER,
PGPASSWORD, PGDATABASE (databricks_postgres) and PGSSLMODE; PSQL_ARGS after -- go to psql as they
are (-d DB, -c SQL, -p PORT...). Requires psql on PATH.

Flags:
  --project ID        the project's ID
  --branch ID         the branch's ID (default: the only one, else the project's default)
  --endpoint ID       the endpoint's ID (default: the only one, else the read-write one)
  --max-retries N     connection attempts while the compute wakes up (default 3; 0: one attempt)
  --autoscaling       accepted (lakebase only connects to Lakebase Autoscaling)
  -h, --help          this help

Exit status: psql's own; 1 when the endpoint cannot be found or used, or psql cannot be started;
2 for a bad command line (before any request).

Examples:
  lakebase psql projects/my-project/branches/main/endpoints/primary
  lakebase psql --project my-project -- -c "SELECT 1"
  lakebase psql projects/my-project --branch dev -p staging

]]

local OWN = { project = true, branch = true, endpoint = true, ["max-retries"] = true, autoscaling = false,
  provisioned = false }

--- The command's own flags, for cli/globals.lua.
function M.own_flags() return OWN end

--- Parses argv[i..]: returns {target=, project=, branch=, endpoint=, max_retries=, extra = {...}},
-- "help", or raises {usage = message}.
function M.parse(argv, i)
  local a = { max_retries = 3, extra = {} }
  local positional = {}
  while argv[i] ~= nil do
    local arg = argv[i]
    if arg == "--" then
      for j = i + 1, #argv do a.extra[#a.extra + 1] = argv[j] end
      break
    end
    if arg == "-h" or arg == "--help" then return "help" end
    local key, inline = arg:match("^%-%-([%w-]+)=(.*)$")
    key = key or arg:match("^%-%-([%w-]+)$")
    if key and OWN[key] ~= nil then
      local value = inline
      if OWN[key] and value == nil then
        i = i + 1
        value = argv[i]
        if value == nil then error({ usage = "option '--" .. key .. "' needs a value" }, 0) end
      end
      if key == "max-retries" then
        a.max_retries = math.tointeger(tonumber(value))
        if not a.max_retries or a.max_retries < 0 then
          error({ usage = "--max-retries needs a whole number >= 0, got '" .. value .. "'" }, 0)
        end
      elseif key == "provisioned" then
        error({ usage = "--provisioned: lakebase connects to Lakebase Autoscaling endpoints only" }, 0)
      elseif key ~= "autoscaling" then
        a[key] = value
      end
    elseif arg:match("^%-.") then
      error({ usage = "unknown flag '" .. arg .. "' (psql's own flags go after --: lakebase psql TARGET -- " .. arg ..
        ")" }, 0)
    else
      positional[#positional + 1] = arg
    end
    i = i + 1
  end
  if #positional > 1 then
    error({ usage = "expected at most one positional argument for target, got '" .. table.concat(positional, "' '") ..
      "' (psql's own arguments go after --)" }, 0)
  end
  a.target = positional[1]
  return a
end

-- Retryable as the Databricks CLI judges it: psql exit status 2 without a permanent reason.
local function retryable(code, stderr)
  return code == 2 and not stderr:find("does not exist", 1, true) and not stderr:find("authentication failed", 1, true)
end

-- Runs psql once with the terminal; stderr is copied through and kept when `keep_stderr`.
-- Returns the exit status (128 + n for a signal) and what psql wrote to stderr.
local function run_psql(argv, env, keep_stderr)
  local process = require "lakebase.runtime.process"
  local spec = { env = env, stdin = "inherit", stdout = "inherit", stderr = keep_stderr and "pipe" or "inherit" }
  for k, v in ipairs(argv) do spec[k] = v end
  local ok, p = pcall(process.spawn, spec)
  if not ok then
    error(errors.new { kind = "process", message = "cannot run psql: " .. tostring(errors.message(p)) ..
      " (install the PostgreSQL client, e.g. apt-get install postgresql-client)" }, 0)
  end
  local sched = require "lakebase.runtime.sched"
  -- Ctrl-C at the terminal reaches psql itself (same process group), which cancels its query;
  -- it must not end lakebase. SIGTERM is passed on to psql, whose exit then ends the command.
  local previous = sched.on_signal
  sched.on_signal = function(sig)
    if sig == "SIGTERM" then p:kill("TERM") end
    return true
  end
  local restore <close> = setmetatable({}, { __close = function() sched.on_signal = previous end })
  local seen = {}
  if keep_stderr then
    while true do
      local line = p:read_line("stderr")
      if line == nil then break end
      io.stderr:write(line, "\n")
      seen[#seen + 1] = line
    end
  end
  local code, signal = p:wait()
  if code == nil then code = 128 + (require("lakebase.core").signal(signal or "TERM") or 15) end
  return code, table.concat(seen, "\n")
end

-- The environment psql runs with: ours, plus the connection's PG* variables.
local function environment(pg)
  local env = {}
  local f = io.open("/proc/self/environ", "rb")  -- lakebase never changes its own environment
  if f then
    for entry in f:read("a"):gmatch("[^%z]+") do
      local k, v = entry:match("^([^=]+)=(.*)$")
      if k then env[k] = v end
    end
    f:close()
  end
  for k, v in pairs(pg) do env[k] = v end
  return env
end

--- Runs `lakebase psql argv[i..]`; `g` holds the global flags. Returns the exit status.
function M.run(argv, i, get_client, g)
  g = g or globals.new_state()
  local ok, a = pcall(M.parse, argv, i)
  if ok and a == "help" then io.stdout:write(M.USAGE, globals.help()) return 0 end
  local spec
  if ok then ok, spec = pcall(target.combine, a.target, a) end
  if not ok then
    local err = type(a) == "table" and a.usage and a or spec
    if type(err) == "table" and err.usage then
      io.stderr:write("lakebase psql: ", err.usage, "\n")
      return 2
    end
    error(err, 0)
  end
  local function say(text) if not log.quiet then io.stderr:write(text, "\n") end end
  local rok, code = pcall(function()
    local client = get_client()
    local endpoint = target.resolve(client, spec, say, { prefer = true })
    local kind, suffix = target.readiness(endpoint)
    local pg = endpoint:pg_env()  -- the caller's role, a fresh credential, the endpoint's TLS mode
    say("Connecting to " .. kind .. " endpoint" .. suffix .. "...")
    local env = environment(pg)
    local attempts = math.max(1, a.max_retries)
    local delay = 1
    for attempt = 1, attempts do
      if attempt > 1 then
        say(string.format("Connection attempt %d/%d failed, retrying in %ds...", attempt - 1, attempts, delay))
        require("lakebase.runtime.sched").sleep(delay)
        delay = math.min(delay * 2, 10)
        say(string.format("Retrying connection (attempt %d/%d)...", attempt, attempts))
      end
      local status, stderr = run_psql({ "psql", table.unpack(a.extra) }, env, a.max_retries > 0)
      if a.max_retries == 0 or not retryable(status, stderr) then return status end
      say("Connection failed with retryable error: connection failed: psql exited with code " .. status)
    end
    error(errors.new { kind = "process", message = "failed to connect after " .. attempts ..
      " attempts, last error: connection failed: psql exited with code 2" }, 0)
  end)
  if rok then return code end
  if type(code) == "table" and code.usage then
    io.stderr:write("lakebase psql: ", code.usage, "\n")
    return 2
  end
  if errors.is(code, "cancelled") or errors.is(code, "exit") then error(code, 0) end
  if type(code) == "string" and code:match("^bad argument") then
    io.stderr:write("lakebase psql: ", code, "\n")
    return 2
  end
  io.stderr:write("Error: ", errors.message(code), "\n")
  return 1
end

return M
