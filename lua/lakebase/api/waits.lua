--- The process's learned poll schedule (lakebase.api.wait_learner) on the event loop: one set of
-- groups for every client of the process, seeded from the wait cache (lakebase.api.wait_cache),
-- and `poll` to wait for one operation with it.
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local learner = require "lakebase.api.wait_learner"
local cache = require "lakebase.api.wait_cache"

local M = {}

M.learned = learner.new()
local loaded = {}    -- cache path -> its groups, read once per process
M.getenv = os.getenv -- tests point the cache elsewhere through this

--- The group of `kind`/`verb` operations on `host`, seeded from the cache file on first use.
function M.group(host, kind, verb)
  local path = cache.path_for(host, M.getenv)
  local key = table.concat({ host, kind or "?", verb or "?" }, " ")
  local seed
  if path and not M.learned.groups[key] then
    loaded[path] = loaded[path] or cache.load(path)
    seed = (loaded[path][key] or {}).durations
  end
  local g = learner.group(M.learned, host, kind, verb, seed)
  g.cache_path = path
  return g
end

-- Sleeps until absolute time `at`, or until what the group learns brings waiter `w`'s next poll
-- forward (only then: a batch of operations finishing one after another does not wake every
-- pending wait each time).
local function nap(group, w, at)
  local left = at - core.now()
  if left <= 0 then return end
  local wake = sched.event()
  local unlisten = group:listen(function()
    if group:next(w, core.now()) < at then wake:fire() end
  end)
  local alarm = sched.spawn(function() sched.sleep(left) wake:fire() end)
  local ok, err = pcall(wake.wait, wake)
  unlisten()
  alarm:cancel()
  if not ok then error(err, 0) end
end

-- At most IN_FLIGHT polls of a group at once, so that a batch of thousands of operations does not
-- open thousands of connections at the moment the first teaches the rest. (A limit of 8, meant to
-- let the first answers decide whether durations are doubted, saved no requests with 1-3 s
-- operations and did not measurably change the wall time with 1 s ones.)
M.IN_FLIGHT = 64

local release
local function acquire(group)
  group.in_flight = group.in_flight or 0
  if group.in_flight < M.IN_FLIGHT then group.in_flight = group.in_flight + 1 return end
  group.queue = group.queue or {}
  local turn = sched.event()
  table.insert(group.queue, turn)
  local ok, err = pcall(turn.wait, turn)
  if ok then return end  -- the slot was handed over
  for i, t in ipairs(group.queue) do
    if t == turn then table.remove(group.queue, i) break end
  end
  if turn.fired then release(group) end
  error(err, 0)
end

function release(group)
  local q = group.queue
  if q and #q > 0 then table.remove(q, 1):fire() else group.in_flight = group.in_flight - 1 end
end

-- Writes the group to the cache once its last pending wait has finished (one write per batch),
-- or when it has not been written for a while.
local function remember(group)
  if not group.cache_path or not group.changed then return end
  local now = core.now()
  if group.pending > 0 and now - (group.saved_at or 0) < 5 then return end
  group.changed, group.saved_at = false, now
  cache.save(group.cache_path, { [group.key] = group:summary(cache.MAX_DURATIONS) })
end

--- Polls with `poll()` (returns true once done) on the group's schedule until done, for an
-- operation started at `started`; raises what `expired()` gives when the absolute time `deadline`
-- passes first.
function M.poll(group, started, deadline, poll, expired)
  local w = group:begin(started)
  local ok, err = pcall(function()
    while true do
      local at = group:next(w, core.now())
      while at > core.now() do
        nap(group, w, math.min(at, deadline))
        if core.now() >= deadline then error(expired(), 0) end
        at = group:next(w, core.now())
      end
      acquire(group)
      -- While queued, what came back may have moved this poll.
      if group:next(w, core.now()) > core.now() then
        release(group)
        goto continue
      end
      do
        local pok, done = pcall(poll)
        release(group)
        if not pok then error(done, 0) end
        group:polled(w, core.now(), done)
        if done then return end
      end
      if core.now() >= deadline then error(expired(), 0) end
      ::continue::
    end
  end)
  group:abandon(w)
  if ok then pcall(remember, group) end
  if not ok then error(err, 0) end
end

return M
