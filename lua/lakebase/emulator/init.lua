--- The local Lakebase emulator: the REST API of ../shared/lakebase-api.md served on loopback by
-- lakebase's own HTTP server and event loop, with real PostgreSQL servers as computes (see
-- compute_pg.lua), OAuth endpoints, fault injection and state that survives restarts.
--
--   local emu = require("lakebase.emulator").start { port = 0, data = dir }
--   emu.url, emu.token ... emu:stop()
local sched = require "lakebase.runtime.sched"
local core = require "lakebase.core"
local json = require "lakebase.base.json"
local httpd = require "lakebase.runtime.httpd"
local log = require "lakebase.base.log"
local redact = require "lakebase.base.redact"
local errors = require "lakebase.base.errors"
local views = require "lakebase.emulator.views"
local api = require "lakebase.emulator.api"
local operations = require "lakebase.emulator.operations"
local faults = require "lakebase.emulator.faults"
local store_mod = require "lakebase.emulator.store"
local credentials = require "lakebase.emulator.credentials"
local child = require "lakebase.emulator.child"
local latency = require "lakebase.emulator.latency"

local M = {}

local random_hex = require("lakebase.base.random").hex
M.random_hex = random_hex

local function json_response(status, body, extra)
  local headers = { ["Content-Type"] = "application/json" }
  for k, v in pairs(extra or {}) do headers[k] = v end
  return status, headers, json.encode(body)
end

local b64decode = require("lakebase.base.base64").decode

-- OAuth: discovery document and the client-credentials token endpoint.
local function oidc(E, req)
  if req.path == "/oidc/.well-known/oauth-authorization-server" then
    return json_response(200, { issuer = E.url .. "/oidc", token_endpoint = E.url .. "/oidc/v1/token",
      authorization_endpoint = E.url .. "/oidc/v1/authorize", grant_types_supported = json.array { "client_credentials", "refresh_token" },
      scopes_supported = json.array { "all-apis" } })
  end
  if req.path == "/oidc/v1/token" and req.method == "POST" then
    local form = httpd.parse_query(req.body)
    local id, secret = form.client_id, form.client_secret
    local basic = (req.headers.authorization or ""):match("^[Bb]asic%s+(%S+)")
    if basic then id, secret = (b64decode(basic) or ""):match("^([^:]*):(.*)$") end
    E.token_requests = (E.token_requests or 0) + 1
    if form.grant_type == "refresh_token" then
      -- The Databricks CLI's user login, refreshed: accepted for the configured refresh token.
      if not E.opts.refresh_token or form.refresh_token ~= E.opts.refresh_token or form.client_id ~= "databricks-cli" then
        return json_response(400, { error = "invalid_grant", error_description = "Refresh token is invalid or expired" })
      end
      local token = "eyJlbXUi" .. random_hex(24)
      local ttl = E.opts.oauth_ttl or 3600
      E.oauth_tokens[token] = { identity = E.opts.user, expires = core.now() + ttl }
      return json_response(200, { access_token = token, token_type = "Bearer", expires_in = ttl,
        refresh_token = E.opts.refresh_token })
    end
    if form.grant_type ~= "client_credentials" then
      return json_response(400, { error = "unsupported_grant_type",
        error_description = "grant_type must be client_credentials or refresh_token, got " .. tostring(form.grant_type) })
    end
    if not E.opts.client_id or id ~= E.opts.client_id or secret ~= E.opts.client_secret then
      return json_response(401, { error = "invalid_client", error_description = "Client authentication failed" })
    end
    local token = "eyJlbXUi" .. random_hex(24)
    local ttl = E.opts.oauth_ttl or 3600
    E.oauth_tokens[token] = { identity = id, expires = core.now() + ttl }
    return json_response(200, { access_token = token, token_type = "Bearer", expires_in = ttl,
      scope = form.scope or "all-apis" })
  end
  return json_response(404, { error = "not_found" })
end

