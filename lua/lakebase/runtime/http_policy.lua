--- What the HTTP client may do, in one place: how large an answer may be, which transport
-- failures are worth another attempt, which CA certificates to trust, and where credentials may
-- go. runtime/http.lua applies it to every request.
local redact = require "lakebase.base.redact"

local M = {}

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

--- HTTP transfers in flight at once: LAKEBASE_MAX_REQUESTS (1-10000), else 64; later requests
-- queue in the loop, holding no connection. A malformed variable sets `max_requests_problem`,
-- raised by the first request.
M.max_requests = 64
do
  local text = os.getenv("LAKEBASE_MAX_REQUESTS")
  if text and text ~= "" then
    local n = text:match("^%d+$") and math.tointeger(tonumber(text))
    if n and n >= 1 and n <= 10000 then
      M.max_requests = n
    else
      M.max_requests_problem = "LAKEBASE_MAX_REQUESTS is '" .. text:sub(1, 40) .. "': expected a whole number from 1 to 10000"
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

--- What went wrong, for people: libcurl's `message` (already redacted) for failure `code`, with a
-- hint where one helps; `over` ("body", "headers") names the cap that stopped the transfer.
-- Returns the reason and the text.
function M.explain(code, message, over, max_body)
  if over == "body" then
    return "too_large", string.format("the answer is larger than %d bytes, the limit (raise it with max_body = N " ..
      "in lakebase.http.request{...} or LAKEBASE_MAX_RESPONSE_BYTES)", max_body)
  elseif over == "headers" then
    return "too_large", message .. " (a server sending that much is broken or hostile)"
  end
  local reason = M.failure_reason(code, message)
  if code == 27 then
    message = message .. " (or a response header line longer than libcurl's limit of 100 KB)"
  elseif code == 77 then
    message = message .. " (the CA bundle named by LAKEBASE_CA_BUNDLE, CURL_CA_BUNDLE or SSL_CERT_FILE)"
  elseif HINTS[reason] and (reason ~= "tls" or code == 60) then
    message = message .. " (" .. HINTS[reason] .. ")"
  end
  return reason, message
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
M.CA_FILE, M.CA_PATH = M.ca_settings()  -- the environment does not change while lakebase runs

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

return M
