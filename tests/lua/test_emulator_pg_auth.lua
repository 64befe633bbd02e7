-- Logging in to the emulator's computes as to the service's: TLS required (sslmode=require with
-- libpq and psql; plain text refused), every minted token valid until its own expiry whatever is
-- minted later, only for its identity and its branch (read replicas included), no login for an
-- identity without a role, databricks_superuser's privileges (one identity reads another's tables,
-- pg_dump works), the owner role, database rename, role removal with reassign_owned_to, role names
-- that once broke the emulator's SQL, and tokens that survive a restart.
local T = require "testlib"
local Client = require "emu_client"
local emulator = require "lakebase.emulator"
local lb = lakebase
local P = "/api/2.0/postgres/"

local PAT, USER = "pat-auth-0123456789", "emulator-user@example.com"
local SP_ID, SP_SECRET = "6f1c0a52-sp-auth-test", "sp-auth-secret-0123456789"
local data = lb.exec { "mktemp", "-d" }.stdout:match("^(.-)%s*$")
lb.exec { "chmod", "0711", data }  -- PostgreSQL runs as 'postgres' when the tests run as root
local opts = { token = PAT, client_id = SP_ID, client_secret = SP_SECRET, data = data .. "/emu" }
local emu = emulator.start(opts)
local pat = Client.new(emu.url, PAT)

-- A raw client for the service principal, with a token from the OIDC endpoint.
local function sp_client()
  local status, _, body = lb.http.request { method = "POST", url = emu.url .. "/oidc/v1/token",
    headers = { ["Content-Type"] = "application/x-www-form-urlencoded" },
    body = "grant_type=client_credentials&scope=all-apis&client_id=" .. SP_ID .. "&client_secret=" .. SP_SECRET }
  assert(status == 200, "OAuth token: HTTP " .. status)
  return Client.new(emu.url, lb.json.decode(body).access_token)
end
local sp = sp_client()

local function endpoint(name)
  local status, ep = pat:call("GET", P .. name)
  assert(status == 200, "GET " .. name .. ": HTTP " .. status)
  return ep
end

local function mint(client, ep_name)
  local status, cred = client:call("POST", P .. "credentials", { endpoint = ep_name })
  assert(status == 200, "credentials: HTTP " .. status)
  return cred.token
end

local function connect(ep, user, token, extra)
  local o = { host = ep.status.hosts.host, port = ep.status.hosts.port, user = user, password = token,
    dbname = "databricks_postgres", sslmode = "require", connect_timeout = "10" }
  for k, v in pairs(extra or {}) do o[k] = v end
  return lb.pg.connect(o)
end

