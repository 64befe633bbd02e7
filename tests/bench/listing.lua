-- listing.lua COUNT: creates COUNT branches in one project (100 at a time), then lists them all
-- through pagination. Prints: count, seconds to list, pages fetched, peak RSS (MB).
local lb = lakebase
local count = tonumber(arg[1] or "10000")
local client = lb.default_client()
local project = client:create_project("list" .. os.time(), {}):wait()
for start = 1, count - 1, 100 do
  local fns = {}
  for i = start, math.min(start + 99, count - 1) do
    fns[#fns + 1] = function() project:create_branch("b" .. i, { no_expiry = true }) end  -- not waited
  end
  lb.all(fns)
end
local before = client.stats.requests
local t0 = lb.now()
local seen = 0
for _ in project:branches { page_size = 100 } do seen = seen + 1 end
local took = lb.now() - t0
local f = io.open("/proc/self/status")
local hwm = f and f:read("a"):match("VmHWM:%s+(%d+)") or "0"
if f then f:close() end
print(string.format("%d %.3f %d %.1f", seen, took, client.stats.requests - before, tonumber(hwm) / 1024))
