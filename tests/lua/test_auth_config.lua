-- Unified auth resolution, as a user meets it: `lakebase auth describe --output json` run as a
-- child process with a controlled environment and home directory, over a table of cases (env,
-- profiles, flags, conflicts, missing profiles, dotted names, quoted values). Secrets used here
-- contain "SEKRIT" so that the suite's output can be searched for them.
local T = require "testlib"
local lb = lakebase
local EXE = arg[-1]

local root = lb.exec { "mktemp", "-d", check = true }.stdout:match("%S+")

local CONFIG = [[
; a comment line
[DEFAULT]
host = https://default.cloud.databricks.com/
token = dapiSEKRITdefault0001

[team.prod]
host  =  prod.cloud.databricks.com    # an inline comment
client_id = 11111111-2222-3333-4444-555555555555
client_secret = "doseSEKRIT;with#chars"

[basic-legacy]
host = https://legacy.example.com
username = alice@example.com
password = "p#ss; wordSEKRIT"

[broken]
host = https://broken.example.com
token = dapiSEKRITbroken
username = bob
password = pwSEKRIT
]]

local NO_DEFAULT = [[
[only]
host = https://only.example.com
token = dapiSEKRITonly
]]

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- A Databricks CLI login for `host` in the token cache of home `name`.
local function cli_login(name, host)
  local dir = root .. "/" .. name .. "/.databricks"
  lb.exec { "mkdir", "-p", dir, check = true }
  write(dir .. "/token-cache.json", lb.json.encode { version = 1, tokens = { [host] = {
    access_token = "cachedSEKRIT0001", token_type = "Bearer", expiry = "2999-01-01T00:00:00Z" } } })
end

local homes = {}
local function home(name, config)
  if homes[name] then return homes[name] end
  local dir = root .. "/" .. name
  lb.exec { "mkdir", "-p", dir, check = true }
  if config then write(dir .. "/.databrickscfg", config) end
  homes[name] = dir
  return dir
end

