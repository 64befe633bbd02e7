-- The scheduler: concurrency is real, tasks join/cancel/fail as documented, and waits work
-- through pcall and through a user's own coroutine.wrap generators.
local T = require "testlib"
local lb = lakebase

T.test("50 tasks sleeping 1 s each finish together in about 1 s", function()
  local t0 = lb.now()
  local fns = {}
  for i = 1, 50 do fns[i] = function() lb.sleep(1) return i end end
  local results = { lb.all(fns) }
  local elapsed = lb.now() - t0
  T.eq(#results, 50, "result count")
  for i = 1, 50 do T.eq(results[i], i, "result " .. i) end
  T.between(elapsed, 1.0, 1.5, "elapsed seconds")
end)

T.test("sleeps wake in deadline order", function()
  local order = {}
  local tasks = {}
  for _, d in ipairs { 0.05, 0.01, 0.03, 0.02, 0.04 } do
    tasks[#tasks + 1] = lb.spawn(function() lb.sleep(d) order[#order + 1] = d end)
  end
  for _, t in ipairs(tasks) do t:join() end
  T.eq(table.concat(order, ","), "0.01,0.02,0.03,0.04,0.05", "wake order")
end)

T.test("a sleep never ends before its time, however short or odd", function()
  for _, s in ipairs { 0.0003, 0.0015, 0.0101, 0.05 } do
    local t0 = lb.now()
    lb.sleep(s)
    T.ok(lb.now() - t0 >= s, "slept at least " .. s .. " s, got " .. (lb.now() - t0))
  end
end)

T.test("spawn/join returns every result", function()
  local t = lb.spawn(function(a, b) lb.sleep(0.01) return a + b, "x", nil, 4 end, 2, 3)
  local a, b, c, d = t:join()
  T.eq(a, 5) T.eq(b, "x") T.eq(c, nil) T.eq(d, 4)
  T.eq(t.status, "done", "status")
  T.eq(select("#", t:join()), 4, "joining again gives the same results")
end)

T.test("join raises the task's error, which stays in the task until joined", function()
  local t = lb.spawn(function() lb.sleep(0.01) error("task broke") end)
  lb.sleep(0.05)  -- the task has failed by now, and we are still running
  T.eq(t.status, "failed", "status")
  T.raises(function() t:join() end, "task broke", "join")
  local e = { code = 42 }
  local t2 = lb.spawn(function() error(e) end)
  local ok, err = pcall(t2.join, t2)
  T.ok(not ok and err == e, "error objects come back as they were raised")
end)

T.test("all fails fast and cancels its siblings, whose cleanups finish first", function()
  local sibling_finished, cleaned = false, false
  local t0 = lb.now()
  local err = T.raises(function()
    lb.all {
      function() lb.sleep(0.05) error("first failure") end,
      function()
        local ok, e = pcall(lb.sleep, 10)
        if not ok then
          lb.sleep(0.02)  -- cleanup may itself wait
          cleaned = true
          error(e, 0)
        end
        sibling_finished = true
      end,
    }
  end, "first failure", "all")
  T.ok(cleaned, "the sibling's cleanup ran to the end before all raised")
  T.ok(not sibling_finished, "the sibling did not run to completion")
  T.between(lb.now() - t0, 0.05, 1, "fail-fast time")
  T.ok(tostring(err):find("first failure"), "the first error is raised")
end)

T.test("all returns first results in order and checks its argument", function()
  local a, b, c = lb.all { function() lb.sleep(0.03) return "a" end, function() return "b" end,
    function() lb.sleep(0.01) return "c" end }
  T.eq(a .. b .. c, "abc", "results in order")
  T.raises(function() lb.all { function() end, 42 } end, "element 2 is a number", "bad element")
  T.raises(function() lb.all(nil) end, "table of functions expected", "bad argument")
end)

T.test("cancel interrupts a wait with a cancelled error", function()
  local seen
  local t = lb.spawn(function()
    local ok, err = pcall(lb.sleep, 10)
    seen = err
    error(err, 0)
  end)
  lb.sleep(0.01)
  T.ok(t:cancel("test"), "cancel of a running task")
  local ok, err = pcall(t.join, t)
  T.ok(not ok, "join of a cancelled task raises")
  T.eq(err.kind, "cancelled", "kind")
  T.eq(seen.kind, "cancelled", "what the task saw")
  T.eq(t.status, "cancelled", "status")
  T.eq(t:cancel(), false, "cancelling a finished task")
end)

T.test("a task cancelled before it starts never runs", function()
  local ran = false
  local t = lb.spawn(function() ran = true end)
  t:cancel()
  T.raises(function() t:join() end, "cancelled", "join")
  T.ok(not ran, "did not run")
end)

T.test("timeout returns results in time and raises after the deadline", function()
  local x, y = lb.timeout(1, function(a) lb.sleep(0.01) return a, "y" end, "x")
  T.eq(x .. y, "xy", "results")
  local cleaned = false
  local t0 = lb.now()
  local err = T.raises(function()
    lb.timeout(0.1, function()
      local ok, e = pcall(lb.sleep, 10)
      cleaned = true
      error(e, 0)
    end)
  end, "timed out after 0.1s", "timeout")
  T.eq(err.kind, "timeout", "kind")
  T.ok(cleaned, "the timed-out function saw the cancellation")
  T.between(lb.now() - t0, 0.1, 0.5, "elapsed")
  T.raises(function() lb.timeout(0.5, function() error("inner") end) end, "inner", "errors pass through")
end)

T.test("a wait through pcall and xpcall works", function()
  local ok, v = pcall(function() lb.sleep(0.01) return "after" end)
  T.ok(ok and v == "after", "pcall")
  local ok2, v2 = xpcall(function() lb.sleep(0.01) error("late") end, function(e) return "handled: " .. e end)
  T.ok(not ok2 and v2:find("handled: .*late"), "xpcall handler")
end)

T.test("a coroutine.wrap generator may wait, nested two deep", function()
  local inner = coroutine.wrap(function()
    for i = 1, 3 do lb.sleep(0.01) coroutine.yield(i) end
  end)
  local outer = coroutine.wrap(function()
    while true do
      local v = inner()
      lb.sleep(0.001)
      coroutine.yield(v * 10)
      if v == 3 then return end
    end
  end)
  T.eq(outer(), 10) T.eq(outer(), 20) T.eq(outer(), 30)
  local co = coroutine.create(function(a) lb.sleep(0.01) local b = coroutine.yield(a + 1) return b * 2 end)
  local ok, v = coroutine.resume(co, 1)
  T.ok(ok and v == 2, "resume through a wait")
  ok, v = coroutine.resume(co, 21)
  T.ok(ok and v == 42 and coroutine.status(co) == "dead", "second resume")
  local gen = coroutine.wrap(function() lb.sleep(0.01) error("gen broke") end)
  T.raises(gen, "gen broke", "errors in a generator propagate")
end)

T.test("a generator waiting inside a cancelled task is cancelled too", function()
  local t = lb.spawn(function()
    local gen = coroutine.wrap(function() lb.sleep(10) coroutine.yield(1) end)
    return gen()
  end)
  lb.sleep(0.01)
  t:cancel()
  local ok, err = pcall(t.join, t)
  T.ok(not ok and err.kind == "cancelled", "cancelled through the generator")
end)

T.test("waiting outside a yieldable context says so", function()
  T.raises(function()
    table.sort({ 3, 1, 2 }, function(a, b) lb.sleep(0) return a < b end)
  end, "cannot wait here", "sleep inside table.sort")
end)

T.test("bad arguments are reported in Lua's wording", function()
  T.raises(function() lb.sleep("1") end, "bad argument #1 to 'sleep' %(number expected, got string%)")
  T.raises(function() lb.sleep(-1) end, "seconds must be 0 or more")
  T.raises(function() lb.spawn(42) end, "bad argument #1 to 'spawn' %(function expected, got number%)")
  T.raises(function() lb.timeout("x", print) end, "bad argument #1 to 'timeout'")
end)

T.test("events wake every waiter", function()
  local ev = lb.event()
  local woke = 0
  local ts = {}
  for i = 1, 5 do ts[i] = lb.spawn(function() ev:wait() woke = woke + 1 end) end
  lb.sleep(0.01)
  T.eq(woke, 0, "before fire")
  ev:fire()
  for _, t in ipairs(ts) do t:join() end
  T.eq(woke, 5, "after fire")
  ev:wait()  -- a fired event does not block
end)

T.test("many concurrent tasks stay cheap", function()
  local n = 2000
  local fns = {}
  for i = 1, n do fns[i] = function() lb.sleep(0.05) return i end end
  local t0 = lb.now()
  local r = { lb.all(fns) }
  T.eq(#r, n, "results")
  T.ok(lb.now() - t0 < 2, "2000 sleeping tasks finish within 2 s")
end)

T.run()
