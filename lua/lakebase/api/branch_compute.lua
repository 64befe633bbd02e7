--- What a branch object offers for reaching its data: `branch:primary_endpoint{timeout=}`, the
-- read-write endpoint the service makes with every branch (`primary`), waited for until it can
-- take connections. Scripts use it instead of creating a read-write endpoint, which the service
-- refuses ("read_write endpoint already exists").
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local errors = require "lakebase.base.errors"
local retry = require "lakebase.api.retry"
local progress = require "lakebase.runtime.progress"

local M = {}

local function ready(ep)
  local s = type(ep.status) == "table" and ep.status or {}
  return type(s.hosts) == "table" and type(s.hosts.host) == "string" and s.current_state ~= "INIT"
end

local function read_write(client, branch)
  for ep in client:list(branch, "endpoint") do
    if type(ep.status) == "table" and ep.status.endpoint_type == "ENDPOINT_TYPE_READ_WRITE" then return ep end
  end
end

function M.install(Branch, client_of)
  --- The branch's read-write endpoint once it has a host and has left INIT. It is found by
  -- listing (a GET can miss a fresh endpoint for a while on the service). opts.timeout: seconds
  -- (default 300). Raises a "timeout" error naming the branch when it does not come.
  function Branch:primary_endpoint(opts)
    if opts ~= nil and type(opts) ~= "table" then
      error("bad argument #1 to 'primary_endpoint' (table of options expected, got " .. type(opts) .. ")", 2)
    end
    opts = opts or {}
    local timeout = opts.timeout or 300
    if type(timeout) ~= "number" or timeout <= 0 then
      error("bad argument #1 to 'primary_endpoint' (timeout must be a positive number of seconds, got " .. tostring(timeout) .. ")", 2)
    end
    local client, start = client_of(self), core.now()
    local ep = read_write(client, self.name)
    if ep and ready(ep) then return ep end
    local finish = progress.begin(self.name .. " read-write endpoint")
    local ok, res = pcall(function()
      while true do
        local elapsed = core.now() - start
        if elapsed >= timeout then
          error(errors.new { kind = "timeout", message = string.format(
            "the read-write endpoint of %s was not ready within %gs (%s)", self.name, timeout,
            ep and ("state " .. tostring(ep.status and ep.status.current_state)) or "not listed yet") }, 0)
        end
        sched.sleep(math.min(retry.poll_interval(elapsed), timeout - elapsed))
        ep = read_write(client, self.name)
        if ep and ready(ep) then return ep end
      end
    end)
    finish()
    if not ok then error(res, 0) end
    return res
  end
end

return M