-- psql through the endpoint: env for the PG* variables given (sslmode=require unless set).
local function psql(ep, user, token, sql, env_extra)
  local env = { PGHOST = ep.status.hosts.host, PGPORT = tostring(ep.status.hosts.port), PGUSER = user,
    PGPASSWORD = token, PGDATABASE = "databricks_postgres", PGSSLMODE = "require", PGCONNECT_TIMEOUT = "10",
    PATH = os.getenv("PATH") }
  for k, v in pairs(env_extra or {}) do env[k] = v end
  return lb.exec { "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql, env = env }
end

pat:run("POST", P .. "projects?project_id=auth", { spec = {} })
local PRIMARY = "projects/auth/branches/production/endpoints/primary"

T.test("two tokens minted in a row are both valid; neither replaces the other", function()
  local ep = endpoint(PRIMARY)
  local t1 = mint(pat, ep.name)
  local first <close> = connect(ep, USER, t1)
  local t2 = mint(pat, ep.name)
  T.ok(t1 ~= t2, "a new token each time")
  local a <close> = connect(ep, USER, t1)
  local b <close> = connect(ep, USER, t2)
  T.eq(a:query_one("SELECT current_user AS u").u, USER, "logged in with the first token")
  T.eq(b:query_one("SELECT current_user AS u").u, USER, "logged in with the second token")
  T.eq(first:query_one("SELECT 1 AS x").x, 1, "the connection opened before the second token still works")
end)

T.test("a token expires at its own expire_time, and is refused after it with PostgreSQL's words", function()
  local ep = endpoint(PRIMARY)
  local rec = emu.engine.store:get(ep.name)
  local short = emu.engine.credentials(rec, USER, 2)
  local long = mint(pat, ep.name)
  do local c <close> = connect(ep, USER, short.token) end
  lb.sleep(2.2)
  local err = T.raises(function() connect(ep, USER, short.token) end)
  T.ok(tostring(err):find('password authentication failed for user "' .. USER .. '"', 1, true), "refused: " .. tostring(err))
  local c <close> = connect(ep, USER, long)
  T.eq(c:query_one("SELECT 1 AS x").x, 1, "a longer-lived token minted earlier still works")
  local r = psql(ep, USER, short.token, "select 1")
  T.ok(r.code ~= 0 and r.stderr:find("password authentication failed", 1, true), "psql refused too: " .. r.stderr)
end)

T.test("a token is valid on its branch's endpoints only (read replicas included)", function()
  pat:run("POST", P .. "projects/auth/branches?branch_id=other", { spec = { ttl = "3600s" } })
  local other = endpoint("projects/auth/branches/other/endpoints/primary")  -- every branch has one
  pat:run("POST", P .. "projects/auth/branches/production/endpoints?endpoint_id=reader",
    { spec = { endpoint_type = "ENDPOINT_TYPE_READ_ONLY" } })
  local reader = endpoint("projects/auth/branches/production/endpoints/reader")
  local prod_token = mint(pat, PRIMARY)
  local err = T.raises(function() connect(other, USER, prod_token) end)
  T.ok(tostring(err):find("password authentication failed", 1, true), "another branch refuses it: " .. tostring(err))
  local c <close> = connect(reader, USER, prod_token)
  T.eq(c:query_one("SELECT pg_is_in_recovery() AS r").r, true, "the branch's read replica accepts it")
  local o <close> = connect(other, USER, mint(pat, other.name))
  T.eq(o:query_one("SELECT 1 AS x").x, 1, "the other branch's own token works there")
  T.raises(function() connect(endpoint(PRIMARY), "someone-else@example.com", prod_token) end,
    "password authentication failed", "another user name with this identity's token")
  T.raises(function() connect(endpoint(PRIMARY), "postgres", prod_token) end, "password authentication failed",
    "the bootstrap superuser")
end)

T.test("TLS is required: plain text is refused, sslmode=require and verify-full work", function()
  local ep = endpoint(PRIMARY)
  local tok = mint(pat, ep.name)
  local r = psql(ep, USER, tok, "select 1", { PGSSLMODE = "disable" })
  T.ok(r.code ~= 0 and r.stderr:find("connection is insecure (try using `sslmode=require`)", 1, true),
    "psql in clear refused: " .. r.stderr)
  T.raises(function() connect(ep, USER, tok, { sslmode = "disable" }) end, "connection is insecure", "libpq in clear")
  r = psql(ep, USER, tok, "\\conninfo")
  T.eq(r.code, 0, "psql with sslmode=require (" .. r.stderr .. ")")
  T.ok(r.stdout:find("SSL connection (protocol: TLSv1.3", 1, true), "psql reports TLS: " .. r.stdout)
  T.ok(emu.ca_file and io.open(emu.ca_file), "the CA file is there: " .. tostring(emu.ca_file))
  local c <close> = connect(ep, USER, tok, { sslmode = "verify-full", sslrootcert = emu.ca_file })
  T.eq(c:query_one("SELECT 1 AS x").x, 1, "the certificate verifies for 127.0.0.1 against the CA")
  local wrong = require("lakebase.emulator.certs").ensure(data .. "/other-ca", function(argv) argv.check = true return lb.exec(argv) end).ca_file
  T.raises(function() connect(ep, USER, tok, { sslmode = "verify-full", sslrootcert = wrong }) end,
    "certificate verify failed", "another CA does not vouch for it")
end)

T.test("large transfers both ways through the TLS relay, several at once", function()
  local ep = endpoint(PRIMARY)
  local tok = mint(pat, ep.name)
  local big = string.rep("0123456789abcdef", 1 << 20)  -- 16 MiB up
  local row, total = lb.all {
    function()
      local c <close> = connect(ep, USER, tok)
      return c:query_one("SELECT length($1) AS n, md5($1) AS h", big)
    end,
    function()
      local c <close> = connect(ep, USER, tok)
      local rows = c:query("SELECT g, repeat(md5(g::text), 64) AS s FROM generate_series(1, 16384) g")  -- 32 MiB down
      local total = 0
      for _, r in ipairs(rows) do total = total + #r.s end
      return total
    end,
  }
  T.eq(row.n, #big, "16 MiB parameter arrived whole")
  T.eq(row.h, lb.exec { "md5sum", stdin = big }.stdout:match("^(%x+)"), "and intact")
  T.eq(total, 16384 * 2048, "32 MiB result arrived whole")
end)

T.test("malformed or abusive starts are refused and the endpoint keeps serving", function()
  local ep = endpoint(PRIMARY)
  local host, port = ep.status.hosts.host, ep.status.hosts.port
  local SSL = string.pack(">I4I4", 8, 80877103)
  local function exchange(bytes, after_s)
    local conn <close> = lb.net.connect(host, port)
    conn:send(bytes)
    if after_s then
      T.eq(conn:read_exactly(1), "S", "SSLRequest answered")
      conn:send(after_s)
    end
    local got = {}
    lb.timeout(10, function()
      while true do  -- to end of file, or a reset (the relay closed with our bytes unread)
        local ok, data = pcall(conn.receive, conn)
        if not ok or not data then break end
        got[#got + 1] = data
      end
    end)
    return table.concat(got)
  end
  T.eq(exchange(SSL, "GET / HTTP/1.0\r\n\r\n"), "", "not TLS after 'S': closed")
  -- Bytes sent in clear together with the SSLRequest are never taken as part of the TLS stream
  -- (CVE-2021-23214): the connection is closed.
  T.eq(exchange(SSL .. string.pack(">I4I4", 9, 196608) .. "x"), "S", "data after SSLRequest in clear: closed")
  T.eq(exchange(string.pack(">I4I4", 4, 0)), "", "a length under 8: closed")
  T.eq(exchange(string.pack(">I4I4", 100000, 196608)), "", "a length over 10000: closed")
  local reply = exchange(string.pack(">I4I4", 8, 0x00020000))
  T.ok(reply:find("unsupported frontend protocol 2.0", 1, true), "protocol 2: " .. reply)
  local proxy = require "lakebase.emulator.proxy"
  local saved = proxy.STARTUP_TIMEOUT
  proxy.STARTUP_TIMEOUT = 1
  local t0 = lb.now()
  local ok, idle = pcall(exchange, "")
  proxy.STARTUP_TIMEOUT = saved
  T.ok(ok and idle == "" and lb.now() - t0 < 5, "a silent client is dropped after the start-up timeout")
  local c <close> = connect(ep, USER, mint(pat, ep.name))
  T.eq(c:query_one("SELECT 1 AS x").x, 1, "still serving")
end)

T.test("a cancel request (sent in clear, as libpq sends it) reaches the backend", function()
  local ep = endpoint(PRIMARY)
  local proc = lb.process.spawn { "psql", "-X", "-q", "-c", "select pg_sleep(30)", stdout = "pipe", stderr = "pipe",
    env = { PGHOST = ep.status.hosts.host, PGPORT = tostring(ep.status.hosts.port), PGUSER = USER,
      PGPASSWORD = mint(pat, ep.name), PGDATABASE = "databricks_postgres", PGSSLMODE = "require", PATH = os.getenv("PATH") } }
  lb.sleep(1.5)
  local t0 = lb.now()
  proc:kill("INT")  -- psql sends a CancelRequest on SIGINT
  local stderr = lb.timeout(10, function() return proc:read_all("stderr") end)
  local code = proc:wait()
  T.ok(lb.now() - t0 < 5, "psql ended soon after the cancel")
  T.ok(code ~= 0 and stderr:find("canceling statement due to user request", 1, true), "cancelled by the server: " .. stderr)
end)

T.test("an identity without a role cannot log in; a SERVICE_PRINCIPAL role record lets it", function()
  local ep = endpoint(PRIMARY)
  local tok = mint(sp, ep.name)
  local err = T.raises(function() connect(ep, SP_ID, tok) end)
  T.ok(tostring(err):find('role "' .. SP_ID .. '" does not exist', 1, true), "no role: " .. tostring(err))
  pat:run("POST", P .. "projects/auth/branches/production/roles?role_id=robot",
    { spec = { postgres_role = SP_ID, identity_type = "SERVICE_PRINCIPAL", membership_roles = { "DATABRICKS_SUPERUSER" } } })
  local c <close> = connect(ep, SP_ID, tok)
  T.eq(c:query_one("SELECT current_user AS u").u, SP_ID, "the same token logs in once the role exists")
  T.raises(function() connect(ep, USER, tok) end, "password authentication failed", "the SP's token is not the user's")
end)

T.test("databricks_superuser and the owner role have the service's privileges", function()
  local ep = endpoint(PRIMARY)
  local owner <close> = connect(ep, USER, mint(pat, ep.name))
  local su = owner:query_one([[SELECT rolcanlogin, rolcreatedb, rolcreaterole, rolbypassrls,
      pg_has_role('databricks_superuser', 'pg_read_all_data', 'MEMBER') AS r,
      pg_has_role('databricks_superuser', 'pg_write_all_data', 'MEMBER') AS w,
      pg_has_role('databricks_superuser', 'pg_monitor', 'MEMBER') AS m
    FROM pg_roles WHERE rolname = 'databricks_superuser']])
  T.eq(table.concat({ tostring(su.rolcanlogin), tostring(su.rolcreatedb), tostring(su.rolcreaterole), tostring(su.rolbypassrls),
    tostring(su.r), tostring(su.w), tostring(su.m) }, ","), "false,true,true,true,true,true,true", "databricks_superuser")
  local o = owner:query_one([[SELECT r.rolcanlogin, r.rolreplication, pg_has_role(r.rolname, 'databricks_superuser', 'MEMBER') AS member,
      (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'databricks_postgres') AS db_owner,
      (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public') AS schema_owner
    FROM pg_roles r WHERE r.rolname = $1]], USER)
  T.eq(table.concat({ tostring(o.rolcanlogin), tostring(o.rolreplication), tostring(o.member), o.db_owner, o.schema_owner }, ","),
    "true,true,true," .. USER .. "," .. USER, "the project owner's role")
  owner:exec("CREATE TABLE owned_by_user (id int PRIMARY KEY, label text); INSERT INTO owned_by_user VALUES (1, 'from the user')")
  local other <close> = connect(ep, SP_ID, mint(sp, ep.name))
  T.eq(other:query_one("SELECT label FROM owned_by_user WHERE id = 1").label, "from the user", "another member reads it")
  other:exec("INSERT INTO owned_by_user VALUES (2, 'from the service principal')")
  T.eq(owner:query_one("SELECT count(*) AS n FROM owned_by_user").n, 2, "and writes it")
end)

T.test("pg_dump of databricks_postgres works for a member of databricks_superuser", function()
  local ep = endpoint(PRIMARY)
  local r = lb.exec { "pg_dump", "--no-owner", "-d", "databricks_postgres", env = { PGHOST = ep.status.hosts.host,
    PGPORT = tostring(ep.status.hosts.port), PGUSER = SP_ID, PGPASSWORD = mint(sp, ep.name), PGSSLMODE = "require",
    PATH = os.getenv("PATH") } }
  T.eq(r.code, 0, "pg_dump exit code (" .. r.stderr .. ")")
  T.ok(r.stdout:find("CREATE TABLE public.owned_by_user", 1, true), "the other identity's table is dumped")
  T.ok(r.stdout:find("from the user", 1, true), "with its rows")
end)

T.test("role names with SQL quoting characters work ($lb$, quotes)", function()
  for i, name in ipairs { "c$lb$d", 'o"k\'; --' } do
    pat:run("POST", P .. "projects/auth/branches/production/roles?role_id=odd-" .. i,
      { spec = { postgres_role = name, auth_method = "NO_LOGIN" } })
  end
  local c <close> = connect(endpoint(PRIMARY), USER, mint(pat, PRIMARY))
  local rows = c:query("SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN ($1, $2) ORDER BY rolname", "c$lb$d", 'o"k\'; --')
  T.eq(#rows, 2, "both roles exist")
  T.eq(rows[1].rolcanlogin, false, "NO_LOGIN roles cannot log in")
end)

T.test("a database is renamed when its postgres_database changes; a role drop reassigns what it owns", function()
  local E = emu.engine
  local branch = E.store:get("projects/auth/branches/production")
  local DBS = P .. "projects/auth/branches/production/databases/"
  pat:run("POST", P .. "projects/auth/branches/production/databases?database_id=sales",
    { spec = { postgres_database = "sales", role = "projects/auth/branches/production/roles/robot" } })
  local c <close> = connect(endpoint(PRIMARY), USER, mint(pat, PRIMARY))
  T.eq(c:query_one("SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = 'sales'").o, SP_ID,
    "the owner is the role record's postgres_role")
  local before = lakebase.json.decode(lakebase.json.encode(E.store:get("projects/auth/branches/production/databases/sales").spec))
  pat:run("PATCH", DBS .. "sales?update_mask=spec.postgres_database", { spec = { postgres_database = "revenue" } })
  local names = "SELECT string_agg(datname, ',' ORDER BY datname) AS n FROM pg_database WHERE datname IN ('sales', 'revenue')"
  T.eq(c:query_one(names).n, "revenue", "renamed, not copied")
  E.compute.apply_database(branch, E.store:get("projects/auth/branches/production/databases/sales"), before)
  T.eq(c:query_one(names).n, "revenue", "re-running the rename (after a restart) changes nothing")

  local sp_conn <close> = connect(endpoint(PRIMARY), SP_ID, mint(sp, PRIMARY))
  sp_conn:exec("CREATE TABLE robot_made (x int)")
  sp_conn:close()
  local role = E.store:get("projects/auth/branches/production/roles/robot")
  T.raises(function() E.compute.drop_role(branch, role) end, "cannot be dropped because some objects depend on it",
    "PostgreSQL refuses to drop a role that owns objects without reassign_owned_to")
  local owner_role
  for _, r in ipairs(E.store:children("projects/auth/branches/production", "role")) do
    if r.spec.postgres_role == USER then owner_role = r.name end
  end
  T.ok(owner_role, "the owner's role record")
  pat:run("DELETE", P .. role.name .. "?reassign_owned_to=" .. owner_role)
  T.eq(c:query_one("SELECT tableowner FROM pg_tables WHERE tablename = 'robot_made'").tableowner, USER, "table reassigned")
  T.eq(c:query_one("SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = 'revenue'").o, USER,
    "database reassigned")
  T.eq(c:query_one("SELECT count(*) AS n FROM pg_roles WHERE rolname = $1", SP_ID).n, 0, "role dropped")
  E.compute.drop_role(branch, role, USER)  -- re-run after a restart: nothing left to do
end)

T.test("tokens survive a restart of the emulator on the same data directory; state.json holds none", function()
  local tok = mint(pat, PRIMARY)
  local state = io.open(opts.data .. "/state.json"):read("a")
  T.ok(not state:find(tok, 1, true), "the token is not in state.json")
  emu:stop()
  opts.port = tonumber(emu.url:match(":(%d+)$"))
  emu = emulator.start(opts)
  local c <close> = connect(endpoint(PRIMARY), USER, tok)
  T.eq(c:query_one("SELECT 1 AS x").x, 1, "the token minted before the restart still works")
end)

T.run()
emu:stop()
lb.exec { "rm", "-rf", data }
