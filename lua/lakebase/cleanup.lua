--- Cleanup that always happens. A workflow registers what it must undo, either as a resource made
-- ephemeral (`local br <close> = project:create_branch(...):wait():ephemeral()`: deleted, and the
-- deletion awaited, when the variable goes out of scope) or with `lakebase.defer(fn)`. Whatever is
-- still registered when the script ends — normally, with an error, or on SIGINT/SIGTERM — is run
-- by the host in reverse order before it exits. `--keep` (cleanup.keep) leaves ephemeral
-- resources in place and says so. If cleanups are abandoned (a second Ctrl-C, or the grace period
-- runs out), `left_behind()` lists what was not undone.
local log = require "lakebase.log"
local redact = require "lakebase.redact"

local M = { keep = false }
local entries = {}   -- in registration order; an entry: {label=, fn=, resource=, state=}

local function run_entry(e)
  if e.state ~= "pending" then return true end
  e.state = "running"
  local ok, err = pcall(e.fn)
  e.state = ok and "done" or "failed"
  if not ok then
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

--- Registers a resource to delete (awaiting the deletion) when its scope or the script ends.
function M.ephemeral(resource)
  for _, e in ipairs(entries) do
    if e.resource == resource and e.state == "pending" then return e end
  end
  local e = M.defer(function()
    if M.keep then
      io.stderr:write("lakebase: kept ", resource.name, " (--keep)\n")
      return
    end
    resource:delete():wait()
    if not log.quiet then io.stderr:write("lakebase: deleted ", resource.name, "\n") end
  end, resource.name)
  e.resource = resource
  return e
end

--- Runs the cleanup registered for `resource`, if any (its <close> handler). Raises its error.
function M.close(resource)
  for i = #entries, 1, -1 do
    local e = entries[i]
    if e.resource == resource then
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
