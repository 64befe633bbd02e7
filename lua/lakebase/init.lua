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
}

-- Submodules load on first use, to keep start-up cheap.
local lazy = {
  http = "lakebase.http",
  json = "lakebase.json",
  errors = "lakebase.errors",
  net = "lakebase.net",
  httpd = "lakebase.httpd",
  log = "lakebase.log",
}

return setmetatable(M, {
  __index = function(t, k)
    local name = lazy[k]
    if name == nil then return nil end
    local mod = require(name)
    rawset(t, k, mod)
    return mod
  end,
})
