--- What the live suite records of each API call, and the guard in front of every call. The
-- client's `request` is wrapped on the one client instance the suite uses (nothing in the library
-- changes): each call is checked by the guard first, then summarised as its shape only — method,
-- the path with IDs replaced by `*`, the query's keys (an update_mask's value too), the request
-- body's field names, the answer's status and error code and the set of field names it carries.
-- No value is kept, except error messages with secrets removed (lakebase.base.redact), so a report
-- can be attached to an issue and two targets' reports compared field set by field set.
local errors = require "lakebase.base.errors"
local redact = require "lakebase.base.redact"
local core = require "lakebase.core"

local M = {}

local MAX_DEPTH = 4

local function is_array(v)
  return type(v) == "table" and (#v > 0 or (next(v) == nil and getmetatable(v) ~= nil))
end

-- Field paths of a decoded JSON value: "status.hosts.host", "branches[].status.current_state".
-- Array items are merged; depth counts objects only.
local function collect(v, prefix, out, depth)
  if type(v) ~= "table" or depth > MAX_DEPTH then return end
  if is_array(v) then
    for _, item in ipairs(v) do collect(item, prefix .. "[]", out, depth) end
    return
  end
  for k, child in pairs(v) do
    if type(k) == "string" then
      local path = (prefix == "" and "" or (prefix .. ".")) .. k
      out[path] = true
      collect(child, path, out, depth + 1)
    end
  end
end

--- The sorted field paths of a decoded JSON value.
function M.fields(v)
  local set, list = {}, {}
  collect(v, "", set, 1)
  for k in pairs(set) do list[#list + 1] = k end
  table.sort(list)
  return list
end

--- A path with its IDs replaced: "projects/*/branches/*/endpoints/*". A path starting with "/" (outside
-- the postgres API, such as SCIM Me) is kept as it is.
function M.shape_path(path)
  if path:sub(1, 1) == "/" then return path end
  local parts, i = {}, 0
  for seg in path:gmatch("[^/]+") do
    i = i + 1
    parts[i] = (i % 2 == 0) and "*" or seg
  end
  return table.concat(parts, "/")
end

local function query_shape(query)
  if type(query) ~= "table" then return nil end
  local keys = {}
  for k, v in pairs(query) do
    keys[#keys + 1] = k == "update_mask" and (k .. "=" .. tostring(v)) or k
  end
  if #keys == 0 then return nil end
  table.sort(keys)
  return table.concat(keys, "&")
end

--- One call's summary. `ok, res` are what the request gave (the decoded answer, or the error).
function M.summary(method, path, query, body, ok, res, seconds)
  local s = { method = method, path = M.shape_path(path), query = query_shape(query),
    request_fields = body ~= nil and M.fields(body) or nil, seconds = math.floor(seconds * 1000 + 0.5) / 1000 }
  if ok then
    s.status = 200
    s.response_fields = M.fields(res)
    -- An operation still running is a matter of timing, not of shape: the comparison skips it.
    if type(res) == "table" and res.done == false then s.pending = true end
  elseif errors.is(res) then
    s.status = res.status
    s.error_code = res.error_code
    s.error_kind = res.kind ~= "api" and res.kind or nil
    s.message = redact.text(tostring(res.message or res))
  else
    s.error_kind = "lua"
    s.message = redact.text(tostring(res))
  end
  return s
end

--- Wraps `client.request`: `refuse(method, path, query, body)` returns a reason to refuse a call
-- (raised as an error of kind "guard", nothing sent); every call made while `rec.log` is a list
-- is summarised into it. Returns `rec`.
function M.install(client, refuse)
  local rec = { log = nil }
  local request = client.request
  client.request = function(self, method, path, query, body, opts)
    local why = refuse(method, path, query, body)
    if why then
      local err = errors.new { kind = "guard", message = "test-live refuses " .. method .. " " .. path .. ": " .. why }
      if rec.log then rec.log[#rec.log + 1] = M.summary(method, path, query, body, false, err, 0) end
      error(err, 0)
    end
    local t0 = core.now()
    local ok, res = pcall(request, self, method, path, query, body, opts)
    if rec.log then rec.log[#rec.log + 1] = M.summary(method, path, query, body, ok, res, core.now() - t0) end
    if not ok then error(res, 0) end
    return res
  end
  return rec
end

return M
