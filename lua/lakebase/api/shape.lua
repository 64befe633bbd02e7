--- Checks that an API answer has the shape the reference documents before anything indexes it. An
-- answer that is JSON but the wrong shape (a proxy's page, a truncated body, a server bug) becomes
-- one clear lakebase.Error naming the request and the field, never a Lua error deep in the client.
local errors = require "lakebase.base.errors"
local json_null = require("lakebase.base.json").null

local M = {}

local function is_object(v) return type(v) == "table" and getmetatable(v) == nil and (next(v) == nil or #v == 0) end

local function fail(method, path, what)
  error(errors.new { kind = "api", method = method, path = path, retryable = false,
    message = "unexpected answer from " .. method .. " " .. path .. ": " .. what }, 0)
end

-- Field `key` of object `t` is absent or of Lua type `want` ("object" for a JSON object).
local function optional(t, key, want, method, path, where)
  local v = t[key]
  if v == nil then return end
  local ok = want == "object" and is_object(v) or (want ~= "object" and type(v) == want)
  if not ok then
    local got = type(v) == "table" and "an array" or v == json_null and "null" or ("a " .. type(v))
    fail(method, path, string.format("%s%s is %s, expected %s", where or "", key, got,
      want == "object" and "an object" or ("a " .. want)))
  end
end

--- A resource: an object whose name is a string.
function M.resource(body, method, path, where)
  if not is_object(body) then fail(method, path, (where or "the answer") .. " is not a JSON object") end
  if type(body.name) ~= "string" then fail(method, path, (where or "the resource") .. " has no name") end
  optional(body, "spec", "object", method, path, where and (where .. ".") or nil)
  optional(body, "status", "object", method, path, where and (where .. ".") or nil)
  return body
end

--- A page of a listing: {<collection> = [resources], next_page_token = "..."}.
function M.page(body, collection, method, path)
  if not is_object(body) then fail(method, path, "the answer is not a JSON object") end
  local items = body[collection]
  if items ~= nil then
    local n = 0
    if type(items) == "table" then for _ in pairs(items) do n = n + 1 end end
    if type(items) ~= "table" or n ~= #items then fail(method, path, collection .. " is not an array") end
    for i, item in ipairs(items) do M.resource(item, method, path, collection .. "[" .. i .. "]") end
  end
  optional(body, "next_page_token", "string", method, path)
  return body
end

--- An operation: {name=, done=, error={code=, message=}, response={...}, metadata={...}}.
function M.operation(body, method, path)
  if not is_object(body) then fail(method, path, "the answer is not a JSON object") end
  optional(body, "name", "string", method, path)
  optional(body, "done", "boolean", method, path)
  optional(body, "error", "object", method, path)
  optional(body, "response", "object", method, path)
  optional(body, "metadata", "object", method, path)
  if body.error then
    optional(body.error, "message", "string", method, path, "error.")
  end
  return body
end

--- A database credential: {token = "...", expire_time = "..."}.
function M.credential(body, method, path)
  if not is_object(body) or type(body.token) ~= "string" or body.token == "" then
    fail(method, path, "the answer has no credential token")
  end
  optional(body, "expire_time", "string", method, path)
  return body
end

return M
