-- wait_model.lua: the learned poll schedule (lakebase.api.wait_learner) on a virtual clock, free
-- of the machine's load: N operations created 1 ms apart, each poll answered in 1 ms, one after
-- another as a single-threaded server does. Prints, for a cold and a warm (second) batch, wall
-- time over the slowest operation's end and requests per operation (the create included), the
-- mean of 5 seeds.
--
--   build/lakebase run scripts/bench/wait_model.lua     (or lua5.4 with LUA_PATH=lua/?.lua)
local L = require "lakebase.api.wait_learner"
local RTT = 0.001

local function batch(learned, n, duration, seed)
  math.randomseed(seed)
  local g = L.group(learned, "h", "branch", "create")
  local ops, slowest = {}, 0
  for i = 1, n do
    local start = i * RTT
    ops[i] = { start = start, finish = start - RTT / 2 + duration(), reqs = 1 }
    slowest = math.max(slowest, ops[i].finish)
  end
  local now, last_done = 0, 0
  while true do
    local o, t = nil, math.huge
    for _, p in ipairs(ops) do
      local at = not p.done and (p.w and p.at or p.start)
      if at and at < t then o, t = p, at end
    end
    if not o then break end
    now = math.max(now, t)
    if not o.w then
      o.w = g:begin(now)
      o.at = g:next(o.w, now)
    else
      o.reqs = o.reqs + 1
      now = now + RTT
      local done = now - RTT / 2 >= o.finish
      if g:polled(o.w, now, done) then
        o.done, last_done = true, now
        for _, p in ipairs(ops) do if p.w and not p.done then p.at = g:next(p.w, now) end end
      else
        o.at = g:next(o.w, now)
      end
    end
  end
  local reqs = 0
  for _, p in ipairs(ops) do reqs = reqs + p.reqs end
  return last_done / slowest, reqs / n
end

local cases = {
  { "1 s", function() return 1 end },
  { "1-3 s", function() return 1 + 2 * math.random() end },
  { "10 s", function() return 10 end },
}
print(string.format("%-6s %5s | %-18s | %-18s", "ops", "N", "cold: wall_x req/op", "warm: wall_x req/op"))
for _, c in ipairs(cases) do
  for _, n in ipairs { 1, 10, 100 } do
    local cx, cr, wx, wr = 0, 0, 0, 0
    for seed = 1, 5 do
      local learned = L.new {}
      local x, r = batch(learned, n, c[2], seed)
      local x2, r2 = batch(learned, n, c[2], seed + 100)
      cx, cr, wx, wr = cx + x / 5, cr + r / 5, wx + x2 / 5, wr + r2 / 5
    end
    print(string.format("%-6s %5d | %8.3f %9.2f | %8.3f %9.2f", c[1], n, cx, cr, wx, wr))
  end
end
