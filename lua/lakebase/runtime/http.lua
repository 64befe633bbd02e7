--- The low-level HTTP client: one request, waited for by yielding. Transfers share the loop's
-- libcurl multi handle, so connections are kept alive and HTTP/2 streams multiplexed.
-- Transport failures raise a lakebase.Error of kind "network" whose `reason` says what kind of
-- failure it was and whose `retryable` says whether trying again may help; any HTTP status is
-- returned. What is allowed and retried is decided by runtime/http_policy.lua: answers capped in
-- size, no credentials in clear text to a host other than this machine, CA certificates from the
-- environment.
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local errors = require "lakebase.base.errors"
local redact = require "lakebase.base.redact"
local log = require "lakebase.base.log"
local policy = require "lakebase.runtime.http_policy"

local M = {}

local METHODS = { GET = true, HEAD = true, POST = true, PUT = true, PATCH = true, DELETE = true, OPTIONS = true }
M.IDEMPOTENT = policy.IDEMPOTENT

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
  if opts.max_body ~= nil and (type(opts.max_body) ~= "number" or not (opts.max_body >= 1)) then
    argerror("field 'max_body' must be a number of bytes, 1 or more (math.huge for no limit), got " .. tostring(opts.max_body))
  end
  local headers, secret = {}, false
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
      secret = secret or redact.is_sensitive_header(k)
      headers[k] = v
    end
  end
  return method:upper(), headers, secret
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
-- @param opts {method=, url=, headers={name=value}, body=, timeout=seconds, max_body=bytes
--   (default policy.max_body: a larger body, after decompression, stops the transfer at once)}
-- @return status (integer), headers (table, lower-cased names), body (string)
-- @raise lakebase.Error of kind "network" when no HTTP answer arrived: `reason` (see
--   policy.CURL_FAILURES; "insecure" when refused before sending), `cause` (what went wrong, without the
--   request), `retryable`, `curl_code`, and `limit` (the cap a body went over)
function M.request(opts)
  local method, headers, secret = check(opts)
  local url = redact.url(opts.url)
  local insecure = policy.insecure_reason(opts.url)
  -- A body holding a known secret (a refresh token in a form) is a credential too.
  if insecure and (secret or (opts.body ~= nil and redact.text(opts.body) ~= opts.body)) then
    error(errors.new { kind = "network", reason = "insecure", cause = insecure, message = insecure, url = url,
      method = method, retryable = false }, 2)
  end
  if policy.max_requests_problem then error("http: " .. policy.max_requests_problem, 2) end
  local max_body = opts.max_body or policy.max_body
  local h = core.http { method = method, url = opts.url, headers = headers, body = opts.body,
    timeout = opts.timeout, max_body = max_body, ca_file = policy.CA_FILE, ca_path = policy.CA_PATH,
    slots = policy.max_requests }
  sched.wait(h)
  local status, raw, body, seconds, over = h:result()
  if status == nil then
    local code = body
    local reason, cause = policy.explain(code, redact.text(raw), over, max_body)
    local retryable = reason == "retry" or (reason == "truncated" and M.IDEMPOTENT[method] == true)
    log.debug("%s %s -> failed after %.0f ms: %s", method, url, seconds * 1000, cause)
    error(errors.new { kind = "network", message = method .. " " .. url .. ": " .. cause, cause = cause,
      reason = reason, curl_code = code, url = url, method = method, retryable = retryable,
      limit = over == "body" and max_body or nil }, 2)
  end
  log.debug("%s %s -> %d (%.0f ms)", method, url, status, seconds * 1000)
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
