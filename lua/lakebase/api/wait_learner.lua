--- When to poll an operation, learned from the operations this process has waited for. Operations
-- are grouped by kind of work (host, resource kind, verb): a branch creation on one workspace takes
-- about as long as the last ones did. Each group keeps the durations it has seen (an operation's
-- duration is when it was seen done, counted from when it was started), and every wait in the group
-- asks it when to poll next:
-- - durations known, some of them beyond this operation's last "not done": poll at the middle one
--   of those, so that a run of equal operations is seen done one poll after it finishes;
-- - otherwise (nothing known, or the operation has outlasted all of them) back off as the fixed
--   schedule always did: 15 % of the time so far (at least 0.15 s, at most 10 s); while the
--   operation has run less than twice the longest duration seen the step is finer (4 %, at least
--   0.05 s), as it is likely to end soon;
-- - before a target, insurance polls at doubling times (from 0.15 s) catch an operation much
--   shorter than those seen; once most polls aimed at targets have missed, targets are doubted
--   and the waits back off (the first of many concurrent operations to finish can be the
--   shortest) until the group has no wait pending;
-- - the waits of a group back off together: with more than SCOUTS of them pending, each one's step
--   grows so that the group as a whole polls SCOUTS times per step (each at its own phase), and
--   the first of them to see one done teaches the rest, which are woken and poll then;
-- - a lone wait with nothing known polls at once and then exactly as the fixed schedule did.
-- This module is pure (time and randomness come in); lakebase.api.operation does the sleeping.
local M = {}

M.MIN, M.RATIO, M.CAP = 0.15, 0.15, 10   -- the fixed schedule: nothing learned
M.FINE_MIN, M.FINE_RATIO = 0.05, 0.04      -- past every duration seen: it should end soon
M.SCOUTS = 8                               -- polls per step a pending group makes as a whole
M.KEEP = 64                                -- durations kept per group (the most recent)
M.GAP, M.GAP_RATIO = 0.02, 0.02            -- a target this close after the last poll is passed
M.INSURE = 1.0                             -- before a target: polls at doubling times
M.MISSES = 3                               -- aimed polls that missed before targets are doubted

-- Priors: durations the service's operations typically take, used until one is seen [?: not
-- published; branch and endpoint work takes seconds, roles and databases well under one]. They
-- only stagger the first polls of many concurrent waits; a lone wait still polls at once.
M.PRIORS = { project = 2, branch = 1, endpoint = 1, snapshot = 2 }
M.DEFAULT_PRIOR = 0.5

local Group = {}
Group.__index = Group

--- A set of groups. opts.random: a function returning a number in [0, 1) (default math.random).
function M.new(opts)
  opts = opts or {}
  return { groups = {}, random = opts.random or math.random }
end