-- Runs `lakebase [flags] auth describe --output json` with exactly `env` (plus HOME and PATH).
local function describe(case)
  local env = { HOME = home(case.home or "with-config", case.config == nil and CONFIG or case.config or nil),
    PATH = os.getenv("PATH") }
  for k, v in pairs(case.env or {}) do env[k] = v end
  if case.path then env.PATH = case.path .. ":" .. env.PATH end
  local argv = { EXE }
  for _, f in ipairs(case.flags or {}) do argv[#argv + 1] = f end
  for _, a in ipairs { "auth", "describe", "--output", "json" } do argv[#argv + 1] = a end
  for _, f in ipairs(case.after or {}) do argv[#argv + 1] = f end  -- flags after the command
  argv.env = env
  local r = lb.exec(argv)
  local doc = lb.json.decode(r.stdout)
  assert(type(doc) == "table", "describe printed no JSON: " .. r.stdout .. r.stderr)
  return doc, r
end

local CASES = {
  { name = "environment variables alone; the host gets https:// and loses its trailing slash",
    home = "empty", config = false,
    env = { DATABRICKS_HOST = "myws.cloud.databricks.com/", DATABRICKS_TOKEN = "dapiSEKRITenv0001" },
    host = "https://myws.cloud.databricks.com", auth_type = "pat",
    sources = { host = "DATABRICKS_HOST environment variable", token = "DATABRICKS_TOKEN environment variable" } },
  { name = "nothing but ~/.databrickscfg: its DEFAULT profile",
    host = "https://default.cloud.databricks.com", auth_type = "pat", profile = "DEFAULT",
    sources = { host = "DEFAULT profile in ~/.databrickscfg", token = "DEFAULT profile in ~/.databrickscfg" } },
  { name = "--profile with a dotted name; inline comment stripped; quoted secret",
    flags = { "--profile", "team.prod" },
    host = "https://prod.cloud.databricks.com", auth_type = "oauth-m2m", profile = "team.prod",
    sources = { profile = "--profile flag", client_secret = "team.prod profile in ~/.databrickscfg" },
    values = { client_id = "11111111-2222-3333-4444-555555555555", client_secret = "***" } },
  { name = "DATABRICKS_CONFIG_PROFILE names the profile",
    env = { DATABRICKS_CONFIG_PROFILE = "basic-legacy" },
    host = "https://legacy.example.com", auth_type = "basic", profile = "basic-legacy",
    values = { username = "alice@example.com", password = "***" } },
  { name = "an environment variable beats the profile's value",
    flags = { "--profile", "team.prod" }, env = { DATABRICKS_HOST = "https://override.example.com" },
    host = "https://override.example.com", auth_type = "oauth-m2m", profile = "team.prod",
    sources = { host = "DATABRICKS_HOST environment variable", client_id = "team.prod profile in ~/.databrickscfg" } },
  { name = "a flag beats the environment",
    flags = { "--host", "https://flag.example.com" },
    env = { DATABRICKS_HOST = "https://env.example.com", DATABRICKS_TOKEN = "dapiSEKRITenv0002" },
    host = "https://flag.example.com", auth_type = "pat", sources = { host = "--host flag" } },
  { name = "a host given without a profile skips the DEFAULT profile (its token is not used)",
    home = "cli-login", config = CONFIG, setup = function() cli_login("cli-login", "https://elsewhere.example.com") end,
    env = { DATABRICKS_HOST = "https://elsewhere.example.com" },
    host = "https://elsewhere.example.com", auth_type = "databricks-cli", absent = { "token", "profile" } },
  { name = "no method at all: an error naming what was tried, not databricks-cli",
    env = { DATABRICKS_HOST = "https://elsewhere.example.com" },
    error = "no credentials for https://elsewhere.example.com: tried a personal access token %(DATABRICKS_TOKEN%), " ..
      "basic auth .*OAuth M2M .*a Databricks CLI login: no token cache at .*/%.databricks/token%-cache%.json, and no " ..
      "'databricks' command on PATH %(set DATABRICKS_TOKEN, or log in with 'databricks auth login %-%-host " ..
      "https://elsewhere.example.com'%)" },
  { name = "a CLI login for another host does not count",
    home = "cli-login", config = CONFIG, setup = function() cli_login("cli-login", "https://elsewhere.example.com") end,
    env = { DATABRICKS_HOST = "https://third.example.com" },
    error = "no login for https://third.example.com in .*token%-cache%.json, and no 'databricks' command on PATH" },
  { name = "a `databricks` command on PATH makes databricks-cli the method",
    env = { DATABRICKS_HOST = "https://elsewhere.example.com" }, path = root .. "/fake-cli",
    setup = function()
      lb.exec { "mkdir", "-p", root .. "/fake-cli", check = true }
      write(root .. "/fake-cli/databricks", "#!/bin/sh\nexit 1\n")
    end,
    host = "https://elsewhere.example.com", auth_type = "databricks-cli" },
  { name = "two methods are reported even when the host is missing",
    home = "empty", config = false,
    env = { DATABRICKS_TOKEN = "dapiSEKRITenv0003", DATABRICKS_CLIENT_ID = "abc", DATABRICKS_CLIENT_SECRET = "sSEKRIT" },
    error = "more than one authorization method configured: oauth%-m2m and pat" },
  { name = "... and before a missing [DEFAULT] profile",
    home = "no-default", config = NO_DEFAULT,
    env = { DATABRICKS_USERNAME = "u", DATABRICKS_PASSWORD = "pSEKRIT", DATABRICKS_TOKEN = "dapiSEKRITenv0004" },
    error = "more than one authorization method configured: basic and pat" },
  { name = "flags after the command: auth describe --host X --profile P --auth-type basic",
    after = { "--host", "https://after.example.com", "--profile", "basic-legacy", "--auth-type", "basic" },
    host = "https://after.example.com", auth_type = "basic", profile = "basic-legacy",
    sources = { host = "--host flag", profile = "--profile flag", auth_type = "--auth-type flag",
      username = "basic-legacy profile in ~/.databrickscfg" } },
  { name = "-p NAME and --profile=NAME after the command",
    after = { "-p", "team.prod" }, host = "https://prod.cloud.databricks.com", auth_type = "oauth-m2m",
    profile = "team.prod" },
  { name = "--profile=NAME",
    after = { "--profile=basic-legacy" }, host = "https://legacy.example.com", auth_type = "basic",
    profile = "basic-legacy" },
  { name = "DATABRICKS_CONFIG_FILE points at another file",
    home = "empty", config = false, env = { DATABRICKS_CONFIG_FILE = root .. "/other.cfg", DATABRICKS_CONFIG_PROFILE = "only" },
    setup = function() write(root .. "/other.cfg", NO_DEFAULT) end,
    host = "https://only.example.com", auth_type = "pat", profile = "only" },
  { name = "two methods at once are an error naming both",
    env = { DATABRICKS_CONFIG_PROFILE = "broken" },
    error = "more than one authorization method configured: basic and pat" },
  { name = "... unless an auth type is chosen",
    env = { DATABRICKS_CONFIG_PROFILE = "broken" }, flags = { "--auth-type", "basic" },
    host = "https://broken.example.com", auth_type = "basic", profile = "broken",
    sources = { auth_type = "--auth-type flag" } },
  { name = "a named profile that does not exist names the file and lists the profiles",
    flags = { "--profile", "nope" },
    error = "profile 'nope' not found in ~/.databrickscfg %(profiles in it: DEFAULT, team.prod, basic%-legacy, broken%)" },
  { name = "a file without DEFAULT when it is needed",
    home = "no-default", config = NO_DEFAULT,
    error = "~/.databrickscfg has no %[DEFAULT%] profile and no host is configured" },
  { name = "a named profile without any config file",
    home = "empty", config = false, flags = { "--profile", "dev" },
    error = "cannot load profile 'dev': the config file ~/.databrickscfg does not exist" },
  { name = "no host anywhere",
    home = "empty", config = false,
    error = "no Databricks host configured" },
  { name = "an unknown auth type",
    env = { DATABRICKS_AUTH_TYPE = "kerberos" },
    error = "unknown auth type 'kerberos' %(from DATABRICKS_AUTH_TYPE environment variable%)" },
  { name = "an auth type without what it needs",
    flags = { "--auth-type", "oauth-m2m" },
    error = "auth type oauth%-m2m needs client_id and client_secret" },
}

for _, case in ipairs(CASES) do
  T.test(case.name, function()
    if case.setup then case.setup() end
    local doc, r = describe(case)
    if case.error then
      T.eq(doc.status, "error", "status")
      T.ok(tostring(doc.error):find(case.error), "error " .. tostring(doc.error) .. " matches " .. case.error)
      T.eq(r.code, 1, "exit code")
      return
    end
    T.eq(doc.status, "resolved", "status (" .. tostring(doc.error) .. ")")
    local d = doc.details
    T.eq(d.host, case.host, "host")
    T.eq(d.auth_type, case.auth_type, "auth type")
    T.eq(d.profile, case.profile, "profile")
    for k, v in pairs(case.sources or {}) do T.eq(d.configuration[k] and d.configuration[k].source, v, "source of " .. k) end
    for k, v in pairs(case.values or {}) do T.eq(d.configuration[k] and d.configuration[k].value, v, "value of " .. k) end
    for _, k in ipairs(case.absent or {}) do T.eq(d.configuration[k], nil, k .. " (not resolved)") end
    T.ok(not r.stdout:find("SEKRIT") and not r.stderr:find("SEKRIT"), "no secret in the output")
  end)
end

T.test("a quoted password with # and ; reaches the server exactly, as HTTP Basic", function()
  local seen
  local server = lb.httpd.serve { handler = function(req)
    seen = req.headers.authorization
    return 200, { ["Content-Type"] = "application/json" }, '{"userName": "alice@example.com"}'
  end }
  local r = lb.exec { EXE, "--profile", "basic-legacy", "--host", "http://127.0.0.1:" .. server.port,
    "-e", "print(lakebase.default_client():current_user())",
    env = { HOME = home("with-config", CONFIG), PATH = os.getenv("PATH") } }
  server:close()
  T.eq(r.code, 0, "exit code (" .. r.stderr .. ")")
  T.eq(r.stdout, "alice@example.com\n", "the current user")
  T.eq(require("lakebase.base.base64").decode(seen:match("^Basic (.*)$")), "alice@example.com:p#ss; wordSEKRIT", "credentials sent")
end)

T.test("text output shows sources and hides secrets", function()
  local r = lb.exec { EXE, "--profile", "team.prod", "auth", "describe",
    env = { HOME = home("with-config", CONFIG), PATH = os.getenv("PATH") } }
  T.eq(r.code, 0, "exit code")
  T.ok(r.stdout:find("Auth type: oauth%-m2m"), "auth type line: " .. r.stdout)
  T.ok(r.stdout:find("client_secret%s+%*%*%* %(from team.prod profile in ~/.databrickscfg%)"), "secret masked with its source")
  T.ok(not r.stdout:find("SEKRIT"), "no secret")
end)

T.run()
lb.exec { "rm", "-rf", root }
