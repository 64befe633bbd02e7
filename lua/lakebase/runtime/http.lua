--- The low-level HTTP client: one request, waited for by yielding. Transfers share the loop's
-- libcurl multi handle, so connections are kept alive and HTTP/2 streams multiplexed.
-- Transport failures raise a lakebase.Error of kind "network"; any HTTP status is returned.
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local errors = require "lakebase.base.errors"
local redact = require "lakebase.base.redact"
local log = require "lakebase.base.log"

local M = {}

local METHODS = { GET = true, HEAD = true, POST = true, PUT = true, PATCH = true, DELETE = true, OPTIONS = true }

local function argerror(msg)
  error("bad argument #1 to 'request' (" .. msg .. ")", 3)
end

local function check(opts)
  if type(opts) ~= "table" then argerror("table expected, got " .. type(opts)) end
  local method = opts.method or "GET"
  if type(method) ~= "string" or not METHODS[method:upper()] then
    argerror("field 'method' must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got " .. tostring(method))
  end
  if type(opts.url) ~= "string" or not opts.url:match("^https?://[^/]") then
    argerror("field 'url' must be an http:// or https:// URL, got " .. (type(opts.url) == "string"
      and ("'" .. redact.url(opts.url) .. "'") or type(opts.url)))
  end
  if opts.body ~= nil and type(opts.body) ~= "string" then
    argerror("field 'body' must be a string, got " .. type(opts.body))
  end
  if opts.timeout ~= nil and (type(opts.timeout) ~= "number" or opts.timeout <= 0) then
    argerror("field 'timeout' must be a positive number of seconds, got " .. tostring(opts.timeout))
  end
  local headers = {}
  if opts.headers ~= nil then
    if type(opts.headers) ~= "table" then argerror("field 'headers' must be a table, got " .. type(opts.headers)) end
    for k, v in pairs(opts.headers) do
      if type(k) ~= "string" or not k:match("^[%w!#$%%&'*+.^_`|~-]+$") then
        argerror("header name " .. tostring(k) .. " is not a valid HTTP header name")
      end
      if type(v) == "number" then v = tostring(v) end
      if type(v) ~= "string" or v:find("[\r\n]") then
        argerror("header '" .. k .. "' must have a one-line string value")
      end
      redact.register_header(k, v)
      headers[k] = v
    end
  end
  return method:upper(), headers
end

--- Parses a raw header block into a table of lower-cased names; repeated headers are joined
-- with ", ". Returns the table and the reason phrase.
function M.parse_headers(raw)
  local headers = {}
  local reason = raw:match("^HTTP/[%d.]+ %d+ ?([^\r\n]*)") or ""
  for name, value in raw:gmatch("\n([^:\r\n]+):[ \t]*([^\r\n]*)") do
    name = name:lower()
    headers[name] = headers[name] and (headers[name] .. ", " .. value) or value
  end
  return headers, reason
end

--- Sends one request and waits for the answer.
-- @param opts {method=, url=, headers={name=value}, body=, timeout=seconds}
-- @return status (integer), headers (table, lower-cased names), body (string)
-- @raise lakebase.Error of kind "network" when no HTTP answer arrived (retryable = true)
function M.request(opts)
  local method, headers = check(opts)
  local h = core.http { method = method, url = opts.url, headers = headers, body = opts.body,
    timeout = opts.timeout }
  sched.wait(h)
  local status, raw, body, seconds = h:result()
  if status == nil then
    log.debug("%s %s -> failed after %.0f ms: %s", method, redact.url(opts.url), seconds * 1000, raw)
    error(errors.new { kind = "network", message = redact.text(raw), curl_code = body,
      url = redact.url(opts.url), method = method, retryable = true }, 2)
  end
  log.debug("%s %s -> %d (%.0f ms)", method, redact.url(opts.url), status, seconds * 1000)
  local parsed = M.parse_headers(raw)
  return status, parsed, body
end

--- `t` as a query string or form body: keys sorted, values percent-encoded (letters, digits and
-- "-._~*," are left as they are, so update masks stay readable). "" for nil or an empty table.
function M.query(t)
  local keys, parts = {}, {}
  for k in pairs(t or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    parts[#parts + 1] = k .. "=" .. tostring(t[k]):gsub("[^%w%-._~*,]", function(c) return string.format("%%%02X", c:byte()) end)
  end
  return table.concat(parts, "&")
end

return M
