-- startup.lua RUNS: start-up of `lakebase -e ''` against bare `lua5.4 -e ''`, each run as a child
-- RUNS times, alternating, so that both see the same machine load. Prints: lakebase median ms,
-- lua5.4 median ms, lakebase min ms, lua5.4 min ms. (The fork and exec cost is in both figures.)
local lb = lakebase
local runs = tonumber(arg[1] or "100")
local exe = arg[-1]
local times = { lakebase = {}, lua = {} }
local function once(name, argv)
  local t0 = lb.now()
  local r = lb.exec(argv)
  if r.code ~= 0 then error(argv[1] .. " failed with exit code " .. tostring(r.code)) end
  table.insert(times[name], (lb.now() - t0) * 1000)
end
for _ = 1, runs do
  once("lakebase", { exe, "-e", "" })
  once("lua", { "lua5.4", "-e", "" })
end
local function median_and_min(t)
  table.sort(t)
  return t[(#t + 1) // 2], t[1]
end
local lm, lmin = median_and_min(times.lakebase)
local um, umin = median_and_min(times.lua)
print(string.format("%.2f %.2f %.2f %.2f", lm, um, lmin, umin))
