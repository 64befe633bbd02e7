--- Structured errors.
-- Runtime failures (network, HTTP, timeouts, cancellation) are raised as `lakebase.Error` objects:
-- tables with `kind`, `message` and, where they apply, `status`, `error_code`, `request_id`,
-- `retryable`. `tostring(err)` gives one readable line. Misuse (a wrong argument) raises a plain
-- string in Lua's own wording instead, pointing at the caller's line.
local M = {}

local Error = {}
Error.__index = Error
Error.__name = "lakebase.Error"

function Error.__tostring(e)
  local parts = { e.message or e.kind or "error" }
  local extra = {}
  if e.status then extra[#extra + 1] = "HTTP " .. tostring(e.status) end
  if e.error_code then extra[#extra + 1] = e.error_code end
  if e.request_id then extra[#extra + 1] = "request id " .. e.request_id end
  if #extra > 0 then parts[#parts + 1] = "(" .. table.concat(extra, ", ") .. ")" end
  return table.concat(parts, " ")
end

--- Creates an error object from a table of fields (`kind` and `message` at least).
-- @return lakebase.Error
function M.new(fields)
  local e = {}
  for k, v in pairs(fields) do e[k] = v end
  e.kind = e.kind or "error"
  return setmetatable(e, Error)
end

--- True when `e` is a lakebase.Error, and of `kind` when one is given.
function M.is(e, kind)
  return getmetatable(e) == Error and (kind == nil or e.kind == kind)
end

--- The error a cancelled wait raises.
function M.cancelled(reason)
  return M.new { kind = "cancelled", message = "cancelled" .. (reason and (": " .. reason) or "") }
end

--- The error `os.exit` raises inside a task, so that cleanups run before the process exits.
function M.exit(code)
  return M.new { kind = "exit", message = "exit " .. tostring(code), code = code }
end

--- `err` as one line for people: tostring, without the "file.lua:12: " a plain error() adds.
function M.message(err)
  local s = tostring(err)
  if type(err) == "string" then s = s:gsub("^[^\n:]+%.lua:%d+: ", "") end
  return s
end

M.Error = Error
return M
