--- The scheduler: every script, REPL line and recipe runs as a task (a coroutine) on the host's
-- event loop. A task waits by yielding a private sentinel plus what it waits on: a C handle (timer,
-- HTTP transfer, descriptor) or an Event. The loop (core.poll) reports finished handles and this
-- module resumes their tasks; C never resumes a coroutine.
--
-- Cancellation is delivered as an error (kind "cancelled") raised by the wait the task is blocked
-- in, once; cleanup code (pcall handlers, `<close>` variables) may wait again afterwards.
local core = require "lakebase.core"
local errors = require "lakebase.base.errors"

local M = {}

local raw_create, raw_yield = coroutine.create, coroutine.yield

-- Every resume tells the host which coroutine runs, so that a signal can interrupt one busy in
-- code that never waits (src/linterrupt.c).
local plain_resume = coroutine.resume
local function left(...)
  core.running_leave()
  return ...
end
local function raw_resume(co, ...)
  if type(co) ~= "thread" then return plain_resume(co, ...) end
  core.running_enter(co)
  return left(plain_resume(co, ...))
end
local raw_status, raw_close, raw_running = coroutine.status, coroutine.close, coroutine.running
local pack, unpack = table.pack, table.unpack

local WAIT = setmetatable({}, { __name = "lakebase.wait" })   -- a task asks to wait
local RESUME_OK, RESUME_CANCEL = {}, {}                          -- how the scheduler resumes it

local current          -- the task running now
local queue = {}       -- ready tasks: a FIFO of {task, marker, payload}
local qhead, qtail = 1, 0
local by_handle = {}   -- C handle -> waiting task
local live = {}        -- unfinished tasks
local failed_tracebacks = setmetatable({}, { __mode = "k" })  -- error object -> traceback
local unjoined, failures = {}, 0  -- failed tasks nobody has joined yet -> order of failure

-----------------------------------------------------------------------------------------------
-- Events: something tasks wait for that Lua code (not the loop) makes happen.

local Event = {}
Event.__index = Event
Event.__name = "lakebase.Event"

--- A one-shot event: tasks that `wait` on it are resumed when it is `fire`d.
function M.event()
  return setmetatable({ fired = false, waiters = {} }, Event)
end

local function schedule(task, marker, payload)
  qtail = qtail + 1
  queue[qtail] = { task, marker, payload }
end

--- Resumes every waiting task; later waits return at once.
function Event:fire()
  if self.fired then return end
  self.fired = true
  local waiters = self.waiters
  self.waiters = {}
  for _, t in ipairs(waiters) do
    t.waiting_on = nil
    schedule(t, RESUME_OK)
  end
end

--- Yields until the event fires.
function Event:wait()
  if not self.fired then M.wait(self) end
end

function Event:_remove(task)
  for i, t in ipairs(self.waiters) do
    if t == task then table.remove(self.waiters, i) return end
  end
end

-----------------------------------------------------------------------------------------------
-- Waiting.

--- Yields the running task until `obj` (a core handle or an Event) completes. Returns the handle.
-- Raises the cancellation error when the task is cancelled while waiting.
function M.wait(obj)
  local task = current
  if task == nil then
    error("lakebase: cannot wait outside a lakebase task", 2)
  end
  if not coroutine.isyieldable() then
    error("lakebase: cannot wait here (inside a metamethod, iterator or C function that cannot yield)", 2)
  end
  if task.pending_cancel then
    local err = task.pending_cancel
    task.pending_cancel = nil
    if type(obj) == "userdata" then obj:cancel() end
    error(err, 0)
  end
  if type(obj) == "userdata" then
    local state = obj:state()
    if state == "done" then return obj end
    if state ~= "pending" and state ~= "ready" then
      error("lakebase: cannot wait on a " .. state .. " handle", 2)
    end
  end
  local marker, payload = raw_yield(WAIT, obj)
  if marker == RESUME_CANCEL then error(payload, 0) end
  return payload
end

--- Waits `seconds` (a number ≥ 0) on the event loop.
function M.sleep(seconds)
  if type(seconds) ~= "number" then
    error("bad argument #1 to 'sleep' (number expected, got " .. type(seconds) .. ")", 2)
  end
  if seconds < 0 or seconds ~= seconds then
    error("bad argument #1 to 'sleep' (seconds must be 0 or more, got " .. tostring(seconds) .. ")", 2)
  end
  M.wait(core.timer(seconds))
end

-----------------------------------------------------------------------------------------------
-- Tasks.

local Task = {}
Task.__index = Task
Task.__name = "lakebase.Task"

