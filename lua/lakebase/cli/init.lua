--- The command line: parses arguments, runs a script or `-e` code as the main task, and turns the
-- outcome into an exit status (0 success, 1 script failure, 2 usage error, 3 something left
-- behind, 130/143 interrupted).
local sched = require "lakebase.runtime.sched"
local errors = require "lakebase.base.errors"
local redact = require "lakebase.base.redact"

local M = {}

local USAGE = [[
usage: lakebase [options] run FILE [ARGS...]   run a Lua workflow script
       lakebase [options] postgres COMMAND ... one API call: create-branch, list-projects, get-operation...
                                               (see 'lakebase postgres --help')
       lakebase [options] psql [TARGET] [-- PSQL_ARGS...]  psql on an endpoint, with a fresh credential
       lakebase [options] query SQL... [TARGET] SQL without psql: a table, JSON or CSV
                                               ('experimental postgres query' works too)
       lakebase [options] current-user me      who lakebase signs in as (userName = the Postgres user)
       lakebase [options] api METHOD PATH      a raw API request (see 'lakebase api --help')
       lakebase [options] [repl]               the REPL (no arguments on a terminal); --local for the emulator
       lakebase [options] recipe list|info|run|new  reusable workflows (see 'lakebase recipe --help')
       lakebase project use ID|show|clear  the default project when --project is absent (./.lakebase-project)
       lakebase [options] auth describe        how lakebase authenticates, and where each setting came from
       lakebase emulator [OPTIONS]             serve a local Lakebase API (see 'lakebase emulator --help')
       lakebase types DIR                      type definitions for the Lua language server, and .luarc.json
       lakebase completion bash|zsh|fish       a shell completion script (see 'lakebase completion --help')
       lakebase [options] FILE [ARGS...]       the same
       lakebase [options] -e CODE [ARGS...]    run CODE (a Lua chunk)
       lakebase [options] -                    run a script read from standard input
       lakebase --version | --help

Options (postgres, psql, query, api and auth also take them after the command, as the Databricks
CLI's global flags, up to a '--'):
  -e CODE         run CODE instead of a script file
  --local         run against an embedded emulator (real PostgreSQL computes) started for this run
                  on a free port with a temporary data directory, and stopped, with every
                  PostgreSQL server it started, when the script ends (also on error or Ctrl-C)
  --host URL, -p/--profile NAME, --auth-type TYPE
                  the workspace, the ~/.databrickscfg profile and the auth method (pat, basic,
                  oauth-m2m, databricks-cli), over DATABRICKS_* variables and the config file
                  (see 'lakebase auth describe --help')
  -o, --output FORMAT  text, json or yaml for the commands, csv too for the list commands (query:
                  text, json or csv); default text, or DATABRICKS_OUTPUT_FORMAT when it names one
  -v, --verbose, --debug
                  log every HTTP request (method, URL, status, time) to stderr, secrets redacted
                  (LAKEBASE_DEBUG=1 does the same); --log-level debug|trace too, --log-file FILE
                  writes that log to FILE, --log-format json as JSON lines
  -q, --quiet     no progress output (nor the line announcing a retry)
  --retry-timeout DURATION
                  how long one API call keeps retrying 429/503 answers and transient network
                  failures (refused, reset, timed out), e.g. 30s or 5m; no attempt runs past it
                  (default 300s, or LAKEBASE_RETRY_TIMEOUT)
  --keep          leave ephemeral resources ({ ephemeral = true }, resource:ephemeral()) in place
  -t, --target NAME  a bundle target: accepted for Databricks CLI lines and ignored
  --version       print the version and exit
  -h, --help      print this help and exit

Scripts run as tasks on an event loop: lakebase.sleep, lakebase.http.request and every other wait
yield, so lakebase.spawn/all/timeout run workflows concurrently on one thread. Script arguments
are in `arg` (arg[0] is the script) and in `...`; options after the script are the script's.

Exit status:
  0        success
  1        the script failed (syntax or runtime error, traceback on stderr), a task it spawned
           failed and nobody joined it (its traceback on stderr), an API call or the SQL of
           `postgres`, `api`, `psql` or `query` failed (`psql` exits with psql's own status), or
           the output could not be written (`lakebase: write error: ...`; a reader that went
           away, as with `| head`, is not an error)
  2        the command line is wrong (unknown option, missing or unreadable script, a bad
           argument or parameter, a malformed LAKEBASE_CLEANUP_GRACE, LAKEBASE_RETRY_TIMEOUT,
           LAKEBASE_MAX_RESPONSE_BYTES, LAKEBASE_MAX_REQUESTS or LAKEBASE_REPL_MAX_ROWS/_WIDTH,
           or LAKEBASE_HTTPD_IDLE_TIMEOUT for the emulator), before anything runs or any request is sent
  3        something was left behind: a cleanup (an ephemeral resource's deletion, a
           lakebase.defer) failed or was abandoned; the list is on stderr. It takes the place of
           0, 1 or the script's own os.exit code. --keep leaving resources on purpose is not this
  4        recipe run schema-diff --fail-on-diff: the schemas differ
  130/143  interrupted by SIGINT/SIGTERM (what was left behind, if anything, is listed)
(`lakebase run postgres` runs a script called postgres.)

Network: 429 and 503 answers and transient failures (connection refused or reset, time-outs,
for repeatable requests an answer cut short) are retried with backoff within --retry-timeout,
with one line on stderr for each retry once a call has taken 2 s; certificate, DNS, URL and
protocol failures and answers over the size limit fail at once. Credentials are never sent over
plain http:// to a host other than this machine (loopback).

Environment:
  LAKEBASE_LUA_DIR        load lakebase's own Lua modules from this directory first (development)
  LAKEBASE_DEBUG          as --verbose
  LAKEBASE_MAX_REQUESTS   HTTP requests in flight at once (default 64); later ones queue
  LAKEBASE_CLEANUP_GRACE  seconds cleanups get after SIGINT/SIGTERM (default 300)
  LAKEBASE_HISTORY        the REPL's history file (default ~/.lakebase_history)
  LAKEBASE_REPL_MAX_ROWS, LAKEBASE_REPL_MAX_WIDTH  rows and cell width of the REPL's result grid (50, 40; 0: no limit)
  LAKEBASE_RECIPE_PATH    more directories of recipes, separated by ':'
  LAKEBASE_PROJECT        the default project (over ./.lakebase-project) when --project is absent
  LAKEBASE_RETRY_TIMEOUT  as --retry-timeout (default 300s)
  LAKEBASE_WAIT_CACHE     where operation waits keep what they learn about durations (default
                          ~/.lakebase/waits.json, for workspaces, not loopback hosts); off: nowhere
  LAKEBASE_MAX_RESPONSE_BYTES  the largest answer accepted, after decompression (default
                          33554432, 32 MiB); a larger one fails at once, naming the limit
  LAKEBASE_CA_BUNDLE      a PEM file of CA certificates to trust (a private CA, a TLS-inspecting
                          proxy); else, as curl reads them, CURL_CA_BUNDLE, or SSL_CERT_FILE
                          and SSL_CERT_DIR (a directory hashed with `openssl rehash`)
  LAKEBASE_ALLOW_INSECURE_HTTP=1  allow credentials over plain http:// to hosts other than loopback
  LAKEBASE_HTTPD_IDLE_TIMEOUT  seconds a connection to the emulator (or another lakebase HTTP
                          server) may take to send a whole request before it is closed (default 60)
  DATABRICKS_HOST, DATABRICKS_TOKEN   the workspace and token the API commands and scripts use
  DATABRICKS_OUTPUT_FORMAT            the default of --output (text, json, yaml; csv for rows)
]]

local function usage_error(msg)
  io.stderr:write("lakebase: ", msg, " (see 'lakebase --help')\n")
  return 2
end

local function read_script(path)
  local f, err
  if path == "-" then
    f = io.stdin
  else
    f, err = io.open(path, "rb")
    if not f then return nil, "cannot open script " .. err end
  end
  local text, rerr = f:read("a")
  if f ~= io.stdin then f:close() end
  if text == nil then
    return nil, "cannot read " .. (path == "-" and "the script from standard input" or path) .. ": " .. tostring(rerr)
  end
  return (text:gsub("^#![^\n]*", ""))  -- a shebang line stays a comment (line numbers kept)
end

-- What a failed task raised: its traceback (the message first), or the message.
local function failure_text(task)
  local err = task.error
  local tb = task.traceback or sched.traceback_of(err)
  if tb and not errors.is(err, "cancelled") then return redact.text(tb) end
  return redact.text(sched.message_of(err))
end

local function report_failure(task)
  io.stderr:write("lakebase: ", failure_text(task), "\n")
end

local function exit_code_of(task, signal)
  if task.status == "done" then return 0 end  -- finished cleanly, even after a signal
  if signal then return signal == "SIGTERM" and 143 or 130 end
  local err = task.error
  if errors.is(err, "exit") then
    local c = err.code
    if c == true or c == nil then return 0 elseif c == false then return 1 end
    return math.tointeger(c) or 1
  end
  report_failure(task)
  return 1
end

local function install_globals(program, script, args)
  local lakebase = require "lakebase"
  _G.lakebase = lakebase
  local a = { [0] = script }
  for i, v in ipairs(args) do a[i] = v end
  a[-1] = program or "lakebase"  -- as invoked, like lua's arg[-1]
  _G.arg = a
  -- os.exit unwinds the task instead of killing the process, so cleanups still run.
  os.exit = function(code) error(errors.exit(code), 0) end
end

--- Wraps `chunk` so that it runs against an embedded emulator, stopped when the chunk ends however
-- it ends (the `<close>` handler runs during error unwinding too, and may wait).
local function with_local_emulator(chunk)
  return function(...)
    local emu = require("lakebase.emulator").start { port = 0 }
    local stop <close> = setmetatable({}, { __close = function() emu:stop() end })
    local lakebase = require "lakebase"
    lakebase.config = { host = emu.url, token = emu.token, emulator = emu,
      sources = { host = "--local emulator", token = "--local emulator" } }
    return chunk(...)
  end
end

--- Wraps `chunk` so that what the script registered for cleanup (ephemeral resources,
-- lakebase.defer) runs when it ends, however it ends; a <close> handler, so the error's traceback
-- is recorded first and the cleanup may wait.
local function with_cleanup(chunk)
  return function(...)
    local guard <close> = setmetatable({}, { __close = function() require("lakebase.runtime.cleanup").run_all() end })
    return chunk(...)
  end
end

local LEFT_BEHIND = 3

--- Runs `chunk` with `args` as the main task and returns the exit status: the main task's, 1 when a
-- task nobody joined failed, LEFT_BEHIND when a cleanup failed or was abandoned (unless a signal
-- ended the run: 130/143 say that first).
local function run_chunk(chunk, args)
  local task, signal, forced = sched.run(chunk, table.unpack(args))
  if signal then
    -- Busy code that never waited was interrupted where it was (src/linterrupt.c): say where.
    local busy = type(task.error) == "string" and task.error:find("while running code that never waits", 1, true)
    local where = busy and task.traceback and task.traceback:match("\n%s*([^\n]-:%d+:) in ") or nil
    io.stderr:write("lakebase: interrupted by ", signal, busy and (" while running code that never waits" ..
      (where and (" (at " .. where:gsub(":$", "") .. ")") or "")) or "", forced and " (cleanup abandoned)" or "", "\n")
  end
  local code = exit_code_of(task, signal)
  local orphans = sched.unjoined_failures()
  for _, t in ipairs(orphans) do
    io.stderr:write("lakebase: a task nobody joined failed: ", failure_text(t), "\n")
  end
  if #orphans > 0 and code == 0 then code = 1 end
  local left = require("lakebase.runtime.cleanup").left_behind()
  if #left > 0 then
    if not signal then code = LEFT_BEHIND end
    io.stderr:write("lakebase: ", signal and "" or ("exit status " .. LEFT_BEHIND .. ": "), "left behind (not cleaned up):\n")
    for _, label in ipairs(left) do io.stderr:write("  ", label, "\n") end
  end
  return code
end

local function default_client() return require("lakebase").default_client() end

-- Subcommands other than `emulator`: each returns an exit status and runs as the main task, like
-- a script, with its registered cleanups and, under --local, the embedded emulator. `g` is the
-- state of the global flags (cli/globals.lua): g.auth for auth, g.output, ...
local COMMANDS = {
  auth = function(rest, g) return require("lakebase.auth.command").run(rest, 2, g.auth, g) end,
  postgres = function(rest, g) return require("lakebase.cli.postgres").run(rest, 2, default_client, g) end,
  api = function(rest, g) return require("lakebase.cli.postgres").api(rest, 2, default_client, g) end,
  psql = function(rest, g) return require("lakebase.cli.psql").run(rest, 2, default_client, g) end,
  query = function(rest, g) return require("lakebase.cli.query").run(rest, 2, default_client, g) end,
  ["current-user"] = function(rest, g) return require("lakebase.cli.current_user").run(rest, 2, default_client, g) end,
  recipe = function(rest, g) return require("lakebase.recipe.command").run(rest, 2, g) end,
  project = function(rest) return require("lakebase.cli.default_project").command(rest, 2) end,
  types = function(rest) return require("lakebase.types").run(rest, 2) end,
  completion = function(rest) return require("lakebase.cli.completion").run(rest, 2) end,
  __complete = function(rest) return require("lakebase.cli.complete").run(rest, 2) end,  -- for the scripts
  repl = function()
    local home = os.getenv("HOME")
    local history = os.getenv("LAKEBASE_HISTORY") or ((home and home ~= "" and home or ".") .. "/.lakebase_history")
    local failed = require("lakebase.cli.repl").run { history = history }
    return failed and not require("lakebase.core").isatty(0) and 1 or 0
  end,
}

-- Commands shaped like the Databricks CLI's, whose global flags may come anywhere: the module
-- that knows each one's own flags taking a value (so a flag's value is never taken for a global).
local CLI_SHAPED = {
  postgres = "lakebase.cli.postgres", api = "lakebase.cli.postgres", auth = "lakebase.auth.command",
  psql = "lakebase.cli.psql", query = "lakebase.cli.query", ["current-user"] = "lakebase.cli.current_user",
}

--- Entry point from the host: argv[0] is the program, argv[1..] the arguments.
-- math.random's own seed is the time and an address: two runs started in the same second without
-- address randomisation (sanitizer builds, some containers) draw the same numbers, and scripts
-- name branches with them. The kernel's randomness seeds it instead.
local function seed_math_random()
  local f = io.open("/dev/urandom", "rb")
  if not f then return end
  local bytes = f:read(16)
  f:close()
  if bytes and #bytes == 16 then math.randomseed(string.unpack("<i8i8", bytes)) end
end

function M.main(argv)
  seed_math_random()
  local globals = require "lakebase.cli.globals"
  local g = globals.new_state()
  local i, code, seen_run = 1, nil, false
  while argv[i] do
    local a = argv[i]
    local flag, value, nexti = globals.match(argv, i)
    if flag == false then return usage_error(value) end
    if flag then
      local why = globals.apply(g, flag, value)
      if why then return usage_error(why) end
      i = nexti - 1
    elseif a == "-h" or a == "--help" then
      io.stdout:write(USAGE)
      return 0
    elseif a == "--version" then
      io.stdout:write("lakebase ", require("lakebase.core").version, " (", _VERSION, ")\n")
      return 0
    elseif a == "run" and not code and not seen_run then
      seen_run = true
    elseif a == "-e" then
      code = argv[i + 1]
      if code == nil then return usage_error("option '-e' needs a Lua chunk") end
      i = i + 1
    elseif a == "--" then
      i = i + 1
      break
    elseif a:sub(1, 1) == "-" and a ~= "-" then
      return usage_error("unknown option '" .. a .. "'")
    else
      break
    end
    i = i + 1
  end
  local rest = {}
  for j = i, #argv do rest[#rest + 1] = argv[j] end
  local name = not code and not seen_run and rest[1]
  if name == "experimental" and rest[2] == "postgres" and rest[3] == "query" then
    -- `databricks experimental postgres query` lines, as `lakebase query`
    table.remove(rest, 1)
    table.remove(rest, 1)
    name = "query"
  end
  if CLI_SHAPED[name] then
    local own = require(CLI_SHAPED[name]).own_flags(name)
    local taken, why = globals.extract(rest, 2, g, own)
    if not taken then return usage_error(why) end
    rest = taken
  end
  -- After every flag: --retry-timeout given anywhere overrides a malformed LAKEBASE_RETRY_TIMEOUT.
  local policy = require "lakebase.runtime.http_policy"
  local env_problem = require("lakebase.runtime.sched").cleanup_grace_problem or
    require("lakebase.api.retry").timeout_problem or policy.max_response_problem or policy.max_requests_problem or
    require("lakebase.cli.repl").grid_problem()
  if env_problem then return usage_error(env_problem) end
  local auth_flags = g.auth
  if g.local_mode and (auth_flags.host or auth_flags.profile or auth_flags.auth_type) then
    return usage_error("--local runs against an embedded emulator: it cannot be combined with --host, --profile or --auth-type")
  end
  require("lakebase").config = auth_flags

  if name == "emulator" then
    local command = require "lakebase.emulator.command"
    local opts, perr = command.parse(rest, 2)
    if not opts and perr == "help" then io.stdout:write(command.USAGE) return 0 end
    if not opts then return usage_error(perr) end
    install_globals(argv[0], "emulator", {})
    return run_chunk(command.run, { opts })
  end

  if name == nil and not code and not seen_run and require("lakebase.core").isatty(0) then name = "repl" end
  if COMMANDS[name] then
    install_globals(argv[0], name, {})
    local chunk = with_cleanup(function()
      local status = COMMANDS[name](rest, g)
      if status ~= 0 then error(errors.exit(status), 0) end
    end)
    if g.local_mode then chunk = with_local_emulator(chunk) end
    return run_chunk(chunk, {})
  end

  local chunk, err, script
  if code then
    script = "-e"
    chunk, err = load(code, "=(command line)", "t")
  else
    script = table.remove(rest, 1)
    if script == nil then
      if require("lakebase.core").isatty(0) then
        io.stderr:write(USAGE)
        return 2
      end
      script = "-"
    end
    local text, rerr = read_script(script)
    if not text and script == "database" and not seen_run then
      -- `databricks database ...` lines are Lakebase Provisioned's (instances), not this tool's.
      return usage_error("'database' is the Databricks CLI's Lakebase Provisioned group (database instances); " ..
        "lakebase manages Lakebase Autoscaling: 'lakebase postgres ...'")
    end
    if not text then return usage_error(rerr) end
    chunk, err = load(text, "@" .. (script == "-" and "stdin" or script), "t")
  end
  if not chunk then
    io.stderr:write("lakebase: ", err, "\n")
    return 1
  end
  install_globals(argv[0], script, rest)
  chunk = with_cleanup(chunk)
  if g.local_mode then chunk = with_local_emulator(chunk) end
  return run_chunk(chunk, rest)
end

return M
