--- The few messages of the PostgreSQL wire protocol (version 3) that the emulator's relay speaks
-- itself: the start of a connection (SSLRequest, GSSENCRequest, CancelRequest, StartupMessage),
-- the cleartext password exchange, and ErrorResponse. Everything after the login is relayed as is.
local M = {}

M.SSL_REQUEST = 80877103
M.GSSENC_REQUEST = 80877104
M.CANCEL_REQUEST = 80877102
M.MAX_STARTUP = 10000  -- PostgreSQL's MAX_STARTUP_PACKET_LENGTH

--- Reads one start-of-connection packet (length, code, rest) from `conn` (receive/read_exactly).
-- Returns code, body (after the code), or nil at end of file; raises on a malformed length.
function M.read_startup(conn)
  local head = conn:read_exactly(8)
  if not head then return nil end
  local len, code = string.unpack(">I4I4", head)
  if len < 8 or len > M.MAX_STARTUP then error("invalid length of startup packet: " .. len, 0) end
  local body = len > 8 and conn:read_exactly(len - 8) or ""
  if not body then return nil end
  return code, body
end

--- The major and minor protocol version of a StartupMessage code.
function M.version(code) return code >> 16, code & 0xffff end

--- The parameters of a StartupMessage body (name\0value\0...\0) as a table plus their order, or
-- nil and a reason.
function M.parse_params(body)
  local params, order, pos = {}, {}, 1
  while pos <= #body do
    local name, after = body:match("^(%Z*)%z()", pos)
    if not name then return nil, "startup packet parameters are not terminated" end
    if name == "" then return params, order end
    local value, after2 = body:match("^(%Z*)%z()", after)
    if not value then return nil, "startup packet parameter " .. name .. " has no value" end
    if params[name] == nil then order[#order + 1] = name end
    params[name] = value
    pos = after2
  end
  return nil, "startup packet has no terminator"
end

--- A StartupMessage carrying `params` (in `order`) with protocol `code`.
function M.startup_message(code, params, order)
  local parts = {}
  for _, k in ipairs(order) do parts[#parts + 1] = k .. "\0" .. params[k] .. "\0" end
  local body = string.pack(">I4", code) .. table.concat(parts) .. "\0"
  return string.pack(">I4", #body + 4) .. body
end

--- A CancelRequest packet for backend `body` (process id and secret key, as the client sent them).
function M.cancel_message(body)
  return string.pack(">I4I4", 8 + #body, M.CANCEL_REQUEST) .. body
end

--- AuthenticationCleartextPassword.
M.ASK_PASSWORD = "R" .. string.pack(">I4I4", 8, 3)

--- Reads one regular message: type byte, body; nil at end of file. Bodies over `limit` bytes raise.
function M.read_message(conn, limit)
  local head = conn:read_exactly(5)
  if not head then return nil end
  local len = string.unpack(">I4", head, 2)
  if len < 4 or len - 4 > (limit or 65536) then error("invalid message length " .. len, 0) end
  local body = len > 4 and conn:read_exactly(len - 4) or ""
  if not body then return nil end
  return head:sub(1, 1), body
end

--- An ErrorResponse: severity (FATAL, ERROR), SQLSTATE and message.
function M.error_message(severity, sqlstate, message)
  local body = "S" .. severity .. "\0V" .. severity .. "\0C" .. sqlstate .. "\0M" ..
    message:gsub("%z", "") .. "\0\0"
  return "E" .. string.pack(">I4", #body + 4) .. body
end

return M
