--- The front door of a compute: a TCP relay on the endpoint's advertised port. It lets the
-- emulator do what the real service does at the connection level: start a suspended compute when
-- a client connects (scale from zero), notice inactivity (scale to zero after
-- suspend_timeout_duration), and refuse connections while the endpoint is disabled.
local sched = require "lakebase.runtime.sched"
local net = require "lakebase.runtime.net"
local errors = require "lakebase.base.errors"
local log = require "lakebase.base.log"

local M = {}

local function pump(from, to)
  while true do
    local data = from:receive(65536)
    if not data then break end
    to:send(data)
  end
end

--- Starts a relay on 127.0.0.1:`port` (0 = free port). `backend()` is called for each new client
-- and returns the internal port to relay to (starting the compute if needed), or nil, reason to
-- refuse. Returns the proxy: .port, .active (open connections), .last_active (core.now()), :close().
function M.start(port, backend)
  local server = net.listen("127.0.0.1", port or 0)
  local proxy = { port = server.port, active = 0, last_active = require("lakebase.core").now(), conns = {} }

  local function serve(client)
    local ok, err = pcall(function()
      local target, why = backend()
      if not target then
        log.debug("emulator: refusing a connection on port %d: %s", proxy.port, tostring(why))
        return
      end
      local upstream = net.connect("127.0.0.1", target)
      proxy.conns[upstream] = true
      local back = sched.spawn(function()
        local ok2 = pcall(pump, upstream, client)
        if ok2 then pcall(client.sock.shutdown, client.sock) end
      end)
      local ok3, perr = pcall(pump, client, upstream)
      if ok3 then pcall(upstream.sock.shutdown, upstream.sock) end
      pcall(back.join, back)
      upstream:close()
      proxy.conns[upstream] = nil
      if not ok3 then error(perr, 0) end
    end)
    client:close()
    if not ok and not errors.is(err, "cancelled") then log.debug("emulator: relay ended: %s", tostring(err)) end
  end

  proxy.task = sched.spawn(function()
    while true do
      local client = server:accept()
      proxy.active = proxy.active + 1
      proxy.last_active = require("lakebase.core").now()
      proxy.conns[client] = true
      sched.spawn(function()
        serve(client)
        proxy.conns[client] = nil
        proxy.active = proxy.active - 1
        proxy.last_active = require("lakebase.core").now()
      end)
    end
  end)

  --- Drops every relayed connection (the compute stopped under them).
  function proxy:drop_all()
    for conn in pairs(self.conns) do conn:close() end
  end

  function proxy:close()
    self.task:cancel()
    server:close()
    self:drop_all()
  end
  return proxy
end

return M
