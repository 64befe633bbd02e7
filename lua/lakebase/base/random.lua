--- Unpredictable values from the kernel (/dev/urandom), for tokens and delimiters.
local M = {}

--- Random hex from /dev/urandom (n bytes).
function M.hex(n)
  local f = assert(io.open("/dev/urandom", "rb"))
  local bytes = f:read(n)
  f:close()
  return (bytes:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

return M
