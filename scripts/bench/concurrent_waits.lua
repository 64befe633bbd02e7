-- concurrent_waits.lua: what waiting costs. Against an in-process emulator (simulated computes,
-- every operation taking LATENCY seconds), measures one create-and-wait, then N of them at once
-- from N tasks on one thread, and the requests each operation needed (polling with backoff).
--
--   build/lakebase run scripts/bench/concurrent_waits.lua [N] [LATENCY]
local lb = lakebase
local n = tonumber(arg[1] or "100")
local latency = tonumber(arg[2] or "1")

local emu = require("lakebase.emulator").start { postgres = false, op_latency = latency }
local stop <close> = setmetatable({}, { __close = function() emu:stop() end })
local client = lb.client { host = emu.url, token = emu.token }
local project = client:create_project("bench", {}):wait()

local function timed(fn)
  local before = client.stats.requests
  local t0 = lb.now()
  fn()
  return lb.now() - t0, client.stats.requests - before
end

local one, one_req = timed(function() project:create_branch("single", { no_expiry = true }):wait() end)
local many, many_req = timed(function()
  local fns = {}
  for i = 1, n do fns[i] = function() return project:create_branch("b" .. i, { no_expiry = true }):wait() end end
  lb.all(fns)
end)
local sleeps = timed(function()
  local fns = {}
  for i = 1, 1000 do fns[i] = function() lb.sleep(0.5) end end
  lb.all(fns)
end)

print(string.format("operation latency (server side)      %6.2f s", latency))
print(string.format("1 create + wait                      %6.2f s  %5.1f requests", one, one_req))
print(string.format("%d concurrent creates + waits       %6.2f s  %5.1f requests per operation (%.2fx one)",
  n, many, many_req / n, many / one))
print(string.format("1000 concurrent 0.5 s sleeps         %6.2f s", sleeps))
