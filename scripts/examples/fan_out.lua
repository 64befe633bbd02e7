-- fan_out.lua: the shape of every lakebase workflow, on a toy service.
-- Starts a small HTTP service on a free loopback port, then runs 20 "slow operations" (each takes
-- 300 ms on the server) concurrently from one thread, bounds one with a timeout, and reports.
--
--   build/lakebase run scripts/examples/fan_out.lua [COUNT]
local lb = lakebase
local count = tonumber(arg[1] or "20")

local service = lb.httpd.serve { handler = function(req)
  lb.sleep(0.3)
  return 200, { ["Content-Type"] = "application/json" },
    lb.json.encode { name = req.path:sub(2), done = true }
end }
local base = "http://127.0.0.1:" .. service.port

local function operation(i)
  return function()
    local status, _, body = lb.http.request { method = "POST", url = base .. "/op-" .. i, body = "{}" }
    assert(status == 200, "unexpected status " .. status)
    return lb.json.decode(body).name
  end
end

local fns = {}
for i = 1, count do fns[i] = operation(i) end
local t0 = lb.now()
local names = { lb.all(fns) }
print(string.format("%d operations of 300 ms each finished in %.0f ms on one thread", #names, (lb.now() - t0) * 1000))

local ok, err = pcall(lb.timeout, 0.1, operation("too-slow"))
print("a 300 ms operation under a 100 ms timeout: " .. (ok and "finished?!" or tostring(err)))
service:close()
