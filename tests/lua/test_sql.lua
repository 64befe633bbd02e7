-- SQL on a compute through lakebase.pg (libpq on the event loop) against the emulator's real
-- PostgreSQL: types and parameters, injection attempts, structured errors, transactions, <close>,
-- cancellation, credentials renewed on reconnect, pg_env for psql, and ten workflows at once.
local T = require "testlib"
local emulator = require "lakebase.emulator"
local lb = lakebase

local emu = emulator.start { token = "sql-pat-0123456789", credential_ttl = 3600 }
local c = lb.client { host = emu.url, token = emu.token }
local project = c:create_project("sqlapp", {}):wait()
local primary = c:get("projects/sqlapp/branches/production/endpoints/primary")

T.test("values come back as Lua types; NULL is pg.null; parameters travel apart from the SQL", function()
  local conn <close> = primary:connect()
  conn:exec("CREATE TABLE items (id int8 PRIMARY KEY, label text, ok boolean, price float8, exact numeric, doc jsonb)")
  local rows = conn:query("INSERT INTO items VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
    9007199254740993, "x'); DROP TABLE items; --", true, 2.5, "12345678901234567890.25", { tags = { "a" } })
  T.eq(rows.affected, 1, "affected")
  local r = rows[1]
  T.eq(math.type(r.id), "integer", "int8 is an integer")
  T.eq(r.id, 9007199254740993, "exactly")
  T.eq(r.label, "x'); DROP TABLE items; --", "the injection attempt is stored as text")
  T.eq(r.ok, true, "boolean")
  T.eq(r.price, 2.5, "float")
  T.eq(r.exact, "12345678901234567890.25", "numeric keeps its digits as a string")
  T.eq(lb.json.decode(r.doc).tags[1], "a", "jsonb")
  T.eq(conn:query_one("SELECT NULL::text AS v").v, lb.pg.null, "NULL")
  T.eq(conn:query_one("SELECT $1::text IS NULL AS v", nil).v, true, "nil is sent as NULL")
  T.eq(conn:query_one("SELECT count(*) AS n FROM items").n, 1, "the table is still there")
  T.eq(table.concat(conn:query("SELECT 1 AS b, 2 AS a").fields, ","), "b,a", "column order")
end)

