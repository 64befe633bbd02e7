-- Tokens over real sockets: OAuth M2M against the emulator's OIDC endpoints (discovery, expiry and
-- refresh in the middle of a workflow, single-flight fetching, one re-authentication after a 401
-- and no loop), the Databricks CLI's login cache and `databricks auth token`, and Postgres
-- credentials cached per endpoint. Secrets contain "SEKRIT" so the suite's output can be searched.
local T = require "testlib"
local emulator = require "lakebase.emulator"
local lb = lakebase
local EXE = arg[-1]

local CLIENT_ID, SECRET = "sp-0123-4567", "m2mSEKRITsecret0123"
local PAT, REFRESH = "dapiSEKRITpat0123456789", "refreshSEKRIT0123456789"
local emu = emulator.start { postgres = false, token = PAT, client_id = CLIENT_ID, client_secret = SECRET,
  refresh_token = REFRESH, oauth_ttl = 2, credential_ttl = 3600 }
local E = emu.engine

local function m2m_client()
  return lb.client { host = emu.url, client_id = CLIENT_ID, client_secret = SECRET, auth_type = "oauth-m2m" }
end

T.test("M2M: a token from the discovered endpoint, renewed before it expires during a workflow", function()
  local c = m2m_client()
  local before = E.token_requests or 0
  local project = c:create_project("m2m", { display_name = "M2M" }):wait()
  local t0 = lb.now()
  while lb.now() - t0 < 5 do  -- 2.5 token lifetimes
    project:refresh()
    lb.sleep(0.25)
  end
  T.ok((E.token_requests or 0) - before >= 3, "tokens fetched: " .. (E.token_requests or 0) - before)
  T.eq(c.stats.reauth, 0, "requests refused for an expired token")
  T.eq(c:postgres_user(), CLIENT_ID, "the Postgres user of a service principal is its client id")
end)

T.test("M2M: 50 tasks needing a token at once cause one token request", function()
  local c = m2m_client()
  local before = E.token_requests or 0
  local fns = {}
  for i = 1, 50 do fns[i] = function() return c:get_project("m2m").name end end
  local names = lb.all(fns)
  T.eq(names, "projects/m2m", "first result")
  T.eq((E.token_requests or 0) - before, 1, "token requests")
end)

T.test("a 401 causes one new token and one retry", function()
  local c = m2m_client()
  c:get_project("m2m")
  local before = E.token_requests
  for k in pairs(E.oauth_tokens) do E.oauth_tokens[k] = nil end  -- revoked server-side
  T.eq(c:get_project("m2m").name, "projects/m2m", "the call succeeds")
  T.eq(c.stats.reauth, 1, "re-authentications")
  T.eq(E.token_requests - before, 1, "token requests")
end)

T.test("a server that refuses every token: one retry, then a clear error, no loop", function()
  local api_calls, token_calls = 0, 0
  local server
  server = lb.httpd.serve { handler = function(req)
    local json = { ["Content-Type"] = "application/json" }
    if req.path == "/oidc/.well-known/oauth-authorization-server" then
      return 200, json, lb.json.encode { token_endpoint = "http://127.0.0.1:" .. server.port .. "/oidc/v1/token" }
    elseif req.path == "/oidc/v1/token" then
      token_calls = token_calls + 1
      return 200, json, lb.json.encode { access_token = "atSEKRIT" .. token_calls .. "xxxxxxxx", expires_in = 3600 }
    end
    api_calls = api_calls + 1
    return 401, json, '{"error_code": "UNAUTHENTICATED", "message": "Invalid access token"}'
  end }
  local c = lb.client { host = "http://127.0.0.1:" .. server.port, client_id = "x", client_secret = "ySEKRITyyyy",
    auth_type = "oauth-m2m" }
  local err = T.raises(function() c:get_project("p") end, "Invalid access token")
  server:close()
  T.eq(err.status, 401, "status")
  T.eq(api_calls, 2, "API requests")
  T.eq(token_calls, 2, "token requests")
  T.ok(not tostring(err):find("SEKRIT"), "no token in the error")
end)

T.test("a bad client secret is an auth error naming the client, not the secret", function()
  local c = lb.client { host = emu.url, client_id = CLIENT_ID, client_secret = "wrongSEKRIT0", auth_type = "oauth-m2m" }
  local err = T.raises(function() c:get_project("m2m") end, "OAuth token for client " .. CLIENT_ID:gsub("%-", "%%-"))
  T.eq(err.kind, "auth", "kind")
  T.ok(tostring(err):find("HTTP 401"), "the status: " .. tostring(err))
  T.ok(not tostring(err):find("SEKRIT"), "no secret in the error")
end)

-- The Databricks CLI's login, from a child process with its own HOME.
local root = lb.exec { "mktemp", "-d", check = true }.stdout:match("%S+")
local function cli_run(home, path_dirs)
  return lb.exec { EXE, "--host", emu.url, "-e", "print(lakebase.default_client():current_user())",
    env = { HOME = home, PATH = (path_dirs or "") .. os.getenv("PATH") } }
end
local function write_cache(home, entry)
  lb.exec { "mkdir", "-p", home .. "/.databricks", check = true }
  local f = assert(io.open(home .. "/.databricks/token-cache.json", "wb"))
  f:write(lb.json.encode { version = 1, tokens = { [emu.url] = entry } })
  f:close()
