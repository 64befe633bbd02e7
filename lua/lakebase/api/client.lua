--- A client of the Lakebase API (`/api/2.0/postgres/`). Every call raises on failure: argument
-- mistakes as Lua errors in Lua's wording before anything is sent, API failures as lakebase.Error
-- objects (kind "api": status, error_code, message, request_id, retryable; kind "network";
-- kind "timeout"). 429, 503, transient transport failures (refused, reset, timed out) and, for
-- requests that may be repeated, cut-short or unreadable answers are retried with backoff inside
-- `opts.retry_timeout` (default retry.timeout: 300 s, --retry-timeout, LAKEBASE_RETRY_TIMEOUT);
-- certificate, DNS, URL and protocol failures and oversized answers fail at once. A create or
-- delete retried after its answer was lost settles on what the first attempt did instead of
-- failing with "already exists"/"not found".
local http = require "lakebase.runtime.http"
local json = require "lakebase.base.json"
local sched = require "lakebase.runtime.sched"
local validate = require "lakebase.api.validate"
local core = require "lakebase.core"
local errors = require "lakebase.base.errors"
local redact = require "lakebase.base.redact"
local printable = require "lakebase.base.printable"
local log = require "lakebase.base.log"
local schema = require "lakebase.api.schema"
local retry = require "lakebase.api.retry"
local resource = require "lakebase.api.resource"
local operation = require "lakebase.api.operation"
local shape = require "lakebase.api.shape"
local cleanup = require "lakebase.runtime.cleanup"
local input = require "lakebase.api.input"

local M = {}
local BASE = "/api/2.0/postgres/"

local Client = {}
Client.__index = Client
Client.__name = "lakebase.Client"

function Client:__tostring() return "lakebase.Client(" .. redact.url(self.host) .. ")" end

--- A workspace host as a URL: https:// added when no scheme is given, trailing slashes removed.
local function normalize_host(h)
  if not h:match("^%a[%w+.-]*://") then h = "https://" .. h end
  return (h:gsub("/+$", ""))
end
M.normalize_host = normalize_host

--- Creates a client. opts: host (workspace URL) and auth (a provider from lakebase.auth.providers),
-- or host and token, or token_source (a function returning a bearer token); retry_timeout
-- (seconds, default retry.timeout), request_timeout (seconds per attempt, default 60),
-- max_response_bytes (cap on an answer, default LAKEBASE_MAX_RESPONSE_BYTES or 32 MiB); auth_type
-- and client_id, when known, tell which Postgres user the caller is.
function M.new(opts)
  if type(opts) ~= "table" then error("bad argument #1 to 'client' (table expected, got " .. type(opts) .. ")", 2) end
  if type(opts.host) ~= "string" or opts.host == "" then
    error("bad argument #1 to 'client' (field 'host' must be the workspace URL, got " .. tostring(opts.host) .. ")", 2)
  end
  redact.register_url(opts.host)
  local auth = opts.auth
  if auth == nil and opts.token_source ~= nil then
    local source = opts.token_source
    auth = { kind = "token_source", authorization = function(_, client) return "Bearer " .. source(client) end }
  elseif auth == nil then
    if type(opts.token) ~= "string" or opts.token == "" then
      error("bad argument #1 to 'client' (field 'token', 'auth' or 'token_source' is required)", 2)
    end
    local header = "Bearer " .. opts.token
    redact.register(opts.token)
    auth = { kind = "pat", authorization = function() return header end }
  end
  for field, least in pairs { retry_timeout = 0, request_timeout = 1e-3, max_response_bytes = 1 } do
    local v = opts[field]
    if v ~= nil and (type(v) ~= "number" or not (v >= least)) then
      error("bad argument #1 to 'client' (field '" .. field .. "' must be a number, at least " .. least ..
        ", got " .. tostring(v) .. ")", 2)
    end
  end
  return setmetatable({ host = normalize_host(opts.host), auth = auth, auth_type = opts.auth_type or auth.kind,
    client_id = opts.client_id, retry_timeout = opts.retry_timeout, request_timeout = opts.request_timeout or 60,
    max_response_bytes = opts.max_response_bytes,
    stats = { requests = 0, retries = 0, reauth = 0 }, _credentials = {} }, Client)
