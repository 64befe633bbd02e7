--- Long-running operations. `op:wait{timeout=}` yields until the operation is done and returns the
-- resulting resource object (nil for deletes), or raises a lakebase.Error (kind "operation") naming
-- the operation and its error, or kind "timeout". `op:done()` polls once.
local sched = require "lakebase.runtime.sched"
local core = require "lakebase.core"
local errors = require "lakebase.base.errors"
local waits = require "lakebase.api.waits"
local progress = require "lakebase.runtime.progress"
local shape = require "lakebase.api.shape"

local M = {}

local Operation = {}
Operation.__index = Operation
Operation.__name = "lakebase.Operation"

function Operation:__tostring()
  return "lakebase.Operation(" .. tostring(self.name) .. (self.done_ and ", done" or "") .. ")"
end

--- Wraps an Operation body from the API. `kind` is the resource kind it yields; `verb` the work
-- ("create", "update", "delete", "undelete"; "unknown" for one picked up by name) that its wait
-- learns durations of, counted from now (the answer that started it has just come).
function M.new(client, body, kind, resource_name, verb)
  return setmetatable({ client = client, name = body.name, raw = body, kind = kind, resource_name = resource_name,
    done_ = body.done == true, verb = verb or "unknown", started = core.now() }, Operation)
end

--- A finished operation standing for work found already done (a create retried after its answer
-- was lost, a delete of something already gone).
function M.settled(client, resource, kind, name)
  local initializing = resource and type(resource.status) == "table" and resource.status.current_state == "INIT"
  return setmetatable({ client = client, name = name or (resource and resource.name), kind = kind,
    done_ = not initializing, poll_resource = initializing, resource = resource, raw = { done = true },
    verb = "settle", started = core.now() }, Operation)
end

local function result(self)
  local raw = self.raw
  if raw.error then
    -- The service's operation error is {error_code, message, details}; older google.rpc.Status
    -- style answers ({code, message}) are read too.
    local e = raw.error
    local code = type(e.error_code) == "string" and e.error_code or nil
    error(errors.new { kind = "operation", operation = self.name, error_code = code,
      code = code or e.code,
      message = "operation " .. tostring(self.name) .. " failed: " .. (code and ("[" .. code .. "] ") or "") ..
        tostring(e.message) }, 0)
  end
  if self.creates and self.resource_name then self.client:note_created(self.resource_name) end
  if self.resource then return self.resource end
  local resp = raw.response
  if type(resp) == "table" and type(resp.name) == "string" then
    self.resource = self.client:wrap(self.kind, resp)
    return self.resource
  end
  return nil
end

--- Polls once. Returns true when the operation has finished.
function Operation:done()
  if self.done_ then return true end
  if self.poll_resource then  -- a settled create: done when the resource has left INIT
    self.resource:refresh()
    self.done_ = self.resource.status.current_state ~= "INIT"
    return self.done_
  end
  if type(self.name) ~= "string" then  -- an answer without a name cannot be polled
    error(errors.new { kind = "api", retryable = false,
      message = "the API returned an unfinished operation without a name, so it cannot be waited for" }, 0)
  end
  self.raw = shape.operation(self.client:request("GET", self.name), "GET", self.name)
  self.done_ = self.raw.done == true
  return self.done_
end

-- Polls until done (or opts.timeout), then gives the result: when to poll is learned from the
-- operations of the same kind this process has waited for (lakebase.api.waits).
local function wait_done(self, opts)
  if self.done_ then return result(self) end
  local timeout = opts.timeout or 1200
  local finish = progress.begin(self.name or "operation")
  local group = waits.group(self.client.host, self.kind, self.verb)
  -- The timeout counts from the call to wait, the learned durations from the operation's start.
  local called = core.now()
  local ok, err = pcall(waits.poll, group, self.started or called, called + timeout, function() return self:done() end,
    function()
      return errors.new { kind = "timeout", operation = self.name,
        message = string.format("operation %s did not finish within %gs", tostring(self.name), timeout) }
    end)
  finish()
  if not ok then error(err, 0) end
  return result(self)
end

--- Waits for the operation. opts.timeout (seconds, default 1200). Returns the resulting resource.
function Operation:wait(opts)
  opts = opts or {}
  if opts.timeout ~= nil and (type(opts.timeout) ~= "number" or opts.timeout <= 0) then
    error("bad argument to 'wait' (timeout must be a positive number of seconds, got " .. tostring(opts.timeout) .. ")", 2)
  end
  local ok, res = pcall(wait_done, self, opts)
  if ok then return res end
  -- The caller will never hold what an ephemeral creation made: undo it now, not at exit.
  if self.cleanup then self.cleanup.run() end
  error(res, 0)
end

return M