end
local function iso(t) return os.date("!%Y-%m-%dT%H:%M:%SZ", t) end

T.test("databricks-cli: a valid cached login is used as is", function()
  local home = root .. "/valid"
  write_cache(home, { access_token = PAT, token_type = "Bearer", expiry = iso(os.time() + 3600) })
  local before = E.token_requests or 0
  local r = cli_run(home)
  T.eq(r.code, 0, "exit code (" .. r.stderr .. ")")
  T.eq(r.stdout, "emulator-user@example.com\n", "signed in as the user")
  T.eq((E.token_requests or 0) - before, 0, "token requests")
end)

T.test("databricks-cli: an expired login is refreshed and the cache rewritten with mode 0600", function()
  local home = root .. "/expired"
  write_cache(home, { access_token = "oldSEKRIT000000", refresh_token = REFRESH, expiry = iso(os.time() - 60) })
  local before = E.token_requests or 0
  local r = cli_run(home)
  T.eq(r.code, 0, "exit code (" .. r.stderr .. ")")
  T.eq((E.token_requests or 0) - before, 1, "one refresh")
  local path = home .. "/.databricks/token-cache.json"
  local f = assert(io.open(path))
  local cache = lb.json.decode(f:read("a"))
  f:close()
  local entry = cache.tokens[emu.url]
  T.ok(entry.access_token ~= "oldSEKRIT000000" and E.oauth_tokens[entry.access_token], "the new token is cached")
  T.eq(entry.refresh_token, REFRESH, "refresh token kept")
  T.eq(require("lakebase.core").file_mode(path), tonumber("600", 8), "file mode")
  T.ok(not (r.stdout .. r.stderr):find("SEKRIT"), "no secret printed")
end)

T.test("databricks-cli: without a cached login, `databricks auth token --host` is asked", function()
  local home, bin = root .. "/nocache", root .. "/bin"
  lb.exec { "mkdir", "-p", home, bin, check = true }
  local f = assert(io.open(bin .. "/databricks", "wb"))
  f:write('#!/bin/sh\n[ "$1 $2 $3" = "auth token --host" ] || exit 3\n' ..
    'printf \'{"access_token": "%s", "token_type": "Bearer", "expiry": "%s"}\\n\' "' .. PAT .. '" "' ..
    iso(os.time() + 3600) .. '"\n')
  f:close()
  lb.exec { "chmod", "+x", bin .. "/databricks", check = true }
  local r = cli_run(home, bin .. ":")
  T.eq(r.code, 0, "exit code (" .. r.stderr .. ")")
  T.eq(r.stdout, "emulator-user@example.com\n", "signed in")
end)

T.test("databricks-cli: nothing works -> one error saying what was tried and how to log in", function()
  local home = root .. "/nothing"
  lb.exec { "mkdir", "-p", home, check = true }
  local r = lb.exec { EXE, "--host", emu.url, "-e", "lakebase.default_client():current_user()",
    env = { HOME = home, PATH = "/usr/bin:/bin" } }
  T.eq(r.code, 1, "exit code")
  T.ok(r.stderr:find("no token cache at"), "names the cache: " .. r.stderr)
  T.ok(r.stderr:find("databricks auth login %-%-host"), "says how to log in")
end)

T.test("auth describe --check signs in and names the user; a wrong token fails with exit 1", function()
  local function check(token)
    local r = lb.exec { EXE, "--host", emu.url, "auth", "describe", "--output", "json", "--check",
      env = { HOME = root, PATH = os.getenv("PATH"), DATABRICKS_TOKEN = token } }
    return r, lb.json.decode(r.stdout)
  end
  local r, doc = check(PAT)
  T.eq(r.code, 0, "exit code (" .. r.stderr .. ")")
  T.eq(doc.status, "success", "status")
  T.eq(doc.username, "emulator-user@example.com", "user")
  r, doc = check("dapiSEKRITwrong0000")
  T.eq(r.code, 1, "exit code with a wrong token")
  T.ok(doc.status == "error" and doc.error:find("UNAUTHENTICATED"), "the error: " .. tostring(doc.error))
  T.ok(not (r.stdout .. r.stderr):find("SEKRIT"), "no secret printed")
end)

T.test("Postgres credentials: cached per endpoint until 2 minutes before expiry, minted once", function()
  local c = lb.client { host = emu.url, token = PAT }
  local ep = "projects/m2m/branches/production/endpoints/primary"
  local before = c.stats.requests
  local fns = {}
  for i = 1, 20 do fns[i] = function() return c:database_credential(ep).token end end
  local first = lb.all(fns)
  T.eq(c.stats.requests - before, 1, "requests for 20 concurrent callers")
  T.eq(c:database_credential(ep).token, first, "the cached one again")
  T.eq(c.stats.requests - before, 1, "still one request")
  c._credentials[ep].expires = os.time() + 100  -- inside the 2-minute margin
  T.ok(c:database_credential(ep).token ~= nil, "renewed")
  T.eq(c.stats.requests - before, 2, "one more request")
  T.eq(c:postgres_user(), "emulator-user@example.com", "a user's Postgres role is its user name")
end)

T.run()
emu:stop()
lb.exec { "rm", "-rf", root }
