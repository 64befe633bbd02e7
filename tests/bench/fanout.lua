-- fanout.lua N: N concurrent "create branch -> wait" against the emulator at DATABRICKS_HOST
-- (started by tests/bench/run with a fixed operation latency). Prints one line of figures:
-- wall seconds, HTTP requests per operation, peak RSS (MB) of this process.
local lb = lakebase
local n = tonumber(arg[1] or "100")
local client = lb.default_client()
local project_id = "fan" .. n .. "-" .. os.time()
local project = client:create_project(project_id, {}):wait()
local before = client.stats.requests
local fns = {}
for i = 1, n do fns[i] = function() return project:create_branch("b" .. i, { no_expiry = true }):wait() end end
local t0 = lb.now()
lb.all(fns)
local wall = lb.now() - t0
local f = io.open("/proc/self/status")
local hwm = f and f:read("a"):match("VmHWM:%s+(%d+)") or "0"
if f then f:close() end
print(string.format("%d %.3f %.1f %.1f", n, wall, (client.stats.requests - before) / n, tonumber(hwm) / 1024))
