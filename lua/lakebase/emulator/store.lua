--- The emulator's state: resources by name, operations by name, and counters, kept in memory and
-- written to DATA/state.json (atomically: a temporary file renamed over the old one) before any
-- change is answered, so that a restart on the same data directory loses nothing. Changes made
-- together share one write (group commit): writing the whole file once per change made creating
-- 1,000 branches take 87 s.
local json = require "lakebase.base.json"

local M = {}
M.__index = M

--- Opens the store in `dir` (nil: memory only), loading state.json when present.
function M.open(dir)
  local self = setmetatable({ dir = dir, resources = {}, operations = {}, seq = 0, tokens = {} }, M)
  if dir then
    local path = dir .. "/state.json"
    local f = io.open(path, "rb")
    if f then
      local text, rerr = f:read("a")
      f:close()
      local state, err = json.decode(text or "")
      if not text then err = tostring(rerr) end
      -- Anything but a state (another program's JSON) is refused, not taken as empty and overwritten.
      if state and (type(state) ~= "table" or #state > 0) then err = "not an emulator state (a JSON object)" end
      for _, k in ipairs { "resources", "operations", "tokens" } do
        if state and not err and state[k] ~= nil and type(state[k]) ~= "table" then err = "its " .. k .. " is not an object" end
      end
      if err then error("cannot read " .. path .. ": " .. err, 0) end
      self.resources = state.resources or {}
      self.operations = state.operations or {}
      self.seq = state.seq or 0
      self.tokens = state.tokens or {}
    end
  end
  self:reindex()
  return self
end

-- Children by parent and kind, with a sorted list kept until the group changes, so that listing
-- a page does not scan and sort every resource (10,000 branches list in well under a second).
function M:reindex()
  self.groups = {}
  for _, r in pairs(self.resources) do self:group_of(r).members[r.name] = r end
end

function M:group_of(r)
  local key = (r.parent or "") .. "|" .. r.kind
  local g = self.groups[key]
  if not g then
    g = { members = {} }
    self.groups[key] = g
  end
  return g
end

--- Records a change: returns once a write of state.json that includes it has finished, raising
-- that write's error. The changes other tasks make meanwhile go into the same write. Where it
-- cannot wait (outside a task), it writes at once. A no-op for a memory-only store.
function M:save()
  if not self.dir then return end
  local sched = require "lakebase.runtime.sched"
  if not sched.current() or not coroutine.isyieldable() then return self:flush() end
  local batch = self.batch
  if not batch then
    batch = sched.event()
    self.batch = batch
    sched.spawn(function()
      -- Let the tasks that are ready run first, so their changes join this write; write even
      -- when cancelled (the emulator stopping), so that no waiter is left without an answer.
      pcall(sched.sleep, 0)
      self.batch = nil
      batch.ok, batch.err = pcall(self.flush, self)
      batch:fire()
    end)
  end
  batch:wait()
  if not batch.ok then error(batch.err, 0) end
end

--- Writes the state file now (a no-op for a memory-only store).
function M:flush()
  if not self.dir then return end
  local text = json.encode { resources = self.resources, operations = self.operations, seq = self.seq,
    tokens = self.tokens }
  -- It holds database passwords: mode 0600. No fsync: it is rewritten after every change.
  local ok, err = require("lakebase.core").write_private(self.dir .. "/state.json", text, false)
  if not ok then error(err, 0) end
end

--- A new unique number, for uids and operation ids.
function M:next_seq()
  self.seq = self.seq + 1
  return self.seq
end

--- The names of the resources above `name`, outermost first ("projects/p", "projects/p/branches/b").
-- A singleton's name has one segment after its parent's (".../databases/d/data-api").
function M.ancestors(name)
  local out, segs = {}, {}
  for s in name:gmatch("[^/]+") do segs[#segs + 1] = s end
  for i = 2, #segs - 1, 2 do out[#out + 1] = table.concat(segs, "/", 1, i) end
  return out
end

--- The live resource called `name`: there, not soft-deleted, and neither is anything above it (a
-- deleted project's branches are gone with it). With `include_deleted`, whatever record there is.
function M:get(name, include_deleted)
  local r = self.resources[name]
  if not r then return nil end
  if include_deleted then return r end
  if r.delete_time then return nil end
  for _, a in ipairs(M.ancestors(name)) do
    local up = self.resources[a]
    if not up or up.delete_time then return nil end
  end
  return r
end

--- Like get, but when the resource is not live says which name is missing: the outermost of its
-- ancestors that is gone, or the resource itself. Returns rec, or nil and that name.
function M:find(name)
  for _, a in ipairs(M.ancestors(name)) do
    local up = self.resources[a]
    if not up or up.delete_time then return nil, a end
  end
  local r = self.resources[name]
  if not r or r.delete_time then return nil, name end
  return r
end

-- The group's members sorted by name, kept until the group changes.
local function sorted(g)
  if not g.sorted then
    g.sorted = {}
    for _, r in pairs(g.members) do g.sorted[#g.sorted + 1] = r end
    table.sort(g.sorted, function(a, b) return a.name < b.name end)
  end
  return g.sorted
end

--- Up to `n` resources of `kind` directly under `parent` (nil for top level) whose names sort
-- after `after` (nil: from the first), in name order; and whether more follow. A page costs a
-- binary search and the page itself, not a pass over every resource.
function M:page(parent, kind, include_deleted, after, n)
  local g = self.groups[(parent or "") .. "|" .. kind]
  if not g then return {}, false end
  local all = sorted(g)
  local lo, hi = 1, #all + 1  -- the first index whose name sorts after `after`
  if after then
    while lo < hi do
      local mid = (lo + hi) // 2
      if all[mid].name > after then hi = mid else lo = mid + 1 end
    end
  end
  local items = {}
  for i = lo, #all do
    local r = all[i]
    if include_deleted or not r.delete_time then
      if #items == n then return items, true end
      items[#items + 1] = r
    end
  end
  return items, false
end

--- Resources of `kind` directly under `parent` (nil for top level), sorted by name.
function M:children(parent, kind, include_deleted)
  return (self:page(parent, kind, include_deleted, nil, math.huge))
end

--- Every resource below `name` (children, grandchildren, ...).
function M:descendants(name)
  local out, prefix = {}, name .. "/"
  for n, r in pairs(self.resources) do
    if n:sub(1, #prefix) == prefix then out[#out + 1] = r end
  end
  table.sort(out, function(a, b) return #a.name > #b.name end)  -- deepest first
  return out
end

function M:put(r)
  local old = self.resources[r.name]
  if old and old ~= r then self:group_of(old).members[r.name] = nil self:group_of(old).sorted = nil end
  self.resources[r.name] = r
  local g = self:group_of(r)
  g.members[r.name] = r
  g.sorted = nil
end

function M:remove(name)
  local r = self.resources[name]
  if not r then return end
  self.resources[name] = nil
  local g = self:group_of(r)
  g.members[name] = nil
  g.sorted = nil
end

return M
