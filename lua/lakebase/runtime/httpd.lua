--- A small HTTP/1.1 server on the event loop, for the emulator and for tests. Each connection is a
-- task; a handler may wait (sleep, HTTP, SQL) while other connections go on.
-- handler(req) gets {method=, path=, query=, headers=, body=, peer=} and returns
-- status, headers (table), body (string).
-- A connection must deliver each whole request (line, headers, body) within the idle timeout of
-- being opened or answered (LAKEBASE_HTTPD_IDLE_TIMEOUT seconds, default 60), else it is closed:
-- clients that connect and send nothing, or trickle, cannot hold descriptors for ever.
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local net = require "lakebase.runtime.net"
local log = require "lakebase.base.log"
local errors = require "lakebase.base.errors"

local M = {}

local REASONS = { [200] = "OK", [201] = "Created", [204] = "No Content", [400] = "Bad Request",
  [401] = "Unauthorized", [403] = "Forbidden", [404] = "Not Found", [405] = "Method Not Allowed",
  [409] = "Conflict", [413] = "Payload Too Large", [429] = "Too Many Requests",
  [500] = "Internal Server Error", [501] = "Not Implemented", [503] = "Service Unavailable" }

local MAX_HEADER, MAX_BODY = 64 * 1024, 16 * 1024 * 1024
M.IDLE_TIMEOUT = 60

--- The idle timeout LAKEBASE_HTTPD_IDLE_TIMEOUT gives (seconds), else 60; nil and a message
-- naming a malformed value (the emulator's command line refuses to start with it).
function M.env_idle_timeout()
  local text = os.getenv("LAKEBASE_HTTPD_IDLE_TIMEOUT")
  if text == nil or text == "" then return M.IDLE_TIMEOUT end
  local n = tonumber(text)
  if not n or n <= 0 or n == math.huge then
    return nil, "LAKEBASE_HTTPD_IDLE_TIMEOUT is '" .. text .. "': expected a number of seconds above 0"
  end
  return n
end

-- opts.idle_timeout, else the environment's; raises naming a malformed value.
local function idle_timeout(opts)
  return opts.idle_timeout or assert(M.env_idle_timeout())
end

--- Decodes %XX escapes and "+" as a space, as the server does for paths and query strings.
local function unescape(s)
  return (s:gsub("+", " "):gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end
M.unescape = unescape

--- Splits a query string into a table (last value wins).
function M.parse_query(q)
  local out = {}
  for pair in (q or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    out[unescape(k)] = unescape(v)
  end
  return out
end

local function read_request(conn)
  local line = conn:read_until("\r\n", MAX_HEADER)
  if not line then return nil end
  local method, target, version = line:match("^(%u+) (%S+) HTTP/(%d%.%d)$")
  if not method then return false, "malformed request line" end
  local headers, size = {}, #line
  while true do
    local h = conn:read_until("\r\n", MAX_HEADER)
    if not h then return nil end
    if h == "" then break end
    size = size + #h
    if size > MAX_HEADER then return false, "headers too large" end
    -- A token, no space before ':', no CR or LF in the value (RFC 9112 5.1): a proxy in front
    -- must not read another header or another request here than this server does.
    local name, value = h:match("^([%w!#$%%&'*+.^_`|~-]+):[ \t]*(.-)[ \t]*$")
    if not name or value:find("[%z\r\n]") then return false, "malformed header" end
    name = name:lower()
    if headers[name] and name == "content-length" and headers[name] ~= value then
      return false, "conflicting Content-Length headers"
    end
    headers[name] = value
  end
  local path, query = target:match("^([^?]*)%??(.*)$")
  local req = { method = method, target = target, path = unescape(path), query = M.parse_query(query),
    headers = headers, version = version, body = "" }
  if headers["transfer-encoding"] then return false, "chunked request bodies are not supported" end
  local text = headers["content-length"] or "0"
  local len = text:match("^%d+$") and math.tointeger(tonumber(text))  -- digits only (RFC 9110 8.6)
  if not len or len > MAX_BODY then return false, "bad Content-Length" end
  if len > 0 then
    req.body = conn:read_exactly(len)
    if not req.body then return nil end
  end
  return req
end

local function write_response(conn, status, headers, body, keep)
  body = body or ""
  local out = { string.format("HTTP/1.1 %d %s\r\n", status, REASONS[status] or "Status") }
  headers = headers or {}
  for k, v in pairs(headers) do out[#out + 1] = k .. ": " .. tostring(v) .. "\r\n" end
  out[#out + 1] = "Content-Length: " .. #body .. "\r\n"
  out[#out + 1] = keep and "Connection: keep-alive\r\n\r\n" or "Connection: close\r\n\r\n"
  out[#out + 1] = body
  conn:send(table.concat(out))
end

-- `awaiting[conn]` is the moment by which the request being read must have arrived.
local function serve_connection(conn, handler, awaiting, idle)
  local ok, err = pcall(function()
    while true do
      awaiting[conn] = core.now() + idle
      local req, bad = read_request(conn)
      awaiting[conn] = nil
      if req == nil then return end
      if req == false then
        write_response(conn, 400, { ["Content-Type"] = "text/plain" }, bad .. "\n", false)
        return
      end
      req.peer = conn.peer
      req.conn = conn
      local keep = (req.headers.connection or ""):lower() ~= "close" and req.version == "1.1"
      local hok, status, headers, body = pcall(handler, req)
      if req.hijacked then return end  -- the handler took the connection (to drop it, say)
      if not hok and errors.is(status, "cancelled") then error(status, 0) end
      if not hok then
        log.warn("handler failed for %s %s: %s", req.method, req.path, tostring(status))
        status, headers, body = 500, { ["Content-Type"] = "text/plain" }, "internal error\n"
      end
      write_response(conn, status, headers, body, keep)
      if not keep then return end
    end
  end)
  awaiting[conn] = nil
  conn:close()
  if not ok and not errors.is(err, "cancelled") then
    log.debug("connection from %s ended: %s", tostring(conn.peer), tostring(err))
  end
end

--- Starts serving on opts.host (default 127.0.0.1) and opts.port (default 0: a free port);
-- opts.idle_timeout overrides LAKEBASE_HTTPD_IDLE_TIMEOUT. Returns the server: server.port,
-- server:close().
function M.serve(opts)
  local idle = idle_timeout(opts)
  local server = net.listen(opts.host or "127.0.0.1", opts.port or 0)
  local handler = opts.handler
  local awaiting = {}
  server.task = sched.spawn(function()
    while true do
      local conn = server:accept()
      sched.spawn(serve_connection, conn, handler, awaiting, idle)
    end
  end)
  server.task.name = "httpd accept loop"
  -- One timer for every connection: closing one wakes its reader, which sees end of file.
  server.sweeper = sched.spawn(function()
    while true do
      sched.sleep(math.max(0.05, math.min(idle / 4, 5)))
      local now = core.now()
      for conn, deadline in pairs(awaiting) do
        if now >= deadline then
          awaiting[conn] = nil
          log.debug("closing a connection from %s that sent no complete request in %gs", tostring(conn.peer), idle)
          conn:close()
        end
      end
    end
  end)
  server.sweeper.name = "httpd idle sweeper"
  local close = server.close
  function server:close()
    self.task:cancel()
    self.sweeper:cancel()
    close(self)
  end
  return server
end

return M
