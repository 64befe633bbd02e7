--- Databricks unified auth: which workspace and which credentials, resolved as the Databricks SDKs
-- and CLI do. Each attribute comes from, in order: an explicit option (a client option or a
-- --host/--profile/--auth-type flag), a DATABRICKS_* environment variable, then the profile in
-- ~/.databrickscfg (DATABRICKS_CONFIG_FILE elsewhere; DEFAULT unless a profile is named; not read
-- at all when a host is given and no profile is named). Every attribute remembers where it came
-- from, for `lakebase auth describe`.
local ini = require "lakebase.auth.ini"
local redact = require "lakebase.base.redact"

local M = {}

-- name, environment variable, the auth type it belongs to, secret?
M.ATTRIBUTES = {
  { name = "host", env = "DATABRICKS_HOST" },
  { name = "token", env = "DATABRICKS_TOKEN", auth = "pat", secret = true },
  { name = "username", env = "DATABRICKS_USERNAME", auth = "basic" },
  { name = "password", env = "DATABRICKS_PASSWORD", auth = "basic", secret = true },
  { name = "client_id", env = "DATABRICKS_CLIENT_ID", auth = "oauth-m2m" },
  { name = "client_secret", env = "DATABRICKS_CLIENT_SECRET", auth = "oauth-m2m", secret = true },
  { name = "auth_type", env = "DATABRICKS_AUTH_TYPE" },
  { name = "profile", env = "DATABRICKS_CONFIG_PROFILE", not_in_file = true },
  { name = "config_file", env = "DATABRICKS_CONFIG_FILE", not_in_file = true },
}
local BY_NAME = {}
for _, a in ipairs(M.ATTRIBUTES) do BY_NAME[a.name] = a end

-- What each auth type needs.
M.AUTH_TYPES = {
  pat = { "token" },
  basic = { "username", "password" },
  ["oauth-m2m"] = { "client_id", "client_secret" },
  ["databricks-cli"] = {},
}
local AUTH_ORDER = { "pat", "basic", "oauth-m2m", "databricks-cli" }