end

local function query_string(q)
  local s = http.query(q)
  return s ~= "" and ("?" .. s) or ""
end

local function api_error(method, path, status, body, headers)
  local decoded = json.decode(body or "")
  local code, message
  if type(decoded) == "table" then  -- fields of the wrong type are ignored, not trusted; shown safely
    code = type(decoded.error_code) == "string" and printable.text(decoded.error_code, true) or nil
    message = type(decoded.message) == "string" and printable.text(decoded.message) or nil
  end
  return errors.new { kind = "api", status = status, error_code = code or ("HTTP_" .. status),
    message = redact.text(message or ("HTTP " .. status .. " from " .. method .. " " .. path)),
    request_id = headers and headers["x-request-id"], method = method, path = path,
    retryable = status == 429 or status == 503 }
end

-- Whether a request may be sent again after its answer was cut short or unreadable (the server
-- may have carried it out): the idempotent methods; PATCH, which sets the fields it names to the
-- values given, so a second time changes nothing more; and a POST whose caller settles a repeat
-- (a create checks a 409 ALREADY_EXISTS against what it asked for) or says it is harmless.
local function repeatable(method, opts)
  return http.IDEMPOTENT[method] or method == "PATCH" or opts.on_retry_status ~= nil or opts.idempotent == true
end

local function seconds_text(s) return s >= 1 and string.format("%.0fs", s) or string.format("%.1fs", s) end

--- One API call with retries. `path` is relative to /api/2.0/postgres/ (or absolute when it starts
-- with "/"). Returns the decoded body. opts.on_retry_status(status, err) may settle a retried call:
-- it returns true, value to finish with value instead of raising; opts.idempotent says a POST may
-- be repeated. Retries happen within the retry timeout (0: none), and no attempt runs past it
-- (a lone attempt has the request timeout). A retry once the call has taken two seconds or more
-- is announced on stderr (not under --quiet).
function Client:request(method, path, query, body, opts)
  opts = opts or {}
  local url = self.host .. (path:sub(1, 1) == "/" and path or (BASE .. path)) .. query_string(query)
  local payload = body ~= nil and json.encode(body) or nil
  local retry_timeout = self.retry_timeout or retry.timeout
  local started = core.now()
  local deadline = started + retry_timeout
  local again = repeatable(method, opts)
  local attempt, reauthed = 0, false
  while true do
    attempt = attempt + 1
    self.stats.requests = self.stats.requests + 1
    local headers = { Authorization = self.auth:authorization(self), Accept = "application/json" }
    if payload then headers["Content-Type"] = "application/json" end
    local timeout = self.request_timeout
    if retry_timeout > 0 then timeout = math.min(timeout, math.max(deadline - core.now(), 0.001)) end
    local ok, status, rheaders, text = pcall(http.request, { method = method, url = url, headers = headers,
      body = payload, timeout = timeout, max_body = self.max_response_bytes })
    local err, wait_hint, why
    if not ok then
      if not errors.is(status, "network") then error(status, 0) end  -- cancellation and bugs pass
      err, why = status, status.cause or status.message
      if err.limit then
        err.message = string.format("%s %s: the answer is larger than %d bytes, the limit (raise it with " ..
          "LAKEBASE_MAX_RESPONSE_BYTES or max_response_bytes = N in lakebase.client{...})", method, path, err.limit)
      end
      if err.reason == "truncated" then err.retryable = again end
      if not err.retryable then error(err, 0) end
    elseif status >= 200 and status < 300 then
      local decoded, derr = json.decode(text ~= "" and text or "{}")
      if decoded ~= nil then return decoded end
      why = "unreadable answer: " .. derr
      err = errors.new { kind = "network", reason = "unreadable", retryable = again, method = method, path = path,
        message = "unreadable answer from " .. method .. " " .. path .. ": " .. derr ..
          (again and "" or " (not retried: the server may have carried the request out)") }
      if not again then error(err, 0) end
    elseif status == 401 and not reauthed and self.auth.invalidate then
      -- The token may have been revoked or expired early: one fresh token, one more try.
      reauthed = true
      self.stats.reauth = self.stats.reauth + 1
      self.auth:invalidate()
      log.debug("%s %s: 401, retrying once with a new token", method, path)
      goto continue
    else
      err = api_error(method, path, status, text, rheaders)
      why = "HTTP " .. status .. " " .. err.error_code
      wait_hint = retry.retry_after(rheaders["retry-after"])
      if attempt > 1 and opts.on_retry_status then
        local settled, value = opts.on_retry_status(status, err)
        if settled then return value end
      end
      if not err.retryable then error(err, 0) end
    end
    local pause = retry.backoff(attempt, wait_hint)
    if core.now() + pause > deadline then
      err.message = err.message .. string.format(" (gave up after %d attempt%s in %gs)", attempt,
        attempt == 1 and "" or "s", retry_timeout)
      error(err, 0)
    end
    if core.now() - started + pause >= 2 then
      log.notice("%s %s: %s; retrying in %s (attempt %d)", method, path, why, seconds_text(pause), attempt + 1)
    else
      log.debug("retrying %s %s in %.1fs: %s", method, path, pause, tostring(err))
    end
    self.stats.retries = self.stats.retries + 1
    sched.sleep(pause)
    ::continue::
  end