--- The group of operations of `kind` and `verb` on `host`; created empty (or from `seed`, a list of
-- durations from the cache) on first use.
function M.group(self, host, kind, verb, seed)
  local key = table.concat({ host, kind or "?", verb or "?" }, " ")
  local g = self.groups[key]
  if not g then
    g = setmetatable({ key = key, kind = kind, durations = {}, pending = 0, listeners = {},
      random = self.random, prior = M.PRIORS[kind] or M.DEFAULT_PRIOR, changed = false, hits = 0, misses = 0 },
      Group)
    for _, d in ipairs(seed or {}) do
      if type(d) == "number" and d >= 0 and d < 86400 then g.durations[#g.durations + 1] = d end
    end
    self.groups[key] = g
  end
  return g
end

--- Starts a wait at time `now` (the operation was started then). Returns the waiter.
function Group:begin(now)
  self.pending = self.pending + 1
  self.begun = (self.begun or 0) + 1
  -- Phases spread evenly (the golden ratio's multiples), not at random: random phases leave gaps
  -- in which nobody polls.
  return { start = now, polls = 0, last = nil, phase = (self.begun * 0.6180339887) % 1 }
end

--- Ends a wait that will not poll again (failed, timed out, cancelled) without learning from it.
function Group:abandon(w)
  if w.ended then return end
  self:finish(w)
end

-- A wait leaves the group. Once none is pending, doubt is forgotten: the next batch aims at the
-- durations seen again.
function Group:finish(w)
  w.ended = true
  self.pending = self.pending - 1
  if self.pending == 0 then self.hits, self.misses = 0, 0 end
end

-- The group's durations in ascending order (kept until the next one is learned).
function Group:sorted()
  if not self.ordered then
    self.ordered = table.move(self.durations, 1, #self.durations, 1, {})
    table.sort(self.ordered)
  end
  return self.ordered
end

-- The duration to poll at for an operation last seen not done at elapsed `lo` (nil: never polled):
-- the middle of the known durations beyond lo (plus a small gap), or nil when there are none.
function Group:target(lo)
  local floor = lo and (lo + math.max(M.GAP, lo * M.GAP_RATIO)) or -1
  local s = self:sorted()
  local first = #s + 1
  for i = 1, #s do
    if s[i] > floor then first = i break end
  end
  if first > #s then return nil end
  return s[(first + #s) // 2]
end

-- How many times longer each wait's steps are, so that the group polls SCOUTS times per step.
function Group:dilution()
  return math.max(1, self.pending / M.SCOUTS)
end

-- The backoff step at elapsed `e`, spread over the group's pending waits.
function Group:step(e)
  local step
  local s = self:sorted()
  -- Fine steps only while the operation may still end about when those seen did: one that has
  -- run twice as long as any of them is backed off from as if nothing were known.
  if #s == 0 or e > 2 * s[#s] then
    step = math.max(M.MIN, math.min(M.CAP, e * M.RATIO))
  else
    step = math.max(M.FINE_MIN, math.min(M.CAP, e * M.FINE_RATIO))
  end
  return step * self:dilution()
end

--- Whether polls aimed at the durations seen find operations done: not when most of them have
-- missed (the durations vary more than those seen so far tell, as when the first of many
-- concurrent operations has just finished), so that the rest back off instead of all polling in
-- vain at once.
function Group:reliable()
  return self.misses < M.MISSES or self.misses <= 2 * self.hits
end

--- When (absolute time) waiter `w` should poll next, asked at time `now`: after a poll, and
-- again whenever the group learns something (see listen). Until an aimed-at duration, an
-- operation much shorter than those seen is still caught by insurance polls (doubling times).
function Group:next(w, now)
  local e = now - w.start
  local t = self:target(w.last)
  w.aimed = false
  if t and self:reliable() then
    w.insure_at = w.insure_at or (now + math.max(M.MIN, math.min(M.CAP, e * M.INSURE)) * self:dilution())
    if w.start + t <= w.insure_at then
      w.aimed = true
      return w.start + t
    end
    return w.insure_at
  end
  -- Backing off: the step is worked out again each time, as it shrinks when the group learns a
  -- duration (finer steps) and as its pending waits finish (less dilution).
  if w.polls == 0 then
    if self.pending <= 1 and not w.phased then return now end   -- lone: at once, as always
    -- One of many, nothing known: an evenly spread phase within the first step, so that the
    -- group's polls are spread out; not before a tenth of the prior.
    w.phased = true
    return w.start + math.max(self.prior / 10, self:step(0) * w.phase)
  end
  local at = w.polled_at + self:step(w.last) * w.jitter
  if at < now and w.planned > now then
    -- What the group learned since this wait's last poll has made it overdue: spread the overdue
    -- waits over one step from now rather than have them all poll at once.
    w.rephased = math.min(w.rephased or math.huge, now + self:step(now - w.start) * w.phase)
    at = w.rephased
  end
  return at
end

--- Records a poll of `w` at time `now`: done or not. A done operation adds its duration and tells
-- the listeners (returns true when it did).
function Group:polled(w, now, done)
  w.polls = w.polls + 1
  w.polled_at, w.jitter, w.insure_at, w.rephased = now, 0.9 + 0.2 * self.random(), nil, nil
  if w.aimed then
    if done then self.hits = self.hits + 1 else self.misses = self.misses + 1 end
  end
  local e = now - w.start
  if not done then
    w.last = e
    w.planned = now + self:step(e) * w.jitter   -- when it would poll, were nothing learned meanwhile
    return false
  end
  if not w.ended then self:finish(w) end
  local d = self.durations
  d[#d + 1] = e
  if #d > M.KEEP then table.remove(d, 1) end
  self.changed, self.ordered = true, nil
  for fn in pairs(self.listeners) do fn() end
  return true
end

--- Calls `fn` whenever the group learns a duration, until the returned function is called.
function Group:listen(fn)
  self.listeners[fn] = true
  return function() self.listeners[fn] = nil end
end

--- Up to `n` durations summing up what the group knows (evenly spaced quantiles), for the cache.
function Group:summary(n)
  local s = self:sorted()
  if #s <= n then return table.move(s, 1, #s, 1, {}) end
  local out = {}
  for i = 1, n do out[i] = s[math.max(1, math.floor(i * #s / n + 0.5))] end
  return out
end

return M
