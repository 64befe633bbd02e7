--- `lakebase emulator [options]`: serve the emulator until SIGINT/SIGTERM.
local sched = require "lakebase.runtime.sched"

local M = {}

M.USAGE = [[
usage: lakebase emulator [options]

Serves the Lakebase Autoscaling API (/api/2.0/postgres/) on 127.0.0.1, with real PostgreSQL
servers as computes, until SIGINT or SIGTERM; then stops every PostgreSQL server it started.

Options:
  --port N             port to listen on (default 0: a free port, printed at start)
  --data DIR           keep state and PostgreSQL data in DIR, so a restart loses nothing
                       (default: a temporary directory removed at exit)
  --token T            the personal access token to accept (default: generated and printed;
                       a given one is not printed)
  --client-id ID       OAuth client id accepted by /oidc/v1/token (with --client-secret)
  --client-secret S    OAuth client secret
  --refresh-token R    accept R as the refresh token of a Databricks CLI login (client databricks-cli)
  --token-file F, --client-secret-file F, --refresh-token-file F
                       the same secrets read from a file (its first line), so that they are not
                       on the command line, where any local user can read them (ps, /proc)
  --user EMAIL         the identity behind the personal access token (default emulator-user@example.com)
  --op-latency S       seconds each long-running operation takes at least (default 0), or a
                       spread LOW-HIGH (e.g. 1-3: each draws uniformly between 1 and 3 s)
  --faults SPEC        inject faults: comma-separated KIND=RATE with KIND one of 429, 503, drop,
                       slow, malformed, operror, lag and RATE between 0 and 1 (e.g. 429=0.2,drop=0.05);
                       lag: a GET of an endpoint younger than --lag-seconds answers 404, as the
                       service's eventual consistency can
  --seed N             seed for fault injection (default 1)
  --slow-seconds S     delay of a "slow" fault (default 2)
  --lag-seconds S      how long a new endpoint may be missing from GETs with the lag fault (default 2)
  --credential-ttl S   lifetime of database credentials in seconds (default 3600)
  --oauth-ttl S        lifetime of OAuth access tokens in seconds (default 3600)
  --suspend-after S    suspend idle computes after S seconds whatever their suspend_timeout_duration
                       (for tests; the API's minimum is 60 s)
  --no-postgres        simulate computes instead of running PostgreSQL (fast; API shape only)
  --pg-bindir DIR      where initdb and postgres are (default: /usr/lib/postgresql/N/bin for the
                       pg_version a project asks for when installed, else the newest installed)

Environment (used when the option is not given; keeps the secret off the command line):
  LAKEBASE_EMULATOR_TOKEN          as --token
  LAKEBASE_EMULATOR_CLIENT_SECRET  as --client-secret
  LAKEBASE_EMULATOR_REFRESH_TOKEN  as --refresh-token

Computes accept TLS connections only (sslmode=require), logging in with a token from
POST /api/2.0/postgres/credentials as the identity that minted it. The certificate is signed by a
CA made at start; its file is printed ("postgres CA: FILE") for clients that verify it.
]]

local NUMBERS = { ["--port"] = "port", ["--seed"] = "seed",
  ["--slow-seconds"] = "slow_seconds", ["--credential-ttl"] = "credential_ttl", ["--oauth-ttl"] = "oauth_ttl",
  ["--suspend-after"] = "suspend_after", ["--lag-seconds"] = "lag_seconds" }
local STRINGS = { ["--data"] = "data", ["--token"] = "token", ["--client-id"] = "client_id",
  ["--client-secret"] = "client_secret", ["--refresh-token"] = "refresh_token", ["--user"] = "user", ["--faults"] = "faults", ["--pg-bindir"] = "pg_bindir" }

-- Secrets that may also come from a file or the environment: option -> {key, file option, variable}.
local SECRETS = {
  { key = "token", file = "--token-file", env = "LAKEBASE_EMULATOR_TOKEN" },
  { key = "client_secret", file = "--client-secret-file", env = "LAKEBASE_EMULATOR_CLIENT_SECRET" },
  { key = "refresh_token", file = "--refresh-token-file", env = "LAKEBASE_EMULATOR_REFRESH_TOKEN" },
}
local SECRET_FILES = {}
for _, s in ipairs(SECRETS) do SECRET_FILES[s.file] = s end

-- The first line of `path`, or nil and a message.
local function read_secret(option, path)
  local f, err = io.open(path, "rb")
  if not f then return nil, "option '" .. option .. "': cannot read " .. tostring(err) end
  local line = f:read("l")
  f:close()
  line = line and line:match("^%s*(.-)%s*$")
  if not line or line == "" then return nil, "option '" .. option .. "': " .. path .. " is empty" end
  return line
end

--- Parses emulator options from args[i..]; returns opts, or nil and a message. Secrets not given
-- as options come from their files, else from the environment (`getenv`, default os.getenv).
function M.parse(args, i, getenv)
  getenv = getenv or os.getenv
  local opts = {}
  i = i or 1
  while args[i] do
    local a = args[i]
    local key, value = a:match("^(%-%-[%w-]+)=(.*)$")
    key = key or a
    local function take()
      if value then return value end
      i = i + 1
      return args[i]
    end
    if key == "-h" or key == "--help" then
      return nil, "help"
    elseif NUMBERS[key] then
      local v = take()
      local n = tonumber(v or "")
      if not n or n < 0 then return nil, "option '" .. key .. "' needs a number >= 0, got " .. tostring(v) end
      opts[NUMBERS[key]] = n
    elseif key == "--op-latency" then
      local v = take()
      local range, why = require("lakebase.emulator.latency").parse(v or "")
      if not range then return nil, "option '--op-latency': " .. (v and why or "needs a value") end
      opts.op_latency = range[1] == range[2] and range[1] or v
    elseif STRINGS[key] then
      local v = take()
      if v == nil or v == "" then return nil, "option '" .. key .. "' needs a value" end
      opts[STRINGS[key]] = v
    elseif SECRET_FILES[key] then
      local v = take()
      if v == nil or v == "" then return nil, "option '" .. key .. "' needs a file name" end
      local secret, err = read_secret(key, v)
      if not secret then return nil, err end
      opts[SECRET_FILES[key].key] = secret
    elseif key == "--no-postgres" then
      opts.postgres = false
    else
      return nil, "unknown emulator option '" .. a .. "'"
    end
    i = i + 1
  end
  for _, sec in ipairs(SECRETS) do
    local v = getenv(sec.env)
    if opts[sec.key] == nil and v and v ~= "" then opts[sec.key] = v end
  end
  if (opts.client_id == nil) ~= (opts.client_secret == nil) then
    return nil, "--client-id and --client-secret go together"
  end
  local idle, idle_problem = require("lakebase.runtime.httpd").env_idle_timeout()
  if not idle then return nil, idle_problem end
  if opts.port and (opts.port ~= math.floor(opts.port) or opts.port > 65535) then
    return nil, "option '--port' needs a whole number from 0 to 65535"
  end
  if opts.faults then
    local ok, err = pcall(require("lakebase.emulator.faults").parse, opts.faults)
    if not ok then return nil, "option '--faults': " .. tostring(err) end
  end
  return opts
end

--- Runs the emulator until cancelled (SIGINT/SIGTERM). Returns normally after a clean stop.
function M.run(opts)
  local emulator = require "lakebase.emulator"
  local given = opts.token ~= nil
  local started, emu = pcall(emulator.start, opts)
  if not started then  -- a port in use, unreadable data: the reason, not a traceback
    io.stderr:write("lakebase emulator: ", require("lakebase.base.errors").message(emu), "\n")
    error(require("lakebase.base.errors").exit(1), 0)
  end
  io.stdout:write("lakebase emulator listening on ", emu.url, "\n")
  -- A generated token is printed for the user to take; a given one is not repeated to stdout.
  io.stdout:write("token: ", given and "as given" or emu.token, "\n")
  if emu.ca_file then io.stdout:write("postgres CA: ", emu.ca_file, "\n") end
  io.stdout:flush()
  local ok, err = pcall(function()
    while true do sched.sleep(3600) end
  end)
  emu:stop()
  io.stdout:write("lakebase emulator stopped\n")
  if not ok and not require("lakebase.base.errors").is(err, "cancelled") then error(err, 0) end
end

return M
