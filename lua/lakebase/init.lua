--- The `lakebase` module: the global `lakebase` in scripts, and what `require "lakebase"` returns.
-- Waiting functions (sleep, HTTP, ...) yield to the event loop, so they must run inside a task;
-- every script, `-e` chunk and REPL line already is one.
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"

local M = {
  version = core.version,
  sleep = sched.sleep,
  spawn = sched.spawn,
  all = sched.all,
  timeout = sched.timeout,
  event = sched.event,
  now = core.now,
  -- lakebase.defer(fn [, label]): fn runs when the script ends, however it ends (see cleanup.lua).
  defer = function(...) return require("lakebase.runtime.cleanup").defer(...) end,
  -- lakebase.exec{"prog", args..., ...}: loads lakebase.process on first use.
  exec = function(...) return require("lakebase.runtime.process").exec(...) end,
}

-- Submodules load on first use, to keep start-up cheap.
local lazy = {
  http = "lakebase.runtime.http",
  json = "lakebase.base.json",
  errors = "lakebase.base.errors",
  net = "lakebase.runtime.net",
  httpd = "lakebase.runtime.httpd",
  log = "lakebase.base.log",
  process = "lakebase.runtime.process",
  schema = "lakebase.api.schema",
  emulator = "lakebase.emulator",
  auth = "lakebase.auth",
  pg = "lakebase.runtime.pg",
}

--- A client of the Lakebase API. lakebase.client{host=, token=} uses exactly that; otherwise the
-- options (host, profile, auth_type, client_id, ...) are resolved with the environment and
-- ~/.databrickscfg as the Databricks SDKs do (see lakebase/auth/config.lua).
function M.client(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("bad argument #1 to 'client' (table expected, got " .. type(opts) .. ")", 2) end
  if opts.auth or opts.token_source or (opts.host and opts.token) then
    return require("lakebase.api.client").new(opts)
  end
  local auth = require "lakebase.auth"
  local ok, cfg = pcall(auth.resolve, opts)
  if not ok then error(cfg, 2) end
  return auth.client(cfg, { retry_timeout = opts.retry_timeout, request_timeout = opts.request_timeout,
    max_response_bytes = opts.max_response_bytes })
end

--- The client configured for this run: by `--local` (the embedded emulator), by --host, --profile
-- and --auth-type, or else by the environment and ~/.databrickscfg. Created once.
local default
function M.default_client()
  if default then return default end
  local cfg = M.config or {}
  local ok, c = pcall(M.client, { host = cfg.host, token = cfg.token, profile = cfg.profile, auth_type = cfg.auth_type,
    sources = cfg.sources })
  if not ok then error(c, 2) end
  default = c
  return default
end

return setmetatable(M, {
  submodules = lazy,  -- what lakebase.X loads on first use (read by tests/lua/test_types.lua)
  __index = function(t, k)
    local name = lazy[k]
    if name == nil then return nil end
    local mod = require(name)
    rawset(t, k, mod)
    return mod
  end,
})