-- Returns the caller's identity, or nil and an error response.
local function authenticate(E, req)
  local auth = req.headers.authorization
  if not auth then return nil, { views.error(401, "UNAUTHENTICATED", "missing Authorization header: expected 'Bearer <token>'") } end
  local token = auth:match("^[Bb]earer%s+(%S+)$")
  if not token then return nil, { views.error(401, "UNAUTHENTICATED", "Authorization header must be 'Bearer <token>'") } end
  if token == E.opts.token then return E.opts.user end
  local t = E.oauth_tokens[token]
  if t and t.expires > core.now() then return t.identity end
  if t then return nil, { views.error(401, "UNAUTHENTICATED", "Token expired") } end
  return nil, { views.error(401, "UNAUTHENTICATED", "Invalid access token") }
end

local DATA_API = "/api/2.0/data-api/"

local function handle(E, req)
  local F = E.faults
  if req.path:sub(1, 6) == "/oidc/" then return oidc(E, req) end
  if F.roll("slow") then sched.sleep(E.opts.slow_seconds or 2) end
  if F.roll("429") then
    local s, b = views.error(429, "REQUEST_LIMIT_EXCEEDED", "Too many requests (fault injection)")
    return json_response(s, b, { ["Retry-After"] = tostring(E.opts.retry_after or 1) })
  end
  if F.roll("503") then
    return json_response(views.error(503, "TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable (fault injection)"))
  end
  local identity, err = authenticate(E, req)
  local status, body
  if not identity then
    status, body = err[1], err[2]
  elseif req.path:sub(1, #api.PREFIX) == api.PREFIX then
    local ok
    ok, status, body = pcall(api.handle, E, req, identity)
    if not ok then  -- the emulator's own failure (state.json unwritable, say): in the API's format
      if errors.is(status, "cancelled") then error(status, 0) end
      log.warn("%s %s failed: %s", req.method, req.path, tostring(status))
      status, body = views.error(500, "INTERNAL_ERROR", "The emulator failed: " .. tostring(status))
    end
  elseif req.path:sub(1, #DATA_API) == DATA_API then
    -- The URL a Data API's status gives: the emulator has no PostgREST behind it, and says so.
    status, body = views.error(501, "NOT_IMPLEMENTED", "the Lakebase emulator does not serve the Data API " ..
      "(PostgREST); its configuration is kept, its requests are not answered")
  elseif req.path == "/api/2.0/preview/scim/v2/Me" and req.method == "GET" then
    status, body = 200, { userName = identity, id = "1", active = true,
      emails = json.array { { value = identity, primary = true } } }
  else
    status, body = views.error(404, "ENDPOINT_NOT_FOUND", "No API found for '" .. req.method .. " " .. req.path .. "'")
  end
  E.requests = E.requests + 1
  if F.roll("drop") then  -- the work is done but the answer is lost
    req.hijacked = true
    req.conn:close()
    return
  end
  local rid = random_hex(8)
  if F.roll("malformed") then
    return 200, { ["Content-Type"] = "application/json", ["X-Request-Id"] = rid }, '{"name": "projects/trunc'
  end
  return json_response(status, body, { ["X-Request-Id"] = rid })
end

--- Starts the emulator. opts: port (0 = free port), data (directory, nil = memory only), token,
-- client_id, client_secret, user, op_latency (seconds, or a spread "1-3"), faults (string), seed, slow_seconds, retry_after,
-- credential_ttl, oauth_ttl, postgres (false: simulated computes), pg_bindir.
-- Returns the emulator: .url, .port, .token, .ca_file, :stop().
function M.start(opts)
  opts = opts or {}
  local E = { opts = opts, oauth_tokens = {}, requests = 0, clock = os.time }
  opts.token = opts.token or ("dapi" .. random_hex(16))
  opts.user = opts.user or "emulator-user@example.com"
  opts.pg_host = opts.pg_host or "127.0.0.1"
  redact.register(opts.token)
  redact.register(opts.client_secret)
  redact.register(opts.refresh_token)
  E.faults = faults.new(faults.parse(opts.faults), opts.seed)
  local seed = opts.seed or math.floor(core.now() * 1000)
  local rng_state = seed * 6364136223846793005 + 1442695040888963407
  function E.rng(max)
    rng_state = rng_state * 6364136223846793005 + 1442695040888963407
    return ((rng_state >> 17) & 0x7fffffffffff) % (max + 1)
  end
  -- Each operation's latency: opts.op_latency seconds, or drawn from a spread ("1-3").
  local _, bad_latency = latency.parse(opts.op_latency or 0)
  if bad_latency then error("emulator op_latency: " .. bad_latency, 2) end
  function E.op_latency() return latency.draw(opts.op_latency, function() return E.rng(999999) / 1e6 end) end
  E.tasks = {}
  function E.spawn(fn)
    local t = sched.spawn(fn)
    E.tasks[t] = true
    t.on_finish[#t.on_finish + 1] = function() E.tasks[t] = nil end
    return t
  end
  local function run(argv) return child.exec(argv).stdout:match("^%s*(.-)%s*$") end
  if opts.data then
    run { "mkdir", "-p", "-m", "0700", opts.data }
  end
  if opts.postgres ~= false then
    -- The servers' Unix sockets, private to this emulator process: in $TMPDIR (so that a test run
    -- can tell its own servers from others'), unless that is relative or too long for a socket
    -- path (104 bytes on macOS, with "/lbpg-XXXXXX/.s.PGSQL.65535"), then in /tmp.
    local base = (os.getenv("TMPDIR") or ""):gsub("/+$", "")
    if base:sub(1, 1) ~= "/" or #base > 75 then base = "/tmp" end
    E.sockdir = run { "mktemp", "-d", base .. "/lbpg-XXXXXX" }
    -- mktemp -t: in $TMPDIR, else /tmp
    if not opts.data then E.tmpdir = run { "mktemp", "-d", "-t", "lakebase-emulator-XXXXXX" } end
  end
  E.store = store_mod.open(opts.data)
  if opts.postgres == false then
    E.compute = require("lakebase.emulator.compute_sim").new(E)
  else
    E.compute = require("lakebase.emulator.compute_pg").new(E)
  end
  -- Eventual consistency [live: a GET of a just-created endpoint can answer 404 for a while
  -- although the list shows it]: with the "lag" fault, such a GET is answered 404 during the
  -- first opts.lag_seconds (default 2) of the endpoint's life.
  if (E.faults.rates.lag or 0) > 0 then
    function E.lagging(rec)
      return rec.kind == "endpoint" and E.clock() - ((rec.runtime or {}).created_at or 0) < (opts.lag_seconds or 2)
        and E.faults.roll("lag")
    end
  end
  --- A new database credential for `identity` on endpoint `ep`'s branch: {token=, expires=}, valid
  -- for ttl_seconds (default --credential-ttl, else 3600) whatever is minted later.
  function E.credentials(ep, identity, ttl_seconds)
    return credentials.mint(E, ep, identity, ttl_seconds)
  end
  --- True when `token` is an unexpired credential of `user` for `branch` (a resource name).
  function E.check_token(token, user, branch)
    return credentials.check(E, token, user, branch)
  end
  credentials.prune(E)

  local server = httpd.serve { host = "127.0.0.1", port = opts.port or 0, handler = function(req)
    return handle(E, req)
  end }
  E.port = server.port
  E.url = "http://127.0.0.1:" .. server.port
  E.compute.resume()
  operations.resume_pending(E)
  E.spawn(function()
    while true do
      sched.sleep(opts.housekeeping_interval or 5)
      local ok, err = pcall(operations.housekeeping, E)
      if not ok and errors.is(err, "cancelled") then error(err, 0) end
      if not ok then log.warn("emulator housekeeping failed: %s", tostring(err)) end
    end
  end)

  -- ca_file: the certificate authority of the computes' TLS certificate (nil without PostgreSQL).
  local emu = { url = E.url, port = E.port, token = opts.token, engine = E, ca_file = E.ca_file }
  --- Stops serving, cancels running operations (they finish on the next start) and stops every
  -- PostgreSQL server this emulator started.
  function emu:stop()
    if self.stopped then return end
    self.stopped = true
    server:close()
    for t in pairs(E.tasks) do t:cancel("emulator stopping") end
    for t in pairs(E.tasks) do pcall(t.join, t) end
    E.compute.shutdown()
    E.store:flush()
    for _, dir in ipairs { E.tmpdir, E.sockdir } do
      pcall(child.exec, { "rm", "-rf", dir })
    end
  end
  log.debug("emulator listening on %s", E.url)
  return emu
end

return M
