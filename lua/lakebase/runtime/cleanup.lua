--- Cleanup that always happens. A workflow registers what it must undo, either as a resource made
-- ephemeral (`local br <close> = project:create_branch(id, spec, { ephemeral = true }):wait()`, or
-- `resource:ephemeral()`: deleted, and the
-- deletion awaited, when the variable goes out of scope) or with `lakebase.defer(fn)`. Whatever is
-- still registered when the script ends — normally, with an error, or on SIGINT/SIGTERM — is run
-- by the host in reverse order before it exits. `--keep` (cleanup.keep) leaves ephemeral
-- resources in place and says so. If cleanups are abandoned (a second Ctrl-C, or the grace period
-- runs out), `left_behind()` lists what was not undone.
local log = require "lakebase.base.log"
local redact = require "lakebase.base.redact"
local errors = require "lakebase.base.errors"
local sched = require "lakebase.runtime.sched"
local core = require "lakebase.core"

local M = { keep = false }
local entries = {}   -- in registration order; an entry: {label=, fn=, resource=, state=}

local function run_entry(e)
  if e.state ~= "pending" then return true end
  e.state = "running"
  local ok, err = pcall(e.fn)
  e.state = ok and "done" or "failed"
  if ok then  -- forget it: a long-running process must not accumulate finished cleanups
    for i = #entries, 1, -1 do if entries[i] == e then table.remove(entries, i) break end end
  else
    e.err = err
    io.stderr:write("lakebase: cleanup of ", e.label, " failed: ", redact.text(tostring(err)), "\n")
  end
  return ok, err
end

--- Registers fn to run when the script ends (or earlier with entry:run()). Returns the entry.
function M.defer(fn, label)
  if type(fn) ~= "function" then error("bad argument #1 to 'defer' (function expected, got " .. type(fn) .. ")", 2) end
  local e = { label = label or "a deferred cleanup", fn = fn, state = "pending" }
  function e.run() return run_entry(e) end
  entries[#entries + 1] = e
  return e
end

-- Deletes `resource` and waits for the deletion. A deletion that fails (the operation failed, or
-- the resource is busy with another operation) is tried twice more; one already gone is done.
-- Deletes `resource` and waits for the deletion. A deletion whose operation failed is tried twice
-- more; one refused because the resource is busy (409, its creation still running) is tried again
-- for up to two minutes; one already gone is done.
local function delete_now(resource)
  local failures, busy_since = 0, nil
  while true do
    local ok, err = pcall(function() resource:delete():wait() end)
    if ok or (errors.is(err, "api") and err.status == 404) then return end
    local pause
    if errors.is(err, "api") and err.status == 409 then
      busy_since = busy_since or core.now()
      if core.now() - busy_since < 120 then pause = 1 end
    elseif errors.is(err, "operation") then
      failures = failures + 1
      if failures < 3 then pause = failures end
    end
    if not pause then error(err, 0) end
    log.debug("deleting %s failed (%s); trying again", resource.name, tostring(err))
    sched.sleep(pause)
  end
end

local function find(name)
  for _, e in ipairs(entries) do
    if e.name == name and e.state == "pending" then return e end
  end
end

-- An entry deleting the resource called `name`; get() gives the resource object.
local function delete_entry(name, get)
  return M.defer(function()
    if M.keep then
      io.stderr:write("lakebase: kept ", name, " (--keep)\n")
      return
    end
    delete_now(get())
    if not log.quiet then io.stderr:write("lakebase: deleted ", name, "\n") end
  end, name)
end

--- Registers a resource to delete (awaiting the deletion) when its scope or the script ends.
function M.ephemeral(resource)
  local e = find(resource.name)
  if not e then
    e = delete_entry(resource.name, function() return e.resource end)
    e.name = resource.name
  end
  e.resource = resource
  return e
end

--- Registers the resource called `name` for deletion before the request that creates it is sent,
-- so that a workflow cancelled at any point (even with the request in flight) deletes what it may
-- have made. `wrap(name)` makes a resource object from a name. The entry's `op` (set once the
-- creation has started) is waited for before deleting; `discard()` drops the entry when the
-- service refused the creation, so there is nothing to delete.
function M.ephemeral_creation(name, wrap)
  local e
  e = delete_entry(name, function()
    if e.resource then return e.resource end
    if e.op then pcall(e.op.wait, e.op) end  -- let the creation finish either way before deleting
    return e.resource or wrap(name)
  end)
  e.name = name
  function e.discard()
    if e.state ~= "pending" then return end
    e.state = "done"
    for i = #entries, 1, -1 do if entries[i] == e then table.remove(entries, i) break end end
  end
  return e
end

--- Runs the cleanup registered for `resource`, if any (its <close> handler). Raises its error.
function M.close(resource)
  for i = #entries, 1, -1 do
    local e = entries[i]
    if e.resource == resource or (e.name == resource.name and e.state == "pending") then
      local ok, err = run_entry(e)
      if not ok then error(err, 0) end
      return
    end
  end
end

--- Runs everything still pending, newest first. Returns the number that failed.
function M.run_all()
  local failed = 0
  for i = #entries, 1, -1 do
    if not run_entry(entries[i]) then failed = failed + 1 end
  end
  return failed
end

--- Labels of what was registered and not undone (pending, running or failed).
function M.left_behind()
  local out = {}
  for _, e in ipairs(entries) do
    if e.state ~= "done" and not (M.keep and e.resource) then out[#out + 1] = e.label end
  end
  return out
end

return M
