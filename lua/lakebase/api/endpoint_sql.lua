--- What an endpoint object offers for the "run" step: `endpoint:connect{database=, user=}` (a
-- lakebase.pg connection) and `endpoint:pg_env{database=}` (PG* variables for psql and migration
-- tools). Credentials come from the client's per-endpoint cache (renewed before they expire); a
-- login refused for a stale password is retried once with a fresh credential.
local M = {}

local DEFAULT_DB = "databricks_postgres"

-- Host, port and TLS mode for the endpoint: the service requires TLS on 5432, and so does the
-- emulator's relay, so the settings are the same locally and live.
local function address(ep)
  local hosts = type(ep.status) == "table" and ep.status.hosts
  local host = type(hosts) == "table" and hosts.host
  if type(host) ~= "string" or host == "" then
    error("endpoint " .. tostring(ep.name) .. " has no host yet (state " ..
      tostring(type(ep.status) == "table" and ep.status.current_state) .. "): wait for its creation first", 3)
  end
  return host, tostring(hosts.port or 5432), "require"
end

local function check_opts(fname, opts)
  if opts ~= nil and type(opts) ~= "table" then
    error("bad argument #1 to '" .. fname .. "' (table of options expected, got " .. type(opts) .. ")", 3)
  end
  opts = opts or {}
  for _, k in ipairs { "database", "user", "sslmode" } do
    if opts[k] ~= nil and type(opts[k]) ~= "string" then
      error("bad argument #1 to '" .. fname .. "' (option '" .. k .. "' must be a string, got " .. type(opts[k]) .. ")", 3)
    end
  end
  return opts
end

function M.install(Endpoint, client_of)
  --- PG* environment variables for tools (psql, migration runners): PGHOST, PGPORT, PGUSER,
  -- PGPASSWORD, PGDATABASE, PGSSLMODE. opts: database, user, sslmode.
  function Endpoint:pg_env(opts)
    opts = check_opts("pg_env", opts)
    local client = client_of(self)
    local host, port, sslmode = address(self)
    local cred = client:database_credential(self)
    return { PGHOST = host, PGPORT = port, PGUSER = opts.user or client:postgres_user(), PGPASSWORD = cred.token,
      PGDATABASE = opts.database or DEFAULT_DB, PGSSLMODE = opts.sslmode or sslmode }
  end

  --- A connection to the endpoint (lakebase.pg). opts: database, user, sslmode.
  function Endpoint:connect(opts)
    opts = check_opts("connect", opts)
    local pg = require "lakebase.runtime.pg"
    local client = client_of(self)
    local host, port, sslmode = address(self)
    local function attempt()
      return pg.connect { host = host, port = port, user = opts.user or client:postgres_user(),
        password = client:database_credential(self).token, dbname = opts.database or DEFAULT_DB,
        sslmode = opts.sslmode or sslmode }
    end
    local ok, conn = pcall(attempt)
    if not ok and tostring(conn):find("password authentication failed", 1, true) then
      client:forget_database_credential(self)  -- revoked or expired early: one fresh credential
      conn = attempt()
    elseif not ok then
      error(conn, 2)
    end
    return conn
  end
end

return M
