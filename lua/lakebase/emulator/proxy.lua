--- The front door of a compute: the endpoint's advertised port. Like the service's, it speaks the
-- start of the PostgreSQL protocol itself: it requires TLS (answers SSLRequest with 'S' and does the
-- handshake; a StartupMessage in clear is refused), asks for a cleartext password, checks the
-- token there (every unexpired token minted for that identity and branch is valid), and only then
-- starts the compute if it is suspended (scale from zero) and connects to PostgreSQL on its private
-- Unix socket as that user, replaying the client's startup parameters; from then on it relays
-- bytes both ways. It also notices inactivity (scale to zero) and refuses connections while the
-- endpoint is disabled.
local sched = require "lakebase.runtime.sched"
local net = require "lakebase.runtime.net"
local duplex = require "lakebase.runtime.duplex"
local errors = require "lakebase.base.errors"
local log = require "lakebase.base.log"
local wire = require "lakebase.emulator.pgwire"

local M = {}

M.STARTUP_TIMEOUT = 60  -- seconds a client has to log in (PostgreSQL's authentication_timeout)

-- Connects to a Unix socket path; returns a duplex connection.
local function connect_unix(path)
  local core = require "lakebase.core"
  local sock, err = core.connect_unix(path)
  if not sock then error(errors.new { kind = "network", message = "connect to " .. path .. ": " .. err }, 0) end
  sched.wait(core.watch(sock, "w"))
  local cerr = sock:connect_error()
  if cerr then
    sock:close()
    error(errors.new { kind = "network", message = "connect to " .. path .. ": " .. cerr }, 0)
  end
  return duplex.plain(sock)
end

local function pump(from, to)
  while true do
    local data = from:receive(65536)
    if not data then break end
    to:send(data)
  end
end

-- Relays both ways until both sides end; each direction's end is passed on as a half-close, and
-- a failure in either direction closes both connections (so the other direction stops too).
local function relay(client, upstream)
  local function pass(from, to)
    local ok, err = pcall(pump, from, to)
    if ok then
      pcall(to.shutdown, to)
    else
      client:close()
      upstream:close()
    end
    return ok, err
  end
  local back = sched.spawn(pass, upstream, client)
  local ok, err = pass(client, upstream)
  pcall(back.join, back)
  if not ok then error(err, 0) end
end

local function refuse(client, severity, sqlstate, message)
  pcall(client.send, client, wire.error_message(severity, sqlstate, message))
end

-- The start of a connection: TLS, startup parameters, password. Returns the client's protocol
-- code, parameters and their order once logged in; nil when the connection was refused or ended
-- (the client has been told why).
local function login(client, h)
  while true do
    local code, body = wire.read_startup(client)
    if not code then return nil end
    if code == wire.SSL_REQUEST and not client:is_tls() then
      client:send("S")
      client:start_tls(h.tls)
    elseif code == wire.GSSENC_REQUEST and not client:is_tls() then
      client:send("N")
    elseif code == wire.CANCEL_REQUEST and #body == 8 then
      local path = h.cancel_target()
      if path then
        local up <close> = connect_unix(path)
        up:send(wire.cancel_message(body))
      end
      return nil
    elseif wire.version(code) == 3 then
      if not client:is_tls() then
        -- The service's words (sslmode=disable against it); it serves TLS connections only.
        refuse(client, "ERROR", "08P01", "connection is insecure (try using `sslmode=require`)")
        return nil
      end
      local params, order = wire.parse_params(body)
      if not params then
        refuse(client, "FATAL", "08P01", "invalid startup packet layout: " .. order)
        return nil
      end
      if not params.user or params.user == "" then
        refuse(client, "FATAL", "28000", "no PostgreSQL user name specified in startup packet")
        return nil
      end
      client:send(wire.ASK_PASSWORD)
      local mtype, pw = wire.read_message(client, 8192)
      if not mtype then return nil end  -- the client had no password to give (libpq closes)
      if mtype ~= "p" then
        refuse(client, "FATAL", "08P01", "expected password response, got message type " .. mtype:byte())
        return nil
      end
      if not h.authenticate(params.user, (pw:gsub("%z$", ""))) then
        refuse(client, "FATAL", "28P01", string.format('password authentication failed for user "%s"', params.user))
        return nil
      end
      return code, params, order
    else
      local major, minor = wire.version(code)
      refuse(client, "FATAL", "0A000", string.format("unsupported frontend protocol %d.%d: server supports 3.0", major, minor))
      return nil
    end
  end
end

--- Starts a relay on 127.0.0.1:`port` (0 = free port). `h` has: tls (a core.tls_server context);
-- authenticate(user, password) -> true when the password is a token valid for user here;
-- backend() -> the PostgreSQL Unix socket path to relay to (starting the compute if needed), or
-- nil, reason to refuse; cancel_target() -> the socket path of the running server, or nil.
-- Returns the proxy: .port, .active (open connections), .last_active (core.now()), :close().
function M.start(port, h)
  local server = net.listen("127.0.0.1", port or 0)
  local proxy = { port = server.port, active = 0, last_active = require("lakebase.core").now(), conns = {} }

  local function serve(client)
    local ok, err = pcall(function()
      local code, params, order = sched.timeout(M.STARTUP_TIMEOUT, login, client, h)
      if not code then return end
      local started, path, why = pcall(h.backend)
      if not started or not path then
        why = started and why or "the compute could not start"
        log.debug("emulator: refusing a connection on port %d: %s", proxy.port, tostring(started and why or path))
        refuse(client, "FATAL", "57P03", "the endpoint is not available: " .. tostring(why))
        return
      end
      local upstream = connect_unix(path)
      proxy.conns[upstream] = true
      local rok, rerr = pcall(function()
        upstream:send(wire.startup_message(code, params, order))
        relay(client, upstream)
      end)
      upstream:close()
      proxy.conns[upstream] = nil
      if not rok then error(rerr, 0) end
    end)
    client:close()
    if not ok and not errors.is(err, "cancelled") then log.debug("emulator: relay ended: %s", tostring(err)) end
  end

  proxy.task = sched.spawn(function()
    while true do
      local conn = server:accept()
      proxy.active = proxy.active + 1
      proxy.last_active = require("lakebase.core").now()
      sched.spawn(function()
        local ok, client = pcall(duplex.plain, conn.sock)
        if ok then
          proxy.conns[client] = true
          serve(client)
          proxy.conns[client] = nil
        else
          conn:close()
          log.debug("emulator: dropping a connection on port %d: %s", proxy.port, tostring(client))
        end
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