function Task:__tostring()
  return "lakebase.Task(" .. (self.name or "task") .. ", " .. self.status .. ")"
end

local function finish(task, status)
  task.status = status
  live[task] = nil
  if status == "failed" and not task.joined then
    failures = failures + 1
    unjoined[task] = failures
  end
  task.done_event:fire()
  for _, cb in ipairs(task.on_finish) do cb(task) end
end

--- An error value as text: strings and numbers as they are, objects through their __tostring
-- (lakebase.Error's included), others by their type.
function M.message_of(err)
  if type(err) == "string" or type(err) == "number" then return tostring(err) end
  local mt = getmetatable(err)
  if type(mt) == "table" and mt.__tostring then
    local ok, text = pcall(tostring, err)
    if ok and type(text) == "string" then return text end
  end
  return "(error object is a " .. type(err) .. " value)"
end

-- A task's outcome has been seen (joined, or taken by lakebase.all): its failure is someone's.
local function observed(task)
  task.joined = true
  unjoined[task] = nil
end

local function traceback_of(err)
  local tb = debug.traceback(M.message_of(err), 3)
  -- Cut the scheduler's own frames: everything from the task's xpcall down.
  local cut = tb:find("\n%s*%[C%]: in function 'xpcall'")
  return cut and tb:sub(1, cut - 1) or tb
end

local function task_body(task, fn, args)
  return function(marker, payload)
    if marker == RESUME_CANCEL then  -- cancelled before it ever ran
      task.error = payload
      return "cancelled"
    end
    local res = pack(xpcall(fn, function(err)
      if not errors.is(err, "cancelled") then
        task.traceback = traceback_of(err)
        if type(err) == "table" then failed_tracebacks[err] = task.traceback end
      end
      return err
    end, unpack(args, 1, args.n)))
    if res[1] then
      task.results = pack(unpack(res, 2, res.n))
      return "done"
    end
    task.error = res[2]
    return errors.is(res[2], "cancelled") and "cancelled" or "failed"
  end
end

--- Starts `fn(...)` as a new task and returns it at once; it runs when the current task waits.
-- @return lakebase.Task with :join(), :cancel(), .status ("ready", "running", "waiting", "done",
--   "failed", "cancelled")
function M.spawn(fn, ...)
  if type(fn) ~= "function" and not (getmetatable(fn) or {}).__call then
    error("bad argument #1 to 'spawn' (function expected, got " .. type(fn) .. ")", 2)
  end
  local task = setmetatable({ status = "ready", done_event = M.event(), on_finish = {} }, Task)
  task.co = raw_create(task_body(task, fn, pack(...)))
  live[task] = true
  schedule(task, RESUME_OK)
  return task
end

--- The running task, or nil outside tasks.
function M.current()
  return current
end

--- True once the task has finished (done, failed or cancelled).
function Task:finished()
  return self.status == "done" or self.status == "failed" or self.status == "cancelled"
end

--- Waits for the task; returns its results, or raises its error.
function Task:join()
  if not self:finished() then self.done_event:wait() end
  observed(self)
  if self.status == "done" then return unpack(self.results, 1, self.results.n) end
  error(self.error, 0)
end

--- Asks the task to stop: its current (or next) wait raises a "cancelled" error. Returns false when
-- the task had already finished.
function Task:cancel(reason)
  if self:finished() then return false end
  local err = type(reason) == "table" and reason or errors.cancelled(reason)
  local w = self.waiting_on
  if w ~= nil then
    self.waiting_on = nil
    if type(w) == "userdata" then
      w:cancel()
      by_handle[w] = nil
    else
      w:_remove(self)
    end
    self.status = "ready"
    schedule(self, RESUME_CANCEL, err)
  elseif self.status == "ready" and not self.started then
    schedule(self, RESUME_CANCEL, err)
    self.cancel_queued = true
  else
    self.pending_cancel = err  -- running, or already queued to resume: raised at its next wait
  end
  return true
end

local function step(task, marker, payload)
  if task:finished() then return end
  if task.cancel_queued and marker == RESUME_OK then return end  -- superseded by the cancel
  task.started = true
  task.status = "running"
  local prev = current
  current = task
  local ok, a, b = raw_resume(task.co, marker, payload)
  current = prev
  if not ok then  -- only errors in error handling get here
    task.error = a
    task.traceback = task.traceback or debug.traceback(task.co, tostring(a))
    finish(task, "failed")
  elseif raw_status(task.co) == "dead" then
    finish(task, a)
  elseif a == WAIT then
    task.status = "waiting"
    task.waiting_on = b
    if type(b) == "userdata" then
      by_handle[b] = task
    else
      b.waiters[#b.waiters + 1] = task
    end
  else
    raw_close(task.co)
    task.error = "coroutine.yield called outside a coroutine (use lakebase.sleep or another lakebase wait)"
    finish(task, "failed")
  end
end

--- Waits for every task in the list: returns their first results in order, or, at the first failure,
-- cancels the rest, waits for their cleanups and raises that failure.
local function join_all(tasks)
  local n = #tasks
  local remaining, first_failed = n, nil
  local ev = M.event()
  for _, t in ipairs(tasks) do
    local function done(task)
      remaining = remaining - 1
      if task.status ~= "done" and not first_failed then first_failed = task end
      if remaining == 0 or first_failed then ev:fire() end
    end
    if t:finished() then done(t) else t.on_finish[#t.on_finish + 1] = done end
  end
  local ok, err = pcall(Event.wait, ev)
  if ok and not first_failed then
    local out = {}
    for i, t in ipairs(tasks) do out[i] = t.results[1]; observed(t) end
    return unpack(out, 1, n)
  end
  for _, t in ipairs(tasks) do t:cancel(first_failed and "a sibling task failed" or nil) end
  for _, t in ipairs(tasks) do
    if not t:finished() then pcall(Event.wait, t.done_event) end
    observed(t)
  end
  if not ok then error(err, 0) end
  error(first_failed.error, 0)
end

--- Runs every function in `fns` concurrently and returns their first results in order. Fails fast:
-- the first error cancels the others (their cleanups finish) and is raised.
function M.all(fns)
  if type(fns) ~= "table" then
    error("bad argument #1 to 'all' (table of functions expected, got " .. type(fns) .. ")", 2)
  end
  for i, fn in ipairs(fns) do
    if type(fn) ~= "function" then
      error("bad argument #1 to 'all' (element " .. i .. " is a " .. type(fn) .. ", not a function)", 2)
    end
  end
  local tasks = {}
  for i, fn in ipairs(fns) do tasks[i] = M.spawn(fn) end
  return join_all(tasks)
end

--- Runs `fn(...)` and returns its results, or raises a "timeout" error after `seconds`, once the
-- function has been cancelled and its cleanups have run.
function M.timeout(seconds, fn, ...)
  if type(seconds) ~= "number" or seconds < 0 or seconds ~= seconds then
    error("bad argument #1 to 'timeout' (seconds expected, got " .. tostring(seconds) .. ")", 2)
  end
  if type(fn) ~= "function" then
    error("bad argument #2 to 'timeout' (function expected, got " .. type(fn) .. ")", 2)
  end
  local task = M.spawn(fn, ...)
  local expired = false
  local watchdog = M.spawn(function()
    M.sleep(seconds)
    expired = true
    task:cancel("timed out")
  end)
  watchdog.name = "timeout watchdog"
  local res = pack(pcall(Task.join, task))
  watchdog:cancel()
  if res[1] then return unpack(res, 2, res.n) end
  if not task:finished() then  -- we were cancelled ourselves: stop the work too
    task:cancel()
    pcall(Event.wait, task.done_event)
    error(res[2], 0)
  end
  if expired and task.status == "cancelled" then
    error(errors.new { kind = "timeout", message = string.format("timed out after %gs", seconds) }, 2)
  end
  error(res[2], 0)
end

-----------------------------------------------------------------------------------------------
-- Nested coroutines: a user's own coroutine (a coroutine.wrap generator, say) that calls a
-- lakebase wait yields the sentinel to its resumer. These replacements pass such yields outward
-- to the scheduler and hand the answer back in, so waiting works at any depth.

local function pass_outward(co, ok, a, ...)
  if ok and a == WAIT and raw_status(co) == "suspended" then
    local marker, payload = raw_yield(WAIT, (...))
    return pass_outward(co, raw_resume(co, marker, payload))
  end
  return ok, a, ...
end

local function resume(co, ...)
  return pass_outward(co, raw_resume(co, ...))
end

local function wrap_results(co, ok, ...)
  if ok then return ... end
  local err = ...
  raw_close(co)
  error(err, 0)
end

local function wrap(fn)
  local co = raw_create(fn)
  return function(...) return wrap_results(co, resume(co, ...)) end
end

coroutine.resume = resume
coroutine.wrap = wrap

-----------------------------------------------------------------------------------------------
-- The loop.

local function drain()
  while qhead <= qtail do
    local item = queue[qhead]
    queue[qhead] = nil
    qhead = qhead + 1
    step(item[1], item[2], item[3])
  end
  qhead, qtail = 1, 0
end

--- Turns of the loop until `until_fn()` is true. Returns nil, or the signal name ("SIGINT",
-- "SIGTERM") when one arrives, or "idle" when nothing can ever make progress.
local grace_deadline  -- after a signal: when cleanups are given up on (core.now() seconds)

local function turn(until_fn)
  while true do
    drain()
    if until_fn() then return nil end
    if grace_deadline and core.now() >= grace_deadline then return "grace" end
    local finished, signal, idle = core.poll(grace_deadline and math.max(0, grace_deadline - core.now()) or nil)
    for i = 1, #finished do
      local h = finished[i]
      local task = by_handle[h]
      if task then
        by_handle[h] = nil
        task.waiting_on = nil
        schedule(task, RESUME_OK, h)
      end
    end
    if signal then return signal end
    if idle and qhead > qtail then return "idle" end
  end
end

--- Cancels every unfinished task.
function M.cancel_all(reason)
  for t in pairs(live) do t:cancel(reason) end
end

--- Single-flight: returns run(key, fn). While fn runs for a key, other callers with that key wait
-- for it and get its results, or its error, instead of running fn again.
function M.single_flight()
  local pending = {}
  return function(key, fn)
    local ev = pending[key]
    if ev then
      ev:wait()
      if not ev.ok then error(ev.err, 0) end
      return table.unpack(ev.res, 1, ev.res.n)
    end
    ev = M.event()
    pending[key] = ev
    local res = table.pack(pcall(fn))
    pending[key] = nil
    ev.ok, ev.err, ev.res = res[1], res[2], table.pack(table.unpack(res, 2, res.n))
    ev:fire()
    if not ev.ok then error(ev.err, 0) end
    return table.unpack(ev.res, 1, ev.res.n)
  end
end

--- Seconds cleanups get after SIGINT/SIGTERM before the host gives up on them
-- (LAKEBASE_CLEANUP_GRACE, default 300).
M.cleanup_grace = 300
do
  local text = os.getenv("LAKEBASE_CLEANUP_GRACE")
  if text and text ~= "" then
    local n = tonumber(text)
    if n and n >= 0 and n < math.huge then
      M.cleanup_grace = n
    else  -- the command line refuses to start with it (cli.lua), rather than guess
      M.cleanup_grace_problem = "LAKEBASE_CLEANUP_GRACE is '" .. text .. "': expected a number of seconds, 0 or more"
    end
  end
end

--- Runs `fn(...)` as the main task and drives the loop until it finishes, then cancels what is left
-- and lets those cleanups run. Returns the main task, the signal that interrupted it if any, and
-- true when cleanups were abandoned (a second signal, or the grace period ran out).
function M.run(fn, ...)
  if current then error("lakebase: the scheduler is already running", 2) end
  local main = M.spawn(fn, ...)
  main.name = "main"
  main.joined = true  -- its outcome is the run's: the caller reports it
  local interrupted
  local function main_done() return main:finished() end
  local function all_done() return next(live) == nil end
  for _, until_fn in ipairs { main_done, all_done } do
    while true do
      local why = turn(until_fn)
      if why == nil then break end
      if why == "idle" then
        M.cancel_all(errors.new { kind = "deadlock",
          message = "deadlock: every task is waiting for another task and nothing else is pending" })
      elseif why ~= "grace" and not interrupted and M.on_signal and M.on_signal(why) then
        -- handled (the REPL cancels the running line instead of the session)
      elseif why == "grace" or interrupted then
        grace_deadline = nil
        return main, interrupted, true  -- a second signal or no time left: give up on cleanups
      else
        interrupted = why
        grace_deadline = core.now() + M.cleanup_grace
        M.cancel_all("interrupted by " .. why)
      end
    end
    if until_fn == main_done then M.cancel_all("the main task finished") end
  end
  grace_deadline = nil
  if not interrupted then
    -- A signal that ended a task busy in code that never waits (src/linterrupt.c) is still unread.
    local _, sig = core.poll(0)
    interrupted = sig
  end
  return main, interrupted
end

--- The tasks that failed with nobody joining them, in the order they failed (forgotten once
-- returned): a background task's error that would otherwise be lost.
function M.unjoined_failures()
  local out = {}
  for task in pairs(unjoined) do out[#out + 1] = task end
  table.sort(out, function(a, b) return unjoined[a] < unjoined[b] end)
  unjoined = {}
  return out
end

--- The traceback recorded when `err` was raised in a task, if any.
function M.traceback_of(err)
  return failed_tracebacks[err]
end

--- Tasks not yet finished, for diagnostics.
function M.live_count()
  local n = 0
  for _ in pairs(live) do n = n + 1 end
  return n
end

return M
