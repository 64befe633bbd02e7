--- Credentials providers: give each request its Authorization header, keeping tokens fresh.
--   pat             the personal access token
--   basic           username and password (legacy)
--   oauth-m2m       client credentials against the workspace's OIDC token endpoint (found by
--                   discovery), fetched again before the token expires
--   databricks-cli  the Databricks CLI's login cache (~/.databricks/token-cache.json), refreshed
--                   with its refresh token (the cache is written back, mode 0600); failing that,
--                   `databricks auth token --host HOST`
-- Fetching is single-flight: tasks that need a token while one is being fetched wait for it.
-- `invalidate()` drops the current token (after a 401) so the next call fetches a new one.
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local http = require "lakebase.runtime.http"
local json = require "lakebase.base.json"
local errors = require "lakebase.base.errors"
local redact = require "lakebase.base.redact"
local base64 = require "lakebase.base.base64"
local validate = require "lakebase.api.validate"

local M = {}

local function auth_error(msg)
  return errors.new { kind = "auth", message = msg, retryable = false }
end

local form = http.query

-- Seconds before expiry at which a token is replaced: a fifth of its life, at most a minute.
local function margin(lifetime) return math.min(60, math.max(0, lifetime) * 0.2) end

--- A provider that keeps one token, fetched by `fetch()` -> token, lifetime_seconds.
local function cached(label, fetch)
  local p = { kind = label }
  local token, fresh_until
  local once = sched.single_flight()
  function p:authorization()
    if not (token and core.now() < fresh_until) then
      once("token", function()
        local t, lifetime = fetch()
        redact.register(t)
        token, fresh_until = t, core.now() + lifetime - margin(lifetime)
        p.fetches = (p.fetches or 0) + 1
      end)
    end
    return "Bearer " .. token
  end
  function p:invalidate() token = nil end
  return p
end

local function post_token(url, body, headers, what)
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers.Accept = "application/json"
  local ok, status, _, text = pcall(http.request, { method = "POST", url = url, headers = headers, body = body, timeout = 30 })
  if not ok then error(auth_error(what .. ": " .. tostring(status)), 0) end
  local decoded = json.decode(text)
  if status ~= 200 or type(decoded) ~= "table" or type(decoded.access_token) ~= "string" then
    local why = type(decoded) == "table" and (decoded.error_description or decoded.error) or text:sub(1, 200)
    error(auth_error(string.format("%s: HTTP %d: %s", what, status, redact.text(tostring(why)))), 0)
  end
  redact.register(decoded.access_token)
  if type(decoded.refresh_token) == "string" then redact.register(decoded.refresh_token) end
  return decoded
end

-- The workspace's token endpoint, from its OIDC discovery document.
local function token_endpoint(host)
  local url = host .. "/oidc/.well-known/oauth-authorization-server"
  local ok, status, _, text = pcall(http.request, { url = url, timeout = 30 })
  if not ok then error(auth_error("OAuth discovery at " .. url .. ": " .. tostring(status)), 0) end
  local doc = json.decode(text)
  if status ~= 200 or type(doc) ~= "table" or type(doc.token_endpoint) ~= "string" then
    error(auth_error("OAuth discovery at " .. url .. " gave HTTP " .. status .. " without a token_endpoint"), 0)
  end
  return doc.token_endpoint
end

local function m2m(cfg)
  local id, secret = cfg.attrs.client_id.value, cfg.attrs.client_secret.value
  local endpoint
  return cached("oauth-m2m", function()
    endpoint = endpoint or token_endpoint(cfg.host)
    local t = post_token(endpoint, form { grant_type = "client_credentials", scope = "all-apis" },
      { Authorization = "Basic " .. base64.encode(id .. ":" .. secret) },
      "OAuth token for client " .. id .. " from " .. endpoint)
    return t.access_token, tonumber(t.expires_in) or 3600
  end)
end

--- The CLI's token cache: {version=, tokens = {[host] = {access_token=, refresh_token=, expiry=}}}.
function M.token_cache_path(env)
  local home = (env or os.getenv)("HOME") or ""
  return home .. "/.databricks/token-cache.json"
end

