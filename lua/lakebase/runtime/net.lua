--- TCP on the event loop: calls read like blocking code and yield while the socket is not ready.
-- Only numeric addresses (no DNS lookups, which would block the loop).
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local errors = require "lakebase.base.errors"
local log = require "lakebase.base.log"

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

-- accept(2) failures that mean "not now" (strerror texts, as the socket reports them): out of
-- descriptors or memory, which connections closing will cure, and a client that gave up while
-- queued. A server must outlive them: raising would end its accept loop for good.
local EXHAUSTED = { ["Too many open files"] = true, ["Too many open files in system"] = true,
  ["No buffer space available"] = true, ["Cannot allocate memory"] = true }
local GONE = { ["Software caused connection abort"] = true, ["Interrupted system call"] = true,
  ["Protocol error"] = true, ["Connection reset by peer"] = true }
M.ACCEPT_PAUSE = 0.1  -- seconds between attempts while out of descriptors
M.WARN_EVERY = 60     -- seconds between warnings about it

--- Waits for the next connection; returns it. Out of descriptors, it logs that once, then tries
-- again every ACCEPT_PAUSE seconds (the listening socket stays readable, so waiting on it would
-- spin) until a connection closes somewhere.
function Server:accept()
  while true do
    if self.closed then error(neterror("accept", "server closed"), 2) end
    local sock, peer = self.sock:accept()
    if sock then
      if self.exhausted then
        log.debug("accepting connections on %s:%d again", self.host, self.port)
        self.exhausted = nil
      end
      return wrap(sock, peer)
    end
    if EXHAUSTED[peer] then
      if not self.exhausted then  -- a warning per minute at most, however often it flaps
        self.exhausted = true
        local now = core.now()
        if not self.warned_at or now - self.warned_at >= M.WARN_EVERY then
          self.warned_at = now
          log.warn("cannot accept connections on %s:%d: %s; retrying every %gs until some close "
            .. "(raise 'ulimit -n' for more)", self.host, self.port, peer, M.ACCEPT_PAUSE)
        end
      end
      sched.sleep(M.ACCEPT_PAUSE)
    elseif peer == "again" then
      sched.wait(core.watch(self.sock, "r"))
    elseif not GONE[peer] then
      error(neterror("accept", peer), 2)
    end
  end
end

function Server:close()
  self.closed = true
  self.sock:close()
end
Server.__close = Server.close

return M
