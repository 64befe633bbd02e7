--- The `lakebase` module: the global `lakebase` in scripts, and what `require "lakebase"` returns.
-- Waiting functions (sleep, HTTP, ...) yield to the event loop, so they must run inside a task;
-- every script, `-e` chunk and REPL line already is one.
local core = require "lakebase.core"
local sched = require "lakebase.sched"

local M = {
  version = core.version,
  sleep = sched.sleep,
  spawn = sched.spawn,
  all = sched.all,
  timeout = sched.timeout,
  event = sched.event,
  now = core.now,
  -- lakebase.exec{"prog", args..., ...}: loads lakebase.process on first use.
  exec = function(...) return require("lakebase.process").exec(...) end,
}

-- Submodules load on first use, to keep start-up cheap.
local lazy = {
  http = "lakebase.http",
  json = "lakebase.json",
  errors = "lakebase.errors",
  net = "lakebase.net",
  httpd = "lakebase.httpd",
  log = "lakebase.log",
  process = "lakebase.process",
  schema = "lakebase.api.schema",
  emulator = "lakebase.emulator",
}

--- A client of the Lakebase API: lakebase.client{host=, token=}. See lakebase/api/client.lua.
function M.client(opts)
  return require("lakebase.api.client").new(opts)
end

--- The client configured for this run: by `run --local` (the embedded emulator) or, until
-- unified auth lands, DATABRICKS_HOST and DATABRICKS_TOKEN. Created once.
local default
function M.default_client()
  if default then return default end
  local cfg = M.config or {}
  local host = cfg.host or os.getenv("DATABRICKS_HOST")
  local token = cfg.token or os.getenv("DATABRICKS_TOKEN")
  if not host or host == "" then
    error("no Lakebase workspace configured: set DATABRICKS_HOST and DATABRICKS_TOKEN, or pass --local to use an embedded emulator", 2)
  end
  if not token or token == "" then error("no token configured: set DATABRICKS_TOKEN (host " .. host .. ")", 2) end
  default = M.client { host = host, token = token }
  return default
end

return setmetatable(M, {
  __index = function(t, k)
    local name = lazy[k]
    if name == nil then return nil end
    local mod = require(name)
    rawset(t, k, mod)
    return mod
  end,
})