local function read_cache(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local cache = json.decode(f:read("a"))
  f:close()
  return type(cache) == "table" and type(cache.tokens) == "table" and cache or nil
end

-- The cache's entry for `host` (its key with or without a trailing slash), or nil.
local function cache_entry(cache, host)
  local entry = cache.tokens[host] or cache.tokens[host .. "/"]
  return type(entry) == "table" and entry or nil
end

--- Whether the databricks-cli method can possibly give a token for `host`: nil when the CLI's
-- cache holds a login for it or a `databricks` command is on PATH; else why not, for the error
-- that lists what was tried. `env` is a getenv function (default os.getenv).
function M.cli_login_problem(host, env)
  env = env or os.getenv
  local path = M.token_cache_path(env)
  local cache = read_cache(path)
  if cache and cache_entry(cache, host) then return nil end
  for dir in ((env("PATH") or "") .. ":"):gmatch("([^:]*):") do
    local f = io.open((dir == "" and "." or dir) .. "/databricks", "rb")
    if f then
      f:close()
      return nil
    end
  end
  return (cache and ("no login for " .. host .. " in " .. path) or ("no token cache at " .. path)) ..
    ", and no 'databricks' command on PATH"
end

local function cli(cfg)
  local path = M.token_cache_path()
  local tried = {}
  local function from_cache()
    local cache = read_cache(path)
    if not cache then
      tried[#tried + 1] = "no token cache at " .. path
      return nil
    end
    local entry = cache_entry(cache, cfg.host)
    if not entry then
      tried[#tried + 1] = "no login for " .. cfg.host .. " in " .. path
      return nil
    end
    if type(entry.access_token) == "string" then redact.register(entry.access_token) end
    if type(entry.refresh_token) == "string" then redact.register(entry.refresh_token) end
    local expiry = entry.expiry and validate.timestamp(entry.expiry)
    local left = expiry and expiry - os.time()
    if entry.access_token and left and left > margin(3600) then return entry.access_token, left end
    if type(entry.refresh_token) ~= "string" then
      tried[#tried + 1] = "the cached login for " .. cfg.host .. " has expired"
      return nil
    end
    local ok, t = pcall(function()
      return post_token(token_endpoint(cfg.host), form { grant_type = "refresh_token", refresh_token = entry.refresh_token,
        client_id = "databricks-cli" }, {}, "refreshing the Databricks CLI login for " .. cfg.host)
    end)
    if not ok then
      tried[#tried + 1] = tostring(t)
      return nil
    end
    local lifetime = tonumber(t.expires_in) or 3600
    entry.access_token = t.access_token
    entry.refresh_token = t.refresh_token or entry.refresh_token
    entry.expiry = validate.format_time(os.time() + lifetime)
    local wok, werr = core.write_private(path, json.encode(cache))
    if not wok then tried[#tried + 1] = "could not update " .. path .. ": " .. werr end
    return t.access_token, lifetime
  end
  local function from_command()
    local ok, r = pcall(require("lakebase.runtime.process").exec, { "databricks", "auth", "token", "--host", cfg.host, timeout = 60 })
    if not ok then
      tried[#tried + 1] = "could not run 'databricks auth token': " .. tostring(r)
      return nil
    end
    local t = r.code == 0 and json.decode(r.stdout)
    if type(t) ~= "table" or type(t.access_token) ~= "string" then
      tried[#tried + 1] = "'databricks auth token --host " .. cfg.host .. "' failed: " ..
        redact.text((r.stderr ~= "" and r.stderr or r.stdout):gsub("%s+$", ""):sub(1, 300))
      return nil
    end
    redact.register(t.access_token)
    local expiry = t.expiry and validate.timestamp(t.expiry)
    return t.access_token, expiry and (expiry - os.time()) or 300
  end
  return cached("databricks-cli", function()
    tried = {}
    local token, lifetime = from_cache()
    if not token then token, lifetime = from_command() end
    if not token then
      error(auth_error("no credentials for " .. cfg.host .. ": " .. table.concat(tried, "; ") ..
        " (log in with 'databricks auth login --host " .. cfg.host .. "', or set DATABRICKS_TOKEN)"), 0)
    end
    return token, lifetime
  end)
end

--- The provider for a resolved configuration (see lakebase.auth.config).
function M.for_config(cfg)
  local t = cfg.auth_type
  if t == "pat" then
    local header = "Bearer " .. cfg.attrs.token.value
    return { kind = "pat", authorization = function() return header end }
  elseif t == "basic" then
    local header = "Basic " .. base64.encode(cfg.attrs.username.value .. ":" .. cfg.attrs.password.value)
    redact.register(header:sub(7))
    return { kind = "basic", authorization = function() return header end }
  elseif t == "oauth-m2m" then
    return m2m(cfg)
  elseif t == "databricks-cli" then
    return cli(cfg)
  end
  error("unknown auth type " .. tostring(t), 2)
end

return M