local function join_and(list)
  if #list <= 1 then return list[1] or "" end
  return table.concat(list, ", ", 1, #list - 1) .. " and " .. list[#list]
end

local function home_path(path, env)
  local home = env("HOME")
  if home and path:sub(1, 2) == "~/" then return home .. path:sub(2) end
  return path
end

local function shown_path(path, env)
  local home = env("HOME")
  if home and home ~= "" and path:sub(1, #home + 1) == home .. "/" then return "~" .. path:sub(#home + 1) end
  return path
end

M.normalize_host = require("lakebase.api.client").normalize_host

local function fail(msg) error({ auth_config = msg }, 0) end

--- Resolves the configuration. `explicit`: attribute values given directly, with
-- explicit.sources[name] naming where each came from (default "client option"); `env`: a getenv
-- function (default os.getenv). Returns {host=, auth_type=, profile=, config_file=, attrs =
-- {name = {value=, source=}}}, or raises {auth_config = message}.
function M.resolve(explicit, env)
  explicit = explicit or {}
  env = env or os.getenv
  local sources = explicit.sources or {}
  local attrs = {}
  local function set(name, value, source)
    if attrs[name] == nil and value ~= nil and value ~= "" then
      attrs[name] = { value = value, source = source }
      if BY_NAME[name].secret then redact.register(value) end
    end
  end
  for _, a in ipairs(M.ATTRIBUTES) do set(a.name, explicit[a.name], sources[a.name] or "client option") end
  for _, a in ipairs(M.ATTRIBUTES) do set(a.name, env(a.env), a.env .. " environment variable") end

  local file = home_path(attrs.config_file and attrs.config_file.value or "~/.databrickscfg", env)
  local profile = attrs.profile and attrs.profile.value
  local cfg = { attrs = attrs, config_file = file }
  local missing_default  -- reported after a conflict between methods, as the SDKs check that first
  if profile or not attrs.host then
    local named = profile ~= nil
    profile = profile or "DEFAULT"
    local sections, order = ini.read(file)
    if sections == false then
      if named then
        fail(string.format("cannot load profile '%s': the config file %s does not exist", profile, shown_path(file, env)))
      end
    elseif not sections[profile] then
      local have = #order > 0 and (" (profiles in it: " .. table.concat(order, ", ") .. ")") or " (it has no profiles)"
      if named then
        fail(string.format("profile '%s' not found in %s%s", profile, shown_path(file, env), have))
      end
      missing_default = string.format("%s has no [DEFAULT] profile and no host is configured: name a profile " ..
        "with --profile or DATABRICKS_CONFIG_PROFILE%s, or set DATABRICKS_HOST", shown_path(file, env), have)
    else
      cfg.profile = profile
      local where = string.format("%s profile in %s", profile, shown_path(file, env))
      for _, a in ipairs(M.ATTRIBUTES) do
        if not a.not_in_file then set(a.name, sections[profile][a.name], where) end
      end
    end
  end

  -- Methods configured at once are an error unless an auth type chooses among them.
  local chosen = attrs.auth_type and attrs.auth_type.value
  local used = {}
  if not chosen then
    local seen = {}
    for _, a in ipairs(M.ATTRIBUTES) do
      if a.auth and attrs[a.name] and not seen[a.auth] then
        seen[a.auth] = true
        used[#used + 1] = a.auth
      end
    end
    table.sort(used)
    if #used > 1 then
      fail("more than one authorization method configured: " .. join_and(used) ..
        " (choose one with --auth-type or DATABRICKS_AUTH_TYPE)")
    end
  end
  if missing_default then fail(missing_default) end

  if not attrs.host then
    fail("no Databricks host configured: set DATABRICKS_HOST, pass --host, or add a [DEFAULT] profile with a host " ..
      "to " .. shown_path(file, env) .. " (or use --local for an embedded emulator)")
  end
  cfg.host = M.normalize_host(attrs.host.value)
  if not cfg.host:match("^https?://[^/]+") then
    fail("host " .. attrs.host.value .. " (from " .. attrs.host.source .. ") is not a workspace URL such as https://my-workspace.cloud.databricks.com")
  end

  if chosen then
    local needs = M.AUTH_TYPES[chosen]
    if not needs then
      fail(string.format("unknown auth type '%s' (from %s): expected one of %s", chosen, attrs.auth_type.source,
        table.concat(AUTH_ORDER, ", ")))
    end
    cfg.auth_type = chosen
  elseif used[1] then
    cfg.auth_type = used[1]
  else
    -- Nothing configured: the Databricks CLI's login is the last method of the default chain,
    -- and is chosen only when it can work, as the SDKs' chain skips what cannot.
    local why = require("lakebase.auth.providers").cli_login_problem(cfg.host, env)
    if why then
      fail("no credentials for " .. cfg.host .. ": tried a personal access token (DATABRICKS_TOKEN), basic auth " ..
        "(DATABRICKS_USERNAME and DATABRICKS_PASSWORD), OAuth M2M (DATABRICKS_CLIENT_ID and " ..
        "DATABRICKS_CLIENT_SECRET), none set" .. (cfg.profile and (" in the environment or the " .. cfg.profile ..
        " profile") or " in the environment") .. ", and a Databricks CLI login: " .. why ..
        " (set DATABRICKS_TOKEN, or log in with 'databricks auth login --host " .. cfg.host .. "')")
    end
    cfg.auth_type = "databricks-cli"
  end
  local missing = {}
  for _, name in ipairs(M.AUTH_TYPES[cfg.auth_type]) do
    if not attrs[name] then missing[#missing + 1] = name end
  end
  if #missing > 0 then
    local envs = {}
    for _, name in ipairs(missing) do envs[#envs + 1] = BY_NAME[name].env end
    fail(string.format("auth type %s needs %s: set %s or add %s to the profile", cfg.auth_type, join_and(missing),
      join_and(envs), join_and(missing)))
  end
  return cfg
end

--- The `auth describe` view: attribute values with secrets as ***, and their sources.
function M.describe(cfg)
  local configuration = {}
  for name, a in pairs(cfg.attrs) do
    local def = BY_NAME[name]
    configuration[name] = { value = def.secret and "***" or redact.url(a.value), source = a.source, auth_type = def.auth }
  end
  return { host = redact.url(cfg.host), auth_type = cfg.auth_type, profile = cfg.profile, config_file = cfg.config_file,
    configuration = configuration }
end

--- The message of a resolution error (or nil when `err` is another error).
function M.error_message(err)
  return type(err) == "table" and err.auth_config or nil
end

return M
