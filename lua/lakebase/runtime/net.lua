--- TCP on the event loop: calls read like blocking code and yield while the socket is not ready.
-- Only numeric addresses (no DNS lookups, which would block the loop).
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local errors = require "lakebase.base.errors"

local M = {}

local Conn = {}
Conn.__index = Conn
Conn.__name = "lakebase.net.Conn"

local function neterror(what, reason)
  return errors.new { kind = "network", message = what .. ": " .. reason, retryable = false }
end

local function wrap(sock, peer)
  return setmetatable({ sock = sock, peer = peer, buf = "" }, Conn)
end

--- Connects to host:port. Returns a connection, or raises a "network" error.
function M.connect(host, port)
  local sock, err = core.connect(host, port)
  if not sock then error(neterror("connect to " .. host .. ":" .. port, err), 2) end
  sched.wait(core.watch(sock, "w"))
  local cerr = sock:connect_error()
  if cerr then
    sock:close()
    error(neterror("connect to " .. host .. ":" .. port, cerr), 2)
  end
  return wrap(sock, host)
end

--- Reads whatever arrives next (up to `max` bytes). Returns the data, or nil at end of file.
function Conn:receive(max)
  if #self.buf > 0 then
    local data = self.buf
    self.buf = ""
    return data
  end
  while true do
    if self.closed then return nil end  -- closed (by another task) while this one waited
    local data, err = self.sock:recv(max)
    if data then return data end
    if err == "eof" then return nil end
    if err ~= "again" then error(neterror("read", err), 2) end
    sched.wait(core.watch(self.sock, "r"))
  end
end

--- Reads up to and excluding `delim` (default "\n"); nil at end of file before a delimiter.
-- Raises when more than `limit` bytes arrive without one.
function Conn:read_until(delim, limit)
  delim = delim or "\n"
  limit = limit or 65536
  while true do
    local s, e = self.buf:find(delim, 1, true)
    if s then
      local line = self.buf:sub(1, s - 1)
      self.buf = self.buf:sub(e + 1)
      return line
    end
    if #self.buf > limit then error(neterror("read", "line longer than " .. limit .. " bytes"), 2) end
    if self.closed then return nil end
    local data, err = self.sock:recv()
    if data then
      self.buf = self.buf .. data
    elseif err == "eof" then
      return nil
    elseif err == "again" then
      sched.wait(core.watch(self.sock, "r"))
    else
      error(neterror("read", err), 2)
    end
  end
end

--- Reads exactly n bytes; nil at end of file before that.
function Conn:read_exactly(n)
  local parts, have = { self.buf }, #self.buf
  self.buf = ""
  while have < n do
    local data = self:receive()
    if not data then return nil end
    parts[#parts + 1] = data
    have = have + #data
  end
  local all = table.concat(parts)
  self.buf = all:sub(n + 1)
  return all:sub(1, n)
end

--- Writes all of `data`, waiting while the socket buffer is full.
function Conn:send(data)
  local from = 1
  while from <= #data do
    if self.closed then error(neterror("write", "connection closed"), 2) end
    local n, err = self.sock:send(data, from)
    if n then
      from = from + n
    elseif err == "again" then
      sched.wait(core.watch(self.sock, "w"))
    else
      error(neterror("write", err), 2)
    end
  end
end

--- Closes the connection; a task waiting to read it gets end of file, one writing an error.
function Conn:close()
  self.closed = true
  self.sock:close()
end
Conn.__close = Conn.close
function Conn:__tostring() return "lakebase.net.Conn(" .. tostring(self.peer) .. ")" end

-- For connections of other kinds (runtime/duplex.lua) that share its reads and errors.
M.Conn = Conn
M.neterror = neterror

local Server = {}
Server.__index = Server
Server.__name = "lakebase.net.Server"

--- Listens on host:port (port 0 picks a free port: see server.port).
function M.listen(host, port)
  local sock, err = core.listen(host, port)
  if not sock then error(neterror("listen on " .. host .. ":" .. port, err), 2) end
  return setmetatable({ sock = sock, port = sock:port(), host = host }, Server)
end

--- Waits for the next connection; returns it.
function Server:accept()
  while true do
    if self.closed then error(neterror("accept", "server closed"), 2) end
    local sock, peer = self.sock:accept()
    if sock then return wrap(sock, peer) end
    if peer ~= "again" then error(neterror("accept", peer), 2) end
    sched.wait(core.watch(self.sock, "r"))
  end
end

function Server:close()
  self.closed = true
  self.sock:close()
end
Server.__close = Server.close

return M
