--- The low-level HTTP client: one request, waited for by yielding. Transfers share the loop's
-- libcurl multi handle, so connections are kept alive and HTTP/2 streams multiplexed.
-- Transport failures raise a lakebase.Error of kind "network" whose `reason` says what kind of
-- failure it was (see CURL_FAILURES) and whose `retryable` says whether trying again may help; any
-- HTTP status is returned. Answers are capped in size, credentials never travel in clear text to a
-- host other than this machine, and a private CA can be trusted through the environment.
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local errors = require "lakebase.base.errors"
local redact = require "lakebase.base.redact"
local log = require "lakebase.base.log"

local M = {}

local METHODS = { GET = true, HEAD = true, POST = true, PUT = true, PATCH = true, DELETE = true, OPTIONS = true }
-- Methods that do no more harm when sent twice (RFC 9110): a cut-short answer to one is retryable.
M.IDEMPOTENT = { GET = true, HEAD = true, PUT = true, DELETE = true, OPTIONS = true }

--- The default cap on a response body (after decompression), in bytes: LAKEBASE_MAX_RESPONSE_BYTES,
-- else 32 MiB. A page of 100 branches is about 0.5 MB. A malformed variable sets
-- `max_response_problem` instead, which the command line refuses to start with.
M.DEFAULT_MAX_BODY = 32 * 1024 * 1024
M.max_body = M.DEFAULT_MAX_BODY
do
  local text = os.getenv("LAKEBASE_MAX_RESPONSE_BYTES")
  if text and text ~= "" then
    local n = text:match("^%d+$") and math.tointeger(tonumber(text))
    if n and n >= 1 then
      M.max_body = n
    else
      M.max_response_problem = "LAKEBASE_MAX_RESPONSE_BYTES is '" .. text .. "': expected a whole number of bytes, 1 or more"
    end
  end
end

--- What a transport failure means, by libcurl error code (curl/curl.h), in one place:
-- retry      the network or the server may recover: retried (refused, reset, timed out, no answer)
-- truncated  the request arrived but the answer was cut short: retried only when sending the
--            request twice does no harm
-- dns, url, tls, protocol, too_large, local   fail at once: waiting will not change the answer
-- A code missing here fails at once too.
M.CURL_FAILURES = {
  [1] = "protocol",   -- UNSUPPORTED_PROTOCOL: also a status line that is not HTTP ("HTTP/0.9")
  [2] = "local",      -- FAILED_INIT
  [3] = "url",        -- URL_MALFORMAT
  [4] = "local",      -- NOT_BUILT_IN
  [5] = "dns",        -- COULDNT_RESOLVE_PROXY
  [6] = "dns",        -- COULDNT_RESOLVE_HOST
  [7] = "retry",      -- COULDNT_CONNECT: refused, unreachable
  [8] = "protocol",   -- WEIRD_SERVER_REPLY
  [16] = "retry",     -- HTTP2: the connection went away (GOAWAY)
  [18] = "truncated", -- PARTIAL_FILE: body shorter than announced, chunked body cut short
  [23] = "local",     -- WRITE_ERROR: out of memory storing the answer (a size cap: too_large)
  [25] = "retry",     -- UPLOAD_FAILED
  [26] = "local",     -- READ_ERROR
  [27] = "local",     -- OUT_OF_MEMORY: also a response header line over libcurl's 100 KB
  [28] = "retry",     -- OPERATION_TIMEDOUT
  [35] = "retry",     -- SSL_CONNECT_ERROR: the TLS handshake was cut short
  [43] = "local",     -- BAD_FUNCTION_ARGUMENT
  [45] = "local",     -- INTERFACE_FAILED
  [47] = "protocol",  -- TOO_MANY_REDIRECTS
  [52] = "retry",     -- GOT_NOTHING: closed without a byte of answer
  [53] = "tls", [54] = "tls",  -- SSL_ENGINE_*
  [55] = "retry",     -- SEND_ERROR: reset while sending
  [56] = "retry",     -- RECV_ERROR: reset while receiving (but see PROTOCOL_RECV_ERRORS)
  [58] = "tls",       -- SSL_CERTPROBLEM (a client certificate)
  [59] = "tls",       -- SSL_CIPHER
  [60] = "tls",       -- PEER_FAILED_VERIFICATION: the server's certificate is not trusted
  [61] = "protocol",  -- BAD_CONTENT_ENCODING: gzip that does not decode
  [63] = "too_large", -- FILESIZE_EXCEEDED
  [64] = "tls",       -- USE_SSL_FAILED
  [65] = "retry",     -- SEND_FAIL_REWIND
  [66] = "tls",       -- SSL_ENGINE_INITFAILED
  [77] = "tls",       -- SSL_CACERT_BADFILE: the CA bundle cannot be read
  [80] = "retry",     -- SSL_SHUTDOWN_FAILED
  [82] = "tls", [83] = "tls", [90] = "tls", [91] = "tls", [98] = "tls",  -- CRL, issuer, pinned key, OCSP, client cert
  [92] = "retry",     -- HTTP2_STREAM: the stream was reset (REFUSED_STREAM...)
  [97] = "protocol",  -- PROXY: the proxy handshake failed
  [100] = "too_large", -- TOO_LARGE (libcurl 8): response headers over its limit
}
-- libcurl 7.x reports broken chunked encoding and oversized headers as RECV_ERROR, like a reset:
-- told apart by their messages, they are protocol violations.
local PROTOCOL_RECV_ERRORS = { "chunked%-encoding", "[Tt]oo large", "[Mm]alformed", "[Ii]llegal" }

