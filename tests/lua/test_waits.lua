-- Waits that learn when to poll (lakebase.api.wait_learner, waits, wait_cache) and the emulator's
-- latency spread: the schedule's rules on a virtual clock, then request counts of real waits over
-- the emulator, and the cache file across real runs of the binary.
local T = require "testlib"
local lb = lakebase
local core = require "lakebase.core"
local emulator = require "lakebase.emulator"
local learner = require "lakebase.api.wait_learner"
local waits = require "lakebase.api.waits"
local cache = require "lakebase.api.wait_cache"
local latency = require "lakebase.emulator.latency"
local EXE = arg[-1]

local dir = lb.exec { "mktemp", "-d", "/tmp/lakebase-waits-test-XXXXXX", check = true }.stdout:match("%S+")
lb.defer(function() lb.exec { "rm", "-rf", dir } end)
-- This process keeps its cache here, never in the HOME of whoever runs the tests.
waits.getenv = function(name)
  if name == "LAKEBASE_WAIT_CACHE" then return dir .. "/in-process.json" end
  return os.getenv(name)
end

local function half() return 0.5 end   -- jitter 1.0, phases as given

-- Polls waiter w of group g on a virtual clock until `duration` has passed; returns the poll times.
local function drive(g, w, duration, limit)
  local times = {}
  local now = w.start
  for _ = 1, limit or 1000 do
    now = math.max(now, g:next(w, now))
    times[#times + 1] = now - w.start
    if g:polled(w, now, now - w.start >= duration) then return times end
  end
  return times
end

T.test("learner: a lone wait with nothing learned polls at once, then as the fixed schedule did", function()
  local g = learner.group(learner.new { random = half }, "h", "branch", "create")
  local times = drive(g, g:begin(0), 1.0)
  local want = { 0, 0.15, 0.30, 0.45, 0.60, 0.75, 0.90, 1.05 }  -- 15 % of elapsed, at least 0.15 s
  T.eq(#times, #want, "polls for a 1 s operation")
  for i, t in ipairs(want) do T.between(times[i], t - 1e-9, t + 1e-9, "poll " .. i) end
  T.eq(g.durations[1], times[#times], "the duration learned is when it was seen done")
end)

T.test("learner: what one wait learns, the next aims at (one poll); a shorter one is still caught", function()
  local g = learner.group(learner.new { random = half }, "h", "branch", "create")
  drive(g, g:begin(0), 1.0)
  local learned = g.durations[1]
  local w = g:begin(100)
  local times = drive(g, w, 1.0)
  T.between(times[#times], learned - 1e-9, learned + 1e-9, "seen done at the learned duration")
  T.ok(#times <= 5, "a few insurance polls, then the aimed one: " .. #times .. " polls (the fixed schedule: 8)")
  -- Much shorter than learned: an insurance poll catches it long before the learned 1.05 s.
  local short = drive(g, g:begin(200), 0.1)
  T.between(short[#short], 0.1, 0.3, "a 0.1 s operation seen done")
  -- Much longer: backoff whose steps grow (no poll storm), back to the fixed schedule's 15 % past
  -- twice the longest duration seen.
  local long = drive(g, g:begin(300), 60)
  T.ok(#long < 60, "polls for a 60 s operation after learning ~1 s: " .. #long)
  local aimed
  for i, t in ipairs(long) do if math.abs(t - learned) < 1e-9 then aimed = i end end
  T.ok(aimed, "one poll aimed at the learned duration")
  for i = aimed + 2, #long do
    T.ok(long[i] - long[i - 1] >= long[i - 1] - long[i - 2] - 1e-9, "past it, steps never shrink (poll " .. i .. ")")
  end
  T.between(long[#long] - long[#long - 1], 0.15 * long[#long - 1] - 1e-9, 10 + 1e-9, "last step: 15 % of elapsed")
end)

T.test("learner: 100 concurrent waits share one poll budget and the first done teaches the rest", function()
  local g = learner.group(learner.new { random = half }, "h", "branch", "create")
  local ws = {}
  for i = 1, 100 do ws[i] = g:begin(0) end
  -- Before anything is learned the group polls SCOUTS times per step as a whole, at spread phases.
  local firsts = {}
  for i, w in ipairs(ws) do firsts[i] = g:next(w, 0) end
  table.sort(firsts)
  T.ok(firsts[1] > 0, "no wait polls at once when many start together")
  local within_first_step = 0
  for _, t in ipairs(firsts) do if t <= learner.MIN then within_first_step = within_first_step + 1 end end
  T.ok(within_first_step <= 2 * learner.SCOUTS, "first polls within 0.15 s: " .. within_first_step)
  local widest = 0
  for i = 2, #firsts do widest = math.max(widest, firsts[i] - firsts[i - 1]) end
  T.ok(widest < 0.06, "first polls evenly spread: widest gap " .. widest)
  -- One of them is seen done at 1.02 s: every other wait now polls at 1.02 s, once.
  g:polled(ws[1], 1.02, true)
  for i = 2, 100 do T.eq(g:next(ws[i], 1.02), 1.02, "wait " .. i .. " aims at the learned duration") end
end)

T.test("learner: when most aimed polls miss, the others back off instead of all polling", function()
  local g = learner.group(learner.new { random = half }, "h", "branch", "create")
  local ws = {}
  for i = 1, 20 do ws[i] = g:begin(0) end
  for i = 1, 20 do g:polled(ws[i], 0.9, false) end  -- all scouted once, not done
  g:polled(ws[1], 1.0, true)   -- the shortest of a spread finishes first
  for i = 2, 1 + learner.MISSES do
    T.eq(g:next(ws[i], 1.0), 1.0, "aimed")
    g:polled(ws[i], 1.0, false)
  end
  T.ok(not g:reliable(), "targets doubted after " .. learner.MISSES .. " misses")
  local at = g:next(ws[10], 1.0)
  T.ok(at > 1.0, "a wait that has not polled yet no longer polls at once: " .. at)
  -- Those that missed back off with fine steps (4 %) spread over the pending waits.
  local after = g:next(ws[2], 1.0) - 1.0
  T.between(after, 0.04, 0.2, "step after a miss")
  -- Once the batch is over, the next one aims at the durations seen again.
  for i = 2, 20 do g:polled(ws[i], 3.0, true) end
  T.ok(g:reliable(), "doubt forgotten when no wait is pending")
  local w = g:begin(10)
  T.ok(g:next(w, 10) > 10, "a new lone wait aims (or insures) instead of polling at once")
end)

T.test("latency spread: parsed with clear errors; draws stay within the range", function()
  T.eq(latency.parse("1.5")[1], 1.5, "fixed")
  local r = latency.parse("1-3")
  T.eq(r[1], 1, "low") T.eq(r[2], 3, "high")
  T.eq(latency.parse(0.2)[2], 0.2, "a number")
  for _, bad in ipairs { "3-1", "abc", "-1", "1-", "1-2-3", "", "1--2" } do
    local ok, why = latency.parse(bad)
    T.eq(ok, nil, "'" .. bad .. "' refused")
    T.ok(why:find("'" .. bad .. "'", 1, true) and why:find("LOW%-HIGH"), "names the value and the form: " .. why)
  end
  local seen_lo, seen_hi, n = math.huge, -math.huge, 0
  local rng = 12345
  local function uniform() rng = (rng * 1103515245 + 12345) % 2147483648 return rng / 2147483648 end
  for _ = 1, 2000 do
    local d = latency.draw("1-3", uniform)
    seen_lo, seen_hi, n = math.min(seen_lo, d), math.max(seen_hi, d), n + d
  end
  T.ok(seen_lo >= 1 and seen_hi <= 3, "within 1-3")
  T.ok(seen_lo < 1.05 and seen_hi > 2.95, "covering it: " .. seen_lo .. " .. " .. seen_hi)
  T.between(n / 2000, 1.9, 2.1, "uniform: mean")
  T.raises(function() emulator.start { postgres = false, op_latency = "2-1" } end, "LOW%-HIGH")
end)

T.test("lakebase emulator --op-latency: a spread is taken, a bad one refused with exit 2 and nothing served", function()
  for _, bad in ipairs { "3-1", "x", "-2" } do
    local r = lb.exec { EXE, "emulator", "--no-postgres", "--op-latency", bad, timeout = 30 }
    T.eq(r.code, 2, "exit code for " .. bad)
    T.ok(r.stderr:find("option '--op-latency': '" .. bad .. "'", 1, true), r.stderr)
    T.ok(not r.stdout:find("listening"), "nothing served")
  end
end)

T.test("emulator spread: operations take varied durations within the range", function()
  local emu = emulator.start { postgres = false, token = "waits-pat-0123456789", op_latency = "0.2-0.6" }
  local stop <close> = setmetatable({}, { __close = function() emu:stop() end })
  local c = lb.client { host = emu.url, token = emu.token }
  local project = c:create_project("spread", {}):wait()
  local took = {}
  local fns = {}
  for i = 1, 20 do
    fns[i] = function()
      local t0 = lb.now()
      local op = project:create_branch("s" .. i, { no_expiry = true })
      while not op:done() do lb.sleep(0.01) end   -- polled finely here, to see each one's duration
      took[#took + 1] = lb.now() - t0
    end
  end
  lb.all(fns)
  table.sort(took)
  T.ok(took[1] >= 0.19, "none shorter than the low end: " .. took[1])
  T.ok(took[#took] - took[1] >= 0.1, "not all alike: " .. took[1] .. " .. " .. took[#took])
end)

-- N concurrent branch creations against an emulator whose operations take `lat`; returns
-- requests per operation (the create included) and the groups' durations.
local function fan(n, lat, name)
  local emu = emulator.start { postgres = false, token = "waits-pat-0123456789", op_latency = lat }
  local stop <close> = setmetatable({}, { __close = function() emu:stop() end })
  local c = lb.client { host = emu.url, token = emu.token }
  local project = c:create_project(name, {}):wait()
  local before = c.stats.requests
  local order = {}
  local fns = {}
  for i = 1, n do
    fns[i] = function()
      local op = project:create_branch("b" .. i, { no_expiry = true })
      op:wait()
      order[#order + 1] = c.stats.requests - before
    end
  end
  lb.all(fns)
  return (c.stats.requests - before) / n, order, emu.url
end

T.test("50 concurrent 1 s waits: at most 4 requests per operation (the fixed schedule took 9)", function()
  local per_op, order = fan(50, 1, "fifty")
  T.ok(per_op <= 4, "requests per operation: " .. per_op)
  -- Once the first is seen done, the others follow with about one poll each: the requests sent
  -- after the first completion are few per operation left.
  local after = order[#order] - order[1]
  T.ok(after <= 2 * 49, "requests after the first completion: " .. after)
end)

T.test("a lone wait with nothing learned costs what the fixed schedule did", function()
  local per_op = fan(1, 0.5, "lone")
  -- create, then polls at 0, 0.15, 0.30, 0.45, 0.60: 6 requests (a loaded machine may add one,
  -- or take fewer when its timers come late).
  T.between(per_op, 3, 7, "requests")
end)

-- `lakebase -e CODE BRANCH_ID` with the emulator as host and the cache at `file`; returns the
-- result. Each run gets its own branch ID from this counter (IDs from the child's time and
-- math.random collided under ASan: two runs in one second drew the same number).
local runs = 0
local function child_run(emu, file, code)
  runs = runs + 1
  return lb.exec { EXE, "-e", code, "w" .. runs, timeout = 60, env = { HOME = dir, PATH = os.getenv("PATH"),
    DATABRICKS_HOST = emu.url, DATABRICKS_TOKEN = emu.token, LAKEBASE_WAIT_CACHE = file } }
end

local ONE_WAIT = [[
local c = lakebase.default_client()
local p = c:get_project("shared")
local before = c.stats.requests
p:create_branch(arg[1], { no_expiry = true }):wait()
print("requests", c.stats.requests - before)
]]

T.test("wait cache: a later run starts from what an earlier one learned; the file is 0600", function()
  local emu = emulator.start { postgres = false, token = "waits-pat-0123456789", op_latency = 1.5 }
  local stop <close> = setmetatable({}, { __close = function() emu:stop() end })
  lb.client { host = emu.url, token = emu.token }:create_project("shared", {}):wait()
  local file = dir .. "/runs.json"
  local first = child_run(emu, file, ONE_WAIT)
  T.eq(first.code, 0, "first run: " .. first.stderr)
  T.ok(first.stdout:find("requests"), "first run printed: " .. first.stdout .. first.stderr)
  T.eq(core.file_mode(file), 6 * 64, "mode 0600")
  local data = lb.json.decode(io.open(file):read("a"))
  local key = emu.url .. " branch create"
  T.ok(data.version == 1 and data.groups[key], "the group is in the file")
  T.ok(data.groups[key].durations[1] >= 1.5, "with its duration: " .. tostring(data.groups[key].durations[1]))
  local second = child_run(emu, file, ONE_WAIT)
  T.eq(second.code, 0, "second run: " .. second.stderr)
  local cold = tonumber(first.stdout:match("requests%s+(%d+)"))
  local warm = tonumber(second.stdout:match("requests%s+(%d+)"))
  -- cold: at once, then every 0.15 s up to 1 s, then 15 % steps (11 polls); warm: insurance at
  -- 0.15, 0.3, 0.6 and 1.2 s, then at the duration learned (5 polls)
  T.ok(warm <= cold - 2, "fewer polls when informed: cold " .. cold .. ", warm " .. warm)
end)

T.test("wait cache: a corrupt file is ignored with a warning and rewritten; the wait succeeds", function()
  local emu = emulator.start { postgres = false, token = "waits-pat-0123456789", op_latency = 0.2 }
  local stop <close> = setmetatable({}, { __close = function() emu:stop() end })
  lb.client { host = emu.url, token = emu.token }:create_project("shared", {}):wait()
  for i, junk in ipairs { "{not json", '{"version": 7, "groups": {}}', '{"version": 1, "groups": {"k": {"durations": ["x", -1]}}}' } do
    local file = dir .. "/corrupt" .. i .. ".json"
    local f = assert(io.open(file, "wb"))
    f:write(junk)
    f:close()
    local r = child_run(emu, file, ONE_WAIT)
    T.eq(r.code, 0, "exit code: " .. r.stderr)
    if i < 3 then T.ok(r.stderr:find("warning: wait cache " .. file:gsub("%p", "%%%0"), 1), "warned: " .. r.stderr) end
    local data = lb.json.decode(io.open(file):read("a"))
    T.ok(type(data) == "table" and data.version == 1 and data.groups[emu.url .. " branch create"], "rewritten whole")
    T.eq(core.file_mode(file), 6 * 64, "mode 0600")
  end
  -- A cache that cannot be written (its directory is a file) warns and the wait still succeeds.
  local r = child_run(emu, dir .. "/runs.json/inside.json", ONE_WAIT)
  T.eq(r.code, 0, "exit code: " .. r.stderr)
  T.ok(r.stderr:find("warning: wait cache"), "warned: " .. r.stderr)
end)

T.test("wait cache: concurrent writers leave a whole file, and loopback hosts are not kept by default", function()
  local file = dir .. "/concurrent.json"
  local writer = [[
    local cache = require "lakebase.api.wait_cache"
    for i = 1, 40 do cache.save(arg[1], { [arg[2] ] = { i, i + 1 } }) end
  ]]
  local fns = {}
  for i = 1, 3 do
    fns[i] = function() return lb.exec { EXE, "-e", writer, file, "writer" .. i, timeout = 60, check = true } end
  end
  lb.all(fns)
  local data = lb.json.decode(io.open(file):read("a"))
  T.ok(type(data) == "table" and data.version == 1, "a whole file")
  local keys = 0
  for _ in pairs(data.groups) do keys = keys + 1 end
  T.ok(keys >= 1, "with groups")
  T.eq(core.file_mode(file), 6 * 64, "mode 0600")
  local left = lb.exec { "sh", "-c", "ls " .. dir .. " | grep -c tmp- || true" }.stdout:match("%d+")
  T.eq(left, "0", "no temporary files left")
  local env = function(vars) return function(k) return vars[k] end end
  T.eq(cache.path_for("http://127.0.0.1:4000", env { HOME = "/h" }), nil, "loopback: not kept")
  T.eq(cache.path_for("https://x.cloud.databricks.com", env { HOME = "/h" }), "/h/.lakebase/waits.json", "workspace")
  T.eq(cache.path_for("https://x.cloud.databricks.com", env { HOME = "/h", LAKEBASE_WAIT_CACHE = "off" }), nil, "off")
  T.eq(cache.path_for("http://127.0.0.1:4000", env { LAKEBASE_WAIT_CACHE = "/f" }), "/f", "named file: any host")
end)

T.run()
