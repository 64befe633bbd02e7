--- A connection that two tasks use at once, one reading and one writing (a relay): reads wait on
-- the socket, writes on a duplicate of its descriptor, since the loop allows one waiter per
-- descriptor. Plain, or TLS in the server's role (`lakebase.core.tls_server` contexts).
--
--   local d = duplex.plain(sock)      -- a connected lakebase.Socket, now owned by d
--   d:start_tls(context)              -- optional: the server side of a TLS handshake
--   d:receive(max) -> data | nil at end of file;  d:read_exactly(n);  d:send(data);  d:shutdown();  d:close()
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local net = require "lakebase.runtime.net"

local neterror = net.neterror
local M = {}
local Duplex = { __name = "lakebase.Duplex" }
Duplex.__index = Duplex

-- Waits until `sock` is ready for `mode`. A TLS read may need to write (and the reverse): if the
-- other task holds that descriptor's wait, poll instead.
local function wait(sock, mode)
  local ok, h = pcall(core.watch, sock, mode)
  if ok then return sched.wait(h) end
  if not tostring(h):find("already being waited on", 1, true) then error(h, 0) end
  sched.sleep(0.005)
end

--- Wraps a connected socket (taking ownership: close closes it).
function M.plain(sock)
  local wsock, err = sock:dup()
  if not wsock then error(neterror("dup", err), 2) end
  return setmetatable({ rsock = sock, wsock = wsock, buf = "", io = {
    recv = function(_, max) return sock:recv(max) end,  -- nil, "again": wait for "r"
    send = function(_, data, from) return wsock:send(data, from) end,
  } }, Duplex)
end

--- Reads whatever arrives next (up to `max` bytes); nil at end of file.
function Duplex:receive(max)
  if #self.buf > 0 then
    local data = self.buf
    self.buf = ""
    return data
  end
  while true do
    if self.closed then return nil end
    local data, err, dir = self.io.recv(self, max or 65536)
    if data then return data end
    if err == "eof" or err == "closed" then return nil end
    if err ~= "again" then error(neterror("read", err), 2) end
    wait(dir == "w" and self.wsock or self.rsock, dir or "r")
  end
end

--- Reads exactly n bytes; nil at end of file before that (as a lakebase.net connection does).
Duplex.read_exactly = net.Conn.read_exactly

--- Writes all of `data`, waiting while the socket buffer is full.
function Duplex:send(data)
  local from = 1
  while from <= #data do
    if self.closed then error(neterror("write", "connection closed"), 2) end
    local n, err, dir = self.io.send(self, data, from)
    if n then
      from = from + n
    elseif err == "again" then
      wait(dir == "r" and self.rsock or self.wsock, dir or "w")
    else
      error(neterror("write", err), 2)
    end
  end
end

--- Turns the connection into TLS, in the server's role, with `context` (core.tls_server): runs
-- the handshake. Bytes already received and not read (sent before the handshake, in clear) are
-- refused, as PostgreSQL refuses them after an SSLRequest. Raises a network error on failure.
function Duplex:start_tls(context)
  if #self.buf > 0 then error(neterror("TLS", "data received in clear before the TLS handshake"), 2) end
  local session = context:session(self.rsock, self.wsock)
  self.session = session
  self.io = {
    recv = function(_, max) return session:recv(max) end,
    send = function(_, data, from) return session:send(data, from) end,
  }
  while true do
    local ok, err, dir = session:handshake()
    if ok then return end
    if err ~= "again" then error(neterror("TLS handshake", err), 2) end
    wait(dir == "w" and self.wsock or self.rsock, dir)
  end
end

--- True once start_tls has succeeded.
function Duplex:is_tls() return self.session ~= nil end

--- Stops sending: TLS close_notify, then end of file for the peer.
function Duplex:shutdown()
  if self.closed then return end
  if self.session then self.session:shutdown() end
  self.wsock:shutdown()
end

--- Closes the connection; a task waiting on it wakes up (end of file, or a write error).
function Duplex:close()
  if self.closed then return end
  self.closed = true
  if self.session then self.session:close() self.session = nil end
  self.rsock:close()
  self.wsock:close()
end
Duplex.__close = Duplex.close

return M