T.test("conn:statement: columns by position with their type OIDs, duplicates kept; one statement only", function()
  local conn <close> = primary:connect()
  local r = conn:statement("SELECT 1 AS a, 'x' AS a, NULL::int AS n, '{}'::jsonb AS j")
  T.eq(table.concat(r.fields, ","), "a,a,n,j", "every column, in order")
  T.eq(table.concat(r.types, ","), "23,25,23,3802", "int4, text, int4, jsonb")
  T.eq(#r.rows, 1, "one row")
  T.eq(r.rows[1][1], 1, "first a")
  T.eq(r.rows[1][2], "x", "second a")
  T.eq(r.rows[1][3], lb.pg.null, "NULL keeps its place")
  T.eq(r.command, "SELECT 1", "command tag")
  local c2 = conn:statement("CREATE TEMP TABLE s (v int)")
  T.eq(#c2.fields, 0, "a command has no columns")
  T.eq(c2.command, "CREATE TABLE", "its tag")
  T.raises(function() conn:statement("SELECT 1; SELECT 2") end, "cannot insert multiple commands")
end)

T.test("an identifier-like value cannot become SQL: quote_ident happens in the server", function()
  local conn <close> = primary:connect()
  local evil = 'x"; DROP TABLE items; --'
  local q = conn:query_one("SELECT quote_ident($1) AS q, format('%I', $1) AS f", evil)
  T.eq(q.q, '"x""; DROP TABLE items; --"', "quoted")
  T.eq(conn:query_one("SELECT count(*) AS n FROM items").n, 1, "items intact")
end)

T.test("PostgreSQL errors are structured; the connection stays usable", function()
  local conn <close> = primary:connect()
  local err = T.raises(function() conn:query("SELECT * FROM no_such_table") end, "no_such_table")
  T.eq(err.kind, "sql", "kind")
  T.eq(err.sqlstate, "42P01", "SQLSTATE")
  T.ok(tostring(err):find('relation "no_such_table" does not exist'), "message: " .. tostring(err))
  err = T.raises(function() conn:query("INSERT INTO items (id) VALUES ($1)", 9007199254740993) end)
  T.eq(err.sqlstate, "23505", "unique violation")
  T.ok(err.detail and err.detail:find("already exists"), "detail")
  T.eq(conn:query_one("SELECT 41 + 1 AS v").v, 42, "still usable")
  T.raises(function() conn:query(42) end, "SQL string expected")
  T.raises(function() conn:query("SELECT $1", function() end) end, "cannot be a query parameter")
end)

T.test("transaction: committed on success, rolled back on error", function()
  local conn <close> = primary:connect()
  conn:transaction(function(tx) tx:query("INSERT INTO items (id) VALUES (2)") end)
  local err = T.raises(function()
    conn:transaction(function(tx)
      tx:query("INSERT INTO items (id) VALUES (3)")
      error("migration step failed")
    end)
  end, "migration step failed")
  T.ok(err ~= nil, "raised")
  T.eq(conn:query_one("SELECT array_agg(id ORDER BY id)::text AS ids FROM items").ids, "{2,9007199254740993}", "ids")
end)

T.test("<close> closes the connection on the server too", function()
  local function backends()
    local conn <close> = primary:connect()
    return conn:query_one("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'lakebase'").n
  end
  local base = backends()
  do
    local a <close> = primary:connect()
    local b <close> = primary:connect()
    T.eq(backends(), base + 2, "two more while open")
  end
  local deadline = lb.now() + 5
  while backends() > base and lb.now() < deadline do lb.sleep(0.05) end
  T.eq(backends(), base, "gone after the scope")
end)

T.test("cancelling a task in a long query returns at once and ends the query on the server", function()
  local task = lb.spawn(function()
    local conn <close> = primary:connect()
    conn:query("SELECT pg_sleep(30)")
  end)
  lb.sleep(0.5)
  local t0 = lb.now()
  task:cancel()
  T.raises(function() task:join() end, "cancelled")
  T.ok(lb.now() - t0 < 1, "returned at once")
  local conn <close> = primary:connect()
  local deadline = lb.now() + 5
  local n
  repeat
    n = conn:query_one("SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'").n
    if n > 0 then lb.sleep(0.1) end
  until n == 0 or lb.now() > deadline
  T.eq(n, 0, "the sleeping query is gone")
end)

T.test("a refused credential is renewed once on reconnect; an expired one is renewed before use", function()
  local conn = primary:connect()
  conn:close()
  c._credentials[primary.name].cred = { token = "lbpg_stale0000", expire_time = "2099-01-01T00:00:00Z" }
  local before = c.stats.requests
  local again <close> = primary:connect()
  T.eq(again:query_one("SELECT 1 AS v").v, 1, "connected")
  T.eq(c.stats.requests - before, 1, "one new credential")
  c._credentials[primary.name].expires = os.time() + 60  -- within 2 minutes of expiry
  local third <close> = primary:connect()
  T.eq(c.stats.requests - before, 2, "renewed before use")
end)

T.test("pg_env drives psql; the password stays out of argv", function()
  local env = primary:pg_env()
  T.eq(env.PGPORT, tostring(primary.status.hosts.port), "port")
  env.PATH = os.getenv("PATH")
  local r = lb.exec { "psql", "-X", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", "SELECT current_user", env = env }
  T.eq(r.code, 0, "psql (" .. r.stderr .. ")")
  T.eq(r.stdout, c:postgres_user() .. "\n", "logged in as the caller")
end)

T.test("a failing query inside a workflow still deletes its branch (<close>)", function()
  local err = T.raises(function()
    local br = project:create_branch("doomed", { ttl = "3600s" }):wait()
    local cleanup <close> = setmetatable({}, { __close = function() br:delete():wait() end })
    local ep = br:primary_endpoint()
    local conn <close> = ep:connect()
    conn:query("SELECT 1/0")
  end, "division by zero")
  T.eq(err.sqlstate, "22012", "SQLSTATE")
  for b in project:branches() do T.ok(b.name ~= "projects/sqlapp/branches/doomed", "no branch left: " .. b.name) end
end)

T.test("ten workflows at once, each with its own branch and queries, on one thread", function()
  local fns = {}
  for i = 1, 10 do
    fns[i] = function()
      local br = project:create_branch("wf" .. i, { ttl = "3600s" }):wait()
      local cleanup <close> = setmetatable({}, { __close = function() br:delete():wait() end })
      local ep = br:primary_endpoint()
      local conn <close> = ep:connect()
      conn:exec("CREATE TABLE mine (n int)")
      conn:query("INSERT INTO mine SELECT generate_series(1, $1::int)", i * 10)
      return conn:query_one("SELECT sum(n) AS s, (SELECT count(*) FROM items) AS inherited FROM mine")
    end
  end
  local t0 = lb.now()
  local results = table.pack(lb.all(fns))
  for i = 1, 10 do
    local r = results[i]
    T.eq(r.s, (i * 10) * (i * 10 + 1) // 2, "sum in workflow " .. i)
    T.eq(r.inherited, 2, "the branch copied production's rows (workflow " .. i .. ")")
  end
  print(string.format("# ten workflows took %.1fs", lb.now() - t0))
  local left = 0
  for b in project:branches() do if b.name:match("/wf%d+$") then left = left + 1 end end
  T.eq(left, 0, "branches left")
end)

T.run()
emu:stop()