local HINTS = {
  dns = "the host name does not resolve: check the host (DATABRICKS_HOST, --host or the profile)",
  tls = "to trust a private CA, set LAKEBASE_CA_BUNDLE (or SSL_CERT_FILE, CURL_CA_BUNDLE) to its PEM file",
  protocol = "the server's answer is not valid HTTP",
}

--- The reason (a CURL_FAILURES value) of transport failure `code` with libcurl message `message`.
function M.failure_reason(code, message)
  local reason = M.CURL_FAILURES[code] or "local"
  if code == 56 then
    for _, pattern in ipairs(PROTOCOL_RECV_ERRORS) do
      if message:find(pattern) then return "protocol" end
    end
  end
  return reason
end

--- The CA certificates to trust besides or instead of libcurl's default bundle: a PEM file and a
-- directory hashed with `openssl rehash` (either may be nil). LAKEBASE_CA_BUNDLE first; else as
-- the curl command reads the environment: CURL_CA_BUNDLE, else SSL_CERT_FILE and SSL_CERT_DIR.
local function env(name)
  local v = os.getenv(name)
  return v ~= "" and v or nil
end
function M.ca_settings()
  local file = env("LAKEBASE_CA_BUNDLE") or env("CURL_CA_BUNDLE")
  if file then return file, nil end
  return env("SSL_CERT_FILE"), env("SSL_CERT_DIR")
end
local CA_FILE, CA_PATH = M.ca_settings()  -- the environment does not change while lakebase runs

--- The host of an http(s) URL, lower-cased, without userinfo, port or IPv6 brackets.
local function url_host(url)
  local authority = url:match("^%a[%w+.-]*://([^/?#]*)") or ""
  authority = authority:match("^.*@(.*)$") or authority
  local host = authority:match("^%[([^%]]*)%]") or authority:match("^[^:]*")
  return host:lower()
end

--- True when `url` names this machine by a loopback address (127.0.0.0/8, ::1, localhost).
function M.is_loopback(url)
  local host = url_host(url)
  if host == "localhost" or host == "::1" then return true end
  local a, b, c, d = host:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return false end
  for _, x in ipairs { a, b, c, d } do
    if #x > 3 or tonumber(x) > 255 then return false end
  end
  return tonumber(a) == 127
end

--- Why a request to `url` carrying credentials must not be sent, or nil: plain http:// to a host
-- other than this machine puts the token on the wire in clear text. LAKEBASE_ALLOW_INSECURE_HTTP=1
-- allows it (a trusted network, a TLS-terminating proxy on the same host).
function M.insecure_reason(url)
  if url:sub(1, 7):lower() ~= "http://" or M.is_loopback(url) or os.getenv("LAKEBASE_ALLOW_INSECURE_HTTP") == "1" or
    url_host(url):find("[%s%c]") then  -- no request can go to such a host: libcurl says why
    return nil
  end
  return "refusing to send credentials in clear text to " .. redact.url(url:match("^%a+://[^/?#]*")) ..
    ": use https://, or set LAKEBASE_ALLOW_INSECURE_HTTP=1 to allow plain http:// to hosts other than this machine"
end

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
--   (default M.max_body: a larger body, after decompression, stops the transfer at once)}
-- @return status (integer), headers (table, lower-cased names), body (string)
-- @raise lakebase.Error of kind "network" when no HTTP answer arrived: `reason` (see
--   CURL_FAILURES; "insecure" when refused before sending), `cause` (what went wrong, without the
--   request), `retryable`, `curl_code`, and `limit` (the cap a body went over)
function M.request(opts)
  local method, headers, secret = check(opts)
  local url = redact.url(opts.url)
  local insecure = M.insecure_reason(opts.url)
  -- A body holding a known secret (a refresh token in a form) is a credential too.
  if insecure and (secret or (opts.body ~= nil and redact.text(opts.body) ~= opts.body)) then
    error(errors.new { kind = "network", reason = "insecure", cause = insecure, message = insecure, url = url,
      method = method, retryable = false }, 2)
  end
  local max_body = opts.max_body or M.max_body
  local h = core.http { method = method, url = opts.url, headers = headers, body = opts.body,
    timeout = opts.timeout, max_body = max_body, ca_file = CA_FILE, ca_path = CA_PATH }
  sched.wait(h)
  local status, raw, body, seconds, over = h:result()
  if status == nil then
    local code = body
    local reason = over and "too_large" or M.failure_reason(code, raw)
    local cause = redact.text(raw)
    if over == "body" then
      cause = string.format("the answer is larger than %d bytes, the limit (raise it with max_body = N in " ..
        "lakebase.http.request{...} or LAKEBASE_MAX_RESPONSE_BYTES)", max_body)
    elseif over == "headers" then
      cause = cause .. " (a server sending that much is broken or hostile)"
    elseif code == 27 then
      cause = cause .. " (or a response header line longer than libcurl's limit of 100 KB)"
    elseif code == 77 then
      cause = cause .. " (the CA bundle named by LAKEBASE_CA_BUNDLE, CURL_CA_BUNDLE or SSL_CERT_FILE)"
    elseif HINTS[reason] and (reason ~= "tls" or code == 60) then
      cause = cause .. " (" .. HINTS[reason] .. ")"
    end
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