end

--- Gives an API body of `kind` ("project", "branch", ...) its resource class.
function Client:wrap(kind, body) return resource.wrap(self, kind, body) end

-- How long after this client created a resource a 404 for it (or for what is below it) is taken
-- for the service's eventual consistency [live: a GET of a just-created endpoint can answer 404
-- for a while although the list shows it], and retried rather than believed.
M.SETTLE_SECONDS, M.SETTLE_WAIT = 60, 15

local function at_or_below(name, n) return name == n or name:sub(1, #n + 1) == n .. "/" end

--- Notes that this client has just created `name` (see Client:get).
function Client:note_created(name)
  self._recent = self._recent or {}
  self._recent[name] = core.now()
  for n in pairs(self._gone or {}) do
    if at_or_below(name, n) then self._gone[n] = nil end  -- made again where it was deleted
  end
end

--- Notes that `name` is being deleted by this client: a 404 at or below it is believed at once.
function Client:forget_created(name)
  for n in pairs(self._recent or {}) do
    if at_or_below(n, name) then self._recent[n] = nil end
  end
  if self._recent then
    self._gone = self._gone or {}
    self._gone[name] = core.now()
  end
end

-- Whether `name` or something above it was created by this client within SETTLE_SECONDS (and
-- not deleted by it since).
function Client:recently_created(name)
  if not self._recent then return false end
  local now = core.now()
  for n, t in pairs(self._gone or {}) do
    if now - t > M.SETTLE_SECONDS then self._gone[n] = nil
    elseif at_or_below(name, n) then return false end
  end
  for n, t in pairs(self._recent) do
    if now - t > M.SETTLE_SECONDS then
      self._recent[n] = nil
    elseif at_or_below(name, n) then
      return true
    end
  end
  return false
end

--- Fetches the resource called `name`. A 404 for something this client has just created (or
-- created the parent of) is retried for a while before it is believed.
function Client:get(name, kind)
  kind = kind or M.kind_of(name)
  local deadline = nil
  while true do
    local ok, body = pcall(self.request, self, "GET", name)
    if ok then return self:wrap(kind, shape.resource(body, "GET", name)) end
    if not (errors.is(body, "api") and body.status == 404 and self:recently_created(name)) then error(body, 0) end
    deadline = deadline or core.now() + M.SETTLE_WAIT
    if core.now() >= deadline then error(body, 0) end
    log.debug("GET %s: 404 just after it was created; retrying (eventual consistency)", name)
    sched.sleep(0.25)
  end
end

-- The iterators Client:list made and the kind each lists, so the REPL can print one as a table.
local listings = setmetatable({}, { __mode = "k" })

--- The kind a listing iterator lists, or nil when `fn` is not one.
function M.listing_kind(fn) return listings[fn] end

--- Lists children of `kind` under `parent` (nil for projects) as an iterator that fetches pages
-- lazily. opts: page_size, show_deleted, page_token (start from this page, as a listing's
-- next_page_token gave it).
function Client:list(parent, kind, opts)
  local def = schema[kind]
  opts = opts or {}
  local path = schema.collection_path(def, parent)
  local page, i, token, finished = {}, 0, opts.page_token, false
  local seen = {}  -- page tokens asked for: one coming back would make the listing endless
  local function iterator()
    while true do
      i = i + 1
      if page[i] then return self:wrap(kind, page[i]) end
      if finished then return nil end
      local q = { page_size = opts.page_size, page_token = token, show_deleted = opts.show_deleted and "true" or nil }
      local body = shape.page(self:request("GET", path, q), def.list_key, "GET", path)
      page, i = body[def.list_key] or {}, 0
      if token then seen[token] = true end
      token = body.next_page_token
      if token == nil or token == "" then finished = true
      elseif seen[token] then
        error(errors.new { kind = "api", method = "GET", path = path, message = string.format(
          "the service repeated the page token '%s' listing %s: the listing would never end", token, path) }, 0)
      end
    end
  end
  listings[iterator] = kind
  return iterator
end

-- Whether what `found` (an answer: status, no spec) shows agrees with the spec we asked for:
-- every requested field the status also has must be equal (ttl and other inputs the status does
-- not echo cannot be compared and are passed over).
local function same_request(spec, found)
  if type(found) ~= "table" then return false end
  for k, v in pairs(spec) do
    local f = found[k]
    if f ~= nil then
      if type(v) == "table" and type(f) == "table" then
        if getmetatable(v) == nil and #v == 0 then
          if not same_request(v, f) then return false end
        elseif json.encode(v) ~= json.encode(f) then
          return false
        end
      elseif f ~= v then
        return false
      end
    end
  end
  return true
end

-- A create refused because the resource exists: 409 ALREADY_EXISTS, or 400 "... already exists"
-- (roles and databases on the service).
local function already_exists(status, err)
  return (status == 409 and err.error_code == "ALREADY_EXISTS")
    or (status == 400 and type(err.message) == "string" and err.message:find("already exists", 1, true) ~= nil)
end

--- Creates a child of `kind` under `parent` (a singleton such as a Data API takes no id). spec:
-- the spec table (or a body {spec=..., ...}; for kinds whose fields are their own, such as CDF
-- configs, those fields). opts: replace_existing; ephemeral (delete it when the <close> variable
-- holding it goes out of scope, when the wait fails, or when the script ends, however it ends).
-- Returns an Operation.
function Client:create(parent, kind, id, spec, opts)
  local def = schema[kind]
  opts = opts or {}
  spec = spec or {}
  if type(spec) ~= "table" then
    error("bad argument #2 to 'create_" .. kind .. "' (table of spec fields expected, got " .. type(spec) .. ")", 3)
  end
  local body = (def.top_level or spec.spec) and spec or { spec = spec }
  input.spec(kind, def.top_level and body or body.spec, true, "create_" .. kind, 2, 2)
  local why = input.create_fields_problem(kind, body)
  if why then error("bad argument #2 to 'create_" .. kind .. "' (" .. why .. ")", 3) end
  -- An ID left to the service is known here when it defaults to a field (a CDF config's schema).
  local name_id = id
  if name_id == nil and def.id_default then name_id = body[def.id_default] end
  local name = schema.name_of(def, parent, name_id)
  local query = { replace_existing = opts.replace_existing and "true" or nil }
  if def.id_field and not def.read_only then query[def.id_field] = id end
  local path = schema.collection_path(def, parent)
  id = name_id
  local settled_op
  local function post()
    local raw = self:request("POST", path, query, body, { on_retry_status = function(status, err)
      -- Our first attempt may have created it before its answer was lost: if what is there now is
      -- what we asked for, that is our resource.
      if already_exists(status, err) and (id or def.singleton) then
        local ok, found = pcall(self.request, self, "GET", name)
        if ok and type(found) == "table" and (def.top_level and same_request(body, found) or
            (not def.top_level and same_request(body.spec, found.status))) then
          shape.resource(found, "GET", name)
          log.debug("create of %s was retried; found the resource the first attempt made", name)
          settled_op = operation.settled(self, self:wrap(kind, found), kind, name)
          return true, nil
        end
      end
    end })
    local op = settled_op or operation.new(self, shape.operation(raw, "POST", path), kind, name, "create")
    op.creates, op.resource_name = true, name
    return op
  end
  if not opts.ephemeral then return post() end

  -- Ephemeral: the deletion is registered before the request is sent, and the request runs in a
  -- task of its own that a cancellation of this one does not stop, so that whether the resource
  -- was made is known before cleaning up. No moment is left in which a cancelled workflow could
  -- have made something it does not delete.
  local entry = cleanup.ephemeral_creation(name, function(n) return self:wrap(kind, { name = n }) end)
  local request = sched.spawn(post)
  local ok, res = pcall(request.join, request)
  if not ok and not request:finished() then  -- we were cancelled: let the request finish first
    local cancelled = res
    local made, op = pcall(request.join, request)
    if made then entry.op = op end
    entry.run()
    error(cancelled, 0)
  end
  if not ok then
    -- Refused outright: nothing was made. Otherwise (no answer): delete whatever may exist.
    if errors.is(res, "api") and res.status and res.status < 500 and res.status ~= 429 then entry.discard()
    else entry.run() end
    error(res, 0)
  end
  res.cleanup, entry.op = entry, res
  return res
end

--- PATCH or DELETE returning an Operation; a DELETE retried after its answer was lost settles on
-- "not found".
function Client:mutate(method, name, query, body, kind)
  if method == "DELETE" then self:forget_created(name) end
  local gone = false
  local raw = self:request(method, name, query, body, { on_retry_status = function(status)
    if method == "DELETE" and status == 404 then gone = true return true, nil end
  end })
  if gone then return operation.settled(self, nil, kind, name) end
  -- Some updates answer with the resource itself (a snapshot schedule, per the Python SDK; the
  -- JavaScript SDK has them return an Operation): either way the caller gets an Operation.
  if type(raw) == "table" and raw.done == nil and type(raw.name) == "string" and not raw.name:find("/operations/", 1, true) then
    return operation.settled(self, self:wrap(kind, shape.resource(raw, method, name)), kind, name)
  end
  return operation.new(self, shape.operation(raw, method, name), kind, name, method == "DELETE" and "delete" or "update")
end

--- The kind of the resource a name designates ("projects/p/branches/b" -> "branch").
function M.kind_of(name)
  local def = require("lakebase.api.names").parse(name)
  if not def then error("not a Lakebase resource name: " .. tostring(name), 3) end
  return def.kind
end

-- Kinds at the top (projects, catalogs, synced tables): client:projects(), client:get_project(id),
-- client:create_project(id, spec, opts), and so on, as each kind's methods allow.
for _, kind in ipairs(schema.kinds) do
  local def = schema[kind]
  if not def.parent_kind then
    if not def.no_list then
      Client[def.list_key] = function(self, opts) return self:list(nil, kind, opts) end
    end
    Client["get_" .. kind] = function(self, id)
      resource.check_id(def, id, "get_" .. kind)
      return self:get(schema.name_of(def, nil, id), kind)
    end
    Client["create_" .. kind] = function(self, id, spec, opts)
      resource.check_id(def, id, "create_" .. kind)
      return self:create(nil, kind, id, spec, opts)
    end
  end
end

--- An operation by name (for example one started with --no-wait).
function Client:get_operation(name, kind)
  local raw = shape.operation(self:request("GET", name), "GET", name)
  local rname = name:match("^(.-)/operations/")
  return operation.new(self, raw, kind or (rname and M.kind_of(rname)), rname)
end

--- A database credential for an endpoint (its resource name or object): {token=, expire_time=}.
-- opts (optional): ttl (its lifetime, "900s" or a number of seconds, 300 to 3600) or expire_time
-- (RFC 3339, 5 minutes to 1 hour from now), claims (UC table permissions: {{permission_set =
-- "READ_ONLY", resources = {{table_name = "c.s.t"}}}}), group_name (mint for this group).
function Client:generate_database_credential(endpoint, opts)
  local name = type(endpoint) == "table" and endpoint.name or endpoint
  if type(name) ~= "string" then error("bad argument #1 to 'generate_database_credential' (endpoint name expected)", 2) end
  local body = M.credential_request(name, opts)
  local cred = shape.credential(self:request("POST", "credentials", nil, body, { idempotent = true }),
    "POST", "credentials")
  redact.register(cred.token)
  return cred
end

--- The body of a credential request for endpoint `name` and options `opts` (see
-- generate_database_credential), checked: raises "bad argument #2" naming a bad option.
function M.credential_request(name, opts)
  local function bad(msg) error("bad argument #2 to 'generate_database_credential' (" .. msg .. ")", 3) end
  if opts ~= nil and type(opts) ~= "table" then bad("table of options expected, got " .. type(opts)) end
  opts = opts or {}
  local body = { endpoint = name }
  for k in pairs(opts) do
    if k ~= "ttl" and k ~= "expire_time" and k ~= "claims" and k ~= "group_name" then
      bad("unknown option '" .. tostring(k) .. "'")
    end
  end
  if opts.ttl ~= nil and opts.expire_time ~= nil then bad("give ttl or expire_time, not both") end
  local ttl = opts.ttl
  if ttl ~= nil then
    local secs = type(ttl) == "number" and ttl or validate.duration(ttl)
    if type(secs) ~= "number" then bad("ttl must be a duration such as \"900s\", got " .. tostring(ttl)) end
    if secs < 300 or secs > 3600 then bad("ttl must be 300s to 3600s, got " .. tostring(ttl)) end
    body.ttl = type(ttl) == "number" and string.format("%gs", ttl) or ttl
  end
  if opts.expire_time ~= nil then
    local t, why = validate.timestamp(opts.expire_time)
    if not t then bad("expire_time " .. why) end
    local ahead = t - os.time()
    if ahead < 300 or ahead > 3600 then
      bad("expire_time must be 5 minutes to 1 hour from now, got " .. opts.expire_time)
    end
    body.expire_time = opts.expire_time
  end
  if opts.claims ~= nil then
    if type(opts.claims) ~= "table" then bad("claims must be a list of {permission_set=, resources=}") end
    body.claims = opts.claims
  end
  if opts.group_name ~= nil then
    if type(opts.group_name) ~= "string" or opts.group_name == "" then bad("group_name must be a group's name") end
    body.group_name = opts.group_name
  end
  return body
end

--- The user name of the caller (SCIM Me), which is also its Postgres role name. Cached.
function Client:current_user()
  if not self._user then
    local me = self:request("GET", "/api/2.0/preview/scim/v2/Me")
    if type(me.userName) ~= "string" then
      error(errors.new { kind = "api", message = "SCIM Me answered without a userName" }, 2)
    end
    self._user = me.userName
  end
  return self._user
end

--- The Postgres role the caller logs in as: a service principal's client id under OAuth M2M, else
-- the user name from the current-user API.
function Client:postgres_user()
  if self.auth_type == "oauth-m2m" and self.client_id then return self.client_id end
  return self:current_user()
end

--- A database credential for the endpoint, cached until 2 minutes before its expire_time and
-- minted single-flight (tasks asking meanwhile wait for the same one): {token=, expire_time=}.
function Client:database_credential(endpoint)
  local name = type(endpoint) == "table" and endpoint.name or endpoint
  if type(name) ~= "string" then error("bad argument #1 to 'database_credential' (endpoint name expected)", 2) end
  local entry = self._credentials[name]
  if entry and entry.expires - os.time() > 120 then return entry.cred end
  self._minting = self._minting or sched.single_flight()
  return self._minting(name, function()
    local cred = self:generate_database_credential(name)
    self._credentials[name] = { cred = cred, expires = validate.timestamp(cred.expire_time) or (os.time() + 300) }
    return cred
  end)
end

--- Drops the cached credential of an endpoint (after the server refused it).
function Client:forget_database_credential(endpoint)
  self._credentials[type(endpoint) == "table" and endpoint.name or endpoint] = nil
end

M.Client = Client
return M
