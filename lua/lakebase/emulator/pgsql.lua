--- Quoting for the few SQL statements the emulator sends to its own PostgreSQL servers as the
-- bootstrap superuser. Every identifier and literal goes through these; nothing is interpolated raw.
local M = {}

--- "name" with embedded double quotes doubled; NUL is refused.
function M.ident(s)
  assert(type(s) == "string" and not s:find("\0", 1, true), "bad SQL identifier")
  return '"' .. s:gsub('"', '""') .. '"'
end

--- 'text' with embedded single quotes doubled (standard_conforming_strings is on).
function M.literal(s)
  assert(type(s) == "string" and not s:find("\0", 1, true), "bad SQL literal")
  return "'" .. s:gsub("'", "''") .. "'"
end

return M
