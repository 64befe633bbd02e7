--- Computes that are real PostgreSQL servers. A branch is a data directory; its read-write
-- endpoint is a postgres process serving that directory on a private Unix socket only (trust: the
-- emulator's own administration, and clients the endpoint's relay has logged in with a token; see
-- proxy.lua). Branching copies the parent's data: with pg_basebackup from its running server
-- (consistent while it runs), or a file copy when it is stopped. Servers run as children of the
-- emulator with the parent-death signal set, so they never outlive it. Child processes get a
-- minimal environment and no secret on their command line.
local sched = require "lakebase.runtime.sched"
local net = require "lakebase.runtime.net"
local log = require "lakebase.base.log"
local validate = require "lakebase.api.validate"
local admin = require "lakebase.emulator.pgadmin"
local proxy_mod = require "lakebase.emulator.proxy"
local child = require "lakebase.emulator.child"

local M = {}

local exec, child_env = child.exec, child.env

-- The installed PostgreSQL servers: major version -> bin directory (Debian's layout), and the newest.
local function installed_servers()
  local dirs, newest = {}, nil
  for v = 40, 9, -1 do
    local dir = "/usr/lib/postgresql/" .. v .. "/bin"
    local f = io.open(dir .. "/initdb")
    if f then
      f:close()
      dirs[v] = dir
      newest = newest or v
    end
  end
  return dirs, newest
end

-- Where the server programs are: per major version when they are installed side by side, or the
-- one directory --pg-bindir names (or pg_config finds).
local function server_programs(opts)
  local dirs, newest = installed_servers()
  local fixed = opts.pg_bindir
  if not fixed and not newest then
    local ok, r = pcall(exec, { "pg_config", "--bindir" }, "pg_config")
    local dir = ok and r.stdout:match("^%s*(.-)%s*$")
    local f = dir and io.open(dir .. "/initdb")
    if f then f:close() fixed = dir end
  end
  if not fixed and not newest then
    error("cannot find PostgreSQL's initdb: install the postgresql package or pass --pg-bindir DIR", 0)
  end
  local warned = {}
  local P = {}
  --- The bin directory for a new branch of PostgreSQL `version` (a string or number; nil: the
  -- newest). The service's version is reported as requested; the emulator serves what it has and
  -- says so once.
  function P.for_version(version)
    if fixed then return fixed end
    local v = tonumber(version)
    if v and dirs[v] then return dirs[v] end
    if v and not warned[v] then
      warned[v] = true
      log.warn("emulator: PostgreSQL %d is not installed here; serving PostgreSQL %d instead " ..
        "(the API still reports pg_version %d)", v, newest, v)
    end
    return dirs[newest]
  end
  --- The bin directory for an existing data directory (by its PG_VERSION).
  function P.for_dir(dir)
    if fixed then return fixed end
    local f = io.open(dir .. "/PG_VERSION")
    local v = f and tonumber(f:read("l"))
    if f then f:close() end
    return dirs[v] or dirs[newest]
  end
  return P
end

local function free_port()
  local s = net.listen("127.0.0.1", 0)
  local port = s.port
  s:close()
  return port
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

--- The user PostgreSQL runs as: nil (this process's user), or "postgres" when running as root,
-- since postgres and initdb refuse to run as root.
local function server_user()
  local status = read_file("/proc/self/status") or ""
  local euid = status:match("\nUid:%s+%d+%s+(%d+)")
  if euid ~= "0" then return nil end
  local ok = pcall(exec, { "id", "-u", "postgres" }, "id")
  if not ok then
    error("the emulator runs as root, and PostgreSQL refuses to run as root: create a 'postgres' user " ..
      "(Debian's postgresql package does) or run the emulator as an ordinary user", 0)
  end
  return "postgres"
end

--- Makes `root`/pg a directory the server user owns, and checks that user can reach it.
local function prepare_dirs(root, sockdir, user)
  exec({ "mkdir", "-p", "-m", "0700", root .. "/pg" }, "mkdir")
  if not user then return end
  -- The data directory (with state.json) stays closed to everyone but root and the server group.
  exec({ "chgrp", user, root }, "chgrp")
  exec({ "chmod", "0710", root }, "chmod")
  exec({ "chown", user .. ":", root .. "/pg", sockdir }, "chown")
  if not pcall(exec, { "test", "-w", root .. "/pg", "-a", "-w", sockdir, user = user }, "test") then
    error(string.format("PostgreSQL runs as user '%s' (the emulator runs as root) and cannot reach %s/pg: " ..
      "make the directories above it searchable (chmod o+x) or choose another data directory", user, root), 0)
  end
end

function M.new(E)
  local opts = E.opts
  local programs = server_programs(opts)
  -- Absolute, since the server programs run in their own working directory.
  local root = exec({ "realpath", "--", opts.data or E.tmpdir }, "realpath").stdout:match("^(.-)%s*$")
  local sockdir = E.sockdir
  local user = server_user()
  prepare_dirs(root, sockdir, user)
  -- The relays' certificate; its CA file is what clients that verify trust.
  local tls_files = require("lakebase.emulator.certs").ensure((opts.data or E.tmpdir) .. "/tls", exec)
  local tls_context = require("lakebase.core").tls_server(tls_files.cert_file, tls_files.key_file)
  E.ca_file = tls_files.ca_file
  -- Runs a PostgreSQL server program (initdb, pg_ctl, pg_basebackup) as the server user.
  local function pg_exec(argv, what)
    argv.user, argv.cwd = user, root .. "/pg"
    return exec(argv, what)
  end
  local servers = {}   -- endpoint name -> {proc=, port=, datadir=}
  local c = {}

  local function datadir(branch) return root .. "/pg/" .. branch.uid end
  -- A read-only endpoint is a hot standby of its branch, streaming from the branch's server.
  local function is_replica(ep) return ep.spec.endpoint_type == "ENDPOINT_TYPE_READ_ONLY" end
  local function replica_dir(ep) return root .. "/pg/ro-" .. ep.uid end

  -- Each data directory keeps its server port across restarts when it can, so that standbys
  -- configured with it find their primary again.
  local ports = {}
  local function port_for(dir)
    for _, srv in pairs(servers) do
      if srv.ready and srv.datadir == dir then return srv.port end
    end
    local p = ports[dir]
    if p then
      local ok, s = pcall(net.listen, "127.0.0.1", p)
      if ok then
        s:close()
        return p
      end
    end
    ports[dir] = free_port()
    return ports[dir]
  end

  local function sockpath(port) return sockdir .. "/.s.PGSQL." .. port end
  -- A connection for administration to database `db` of the server on `port`.
  local function connect(port, db) return admin.connect(sockdir, port, db) end

  -- Starts postgres on `dir`; waits until it accepts connections. Returns the server.
  local function start_server(dir, port, key, extra)
    -- No TCP: clients come through the endpoint's relay, which has checked their token.
    local argv = { programs.for_dir(dir) .. "/postgres", "-D", dir, "-p", tostring(port),
      "-k", sockdir, "-c", "listen_addresses=", "-c", "logging_collector=on",
      "-c", "log_directory=log", "-c", "unix_socket_permissions=0700",
      -- Many branches may copy one server at once: each base backup takes two WAL senders and
      -- needs the WAL it started from to stay.
      "-c", "max_wal_senders=64", "-c", "max_replication_slots=64", "-c", "wal_keep_size=256MB",
      stdin = "null", stdout = "null", stderr = "null", new_group = true, pdeathsig = "INT", user = user,
      cwd = root .. "/pg", env = child_env() }
    for _, a in ipairs(extra or {}) do argv[#argv + 1] = a end
    local proc = require("lakebase.runtime.process").spawn(argv)
    local srv = { proc = proc, port = port, datadir = dir, started_at = require("lakebase.core").now() }
    local deadline = require("lakebase.core").now() + 60
    while true do
      local pidfile = read_file(dir .. "/postmaster.pid")
      if pidfile and pidfile:match("\nready%s*\n?$") then break end
      local st = proc:status()
      if st ~= "running" then
        error("postgres for " .. key .. " exited during start-up; see " .. dir .. "/log", 0)
      end
      if require("lakebase.core").now() > deadline then
        proc:kill("KILL")
        error("postgres for " .. key .. " did not become ready within 60 s", 0)
      end
      sched.sleep(0.05)
    end
    return srv
  end

  -- One server per data directory at a time: endpoint start-up and temporary maintenance servers
  -- take the directory's lock.
  local locks = {}
  local function locked(dir, fn)
    while locks[dir] do locks[dir]:wait() end
    local ev = sched.event()
    locks[dir] = ev
    local ok, err = pcall(fn)
    locks[dir] = nil
    ev:fire()
    if not ok then error(err, 0) end
  end

  local function stop_server(srv)
    -- Administrative SQL in flight finishes first (bounded: those statements are short).
    local deadline = require("lakebase.core").now() + 30
    while (srv.busy or 0) > 0 and require("lakebase.core").now() < deadline do sched.sleep(0.05) end
    if srv.proc:status() == "running" then
      srv.proc:kill("INT")  -- fast shutdown: disconnect clients, checkpoint, exit
      local ok = pcall(require("lakebase.runtime.sched").timeout, 30, function() srv.proc:wait() end)
      if not ok then
        srv.proc:kill("QUIT")
        srv.proc:wait()
      end
    end
  end

  -- A server for administrative work on a branch: its running endpoint's, or a temporary one.
  -- The running server is marked busy meanwhile, so scale-to-zero does not stop it under fn.
  -- Runs fn(port) on the server running on `dir`, if any, marked busy meanwhile; returns whether it did.
  local function use_running(dir, fn)
    for _, srv in pairs(servers) do
      if srv.ready and srv.datadir == dir then
        srv.busy = (srv.busy or 0) + 1
        local ok, err = pcall(fn, srv.port)
        srv.busy = srv.busy - 1
        if not ok then error(err, 0) end
        return true
      end
    end
    return false
  end

  local function with_server(branch, fn)
    local dir = datadir(branch)
    if use_running(dir, fn) then return end
    locked(dir, function()
      if use_running(dir, fn) then return end  -- an endpoint started while this task waited for the lock
      local srv = start_server(dir, port_for(dir), branch.name .. " (maintenance)")
      local ok, err = pcall(fn, srv.port)
      stop_server(srv)
      if not ok then error(err, 0) end
    end)
  end

  --- A new project's first branch: a fresh cluster of PostgreSQL `pg_version` (the installed one
  -- when that version is not), with the service's built-in roles and database; opts.owner (the
  -- creator's identity) gets the project owner's role.
  function c.init_branch(branch, pg_version, init_opts)
    local dir = datadir(branch)
    if not read_file(dir .. "/PG_VERSION") then
      exec({ "rm", "-rf", dir }, "cleaning " .. dir)
      pg_exec({ programs.for_version(pg_version) .. "/initdb", "-D", dir, "-U", "postgres", "-E", "UTF8", "--locale=C",
        "--auth-local=trust", "--auth-host=reject", "-N" }, "initdb")
    end
    -- Also when re-run after a restart: a cut-short set-up is completed.
    with_server(branch, function(port)
      admin.setup_branch(function(db) return connect(port, db) end, (init_opts or {}).owner)
    end)
  end

  function c.copy_branch(src, branch)
    local dir = datadir(branch)
    if read_file(dir .. "/PG_VERSION") then return end
    exec({ "rm", "-rf", dir }, "cleaning " .. dir)
    local from = datadir(src)
    -- A running server is copied consistently with a base backup (and kept running meanwhile);
    -- a stopped one as files, under its lock so that nothing starts it during the copy.
    local function backup(port)
      pg_exec({ programs.for_dir(from) .. "/pg_basebackup", "-h", sockdir, "-p", tostring(port), "-U", "postgres",
        "-D", dir, "-X", "stream", "-c", "fast", "--no-sync" }, "pg_basebackup")
    end
    if use_running(from, backup) then return end
    locked(from, function()
      if use_running(from, backup) then return end
      exec({ "cp", "-a", from, dir }, "copying branch data")
      exec({ "rm", "-f", dir .. "/postmaster.pid" }, "rm")
    end)
  end

  local proxies = {}   -- endpoint name -> proxy (the advertised port)

  -- Starts the endpoint's postgres if it is not running (single-flight). Returns the server.
  -- The branch's data as a standby's starting point: a base backup of the running server (which
  -- also writes standby.signal), else a copy of the stopped one.
  local function make_replica(ep, branch)
    local dir = replica_dir(ep)
    if read_file(dir .. "/PG_VERSION") then return end
    exec({ "rm", "-rf", dir }, "cleaning " .. dir)
    with_server(branch, function(port)
      pg_exec({ programs.for_dir(datadir(branch)) .. "/pg_basebackup", "-h", sockdir, "-p", tostring(port), "-U", "postgres",
        "-D", dir, "-X", "stream", "-c", "fast", "--no-sync", "-R" }, "pg_basebackup")
    end)
  end

  -- Waits until the standby on `port` has replayed everything the branch's server has written
  -- (starting that server for the purpose if needed), so it serves current roles and data.
  local function catch_up(ep, port)
    local branch = E.store:get(ep.parent, true)
    with_server(branch, function(primary)
      local lsn
      do
        local conn <close> = connect(primary, "postgres")
        lsn = conn:query_one("SELECT pg_current_wal_lsn()::text AS lsn").lsn
      end
      local conn <close> = connect(port, "postgres")
      local deadline = require("lakebase.core").now() + 30
      while not conn:query_one("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok", lsn).ok do
        if require("lakebase.core").now() > deadline then
          error("read replica " .. ep.name .. " did not catch up with its branch within 30 s", 0)
        end
        sched.sleep(0.05)
      end
    end)
  end

  local function start_replica(ep)
    local branch = E.store:get(ep.parent, true)
    make_replica(ep, branch)
    local conninfo = string.format("host=%s port=%d user=postgres application_name=%s", sockdir,
      port_for(datadir(branch)), ep.uid)
    local srv = start_server(replica_dir(ep), free_port(), ep.name, { "-c", "primary_conninfo=" .. conninfo,
      "-c", "hot_standby=on", "-c", "wal_retrieve_retry_interval=100ms" })
    local ok, err = pcall(catch_up, ep, srv.port)
    if not ok then
      stop_server(srv)
      error(err, 0)
    end
    return srv
  end

  local function ensure_server(ep)
    local srv = servers[ep.name]
    if srv and srv.ready then return srv end
    if srv then srv.started:wait() return servers[ep.name] end
    srv = { started = sched.event() }
    servers[ep.name] = srv
    local ok, err = pcall(function()
      local branch = E.store:get(ep.parent, true)
      local real
      if is_replica(ep) then
        locked(replica_dir(ep), function() real = start_replica(ep) end)
      else
        locked(datadir(branch), function() real = start_server(datadir(branch), port_for(datadir(branch)), ep.name) end)
      end
      for k, v in pairs(real) do srv[k] = v end
      srv.ready = true
    end)
    srv.started:fire()
    if not ok then
      servers[ep.name] = nil
      error(err, 0)
    end
    ep.runtime.state = "ACTIVE"
    ep.runtime.last_active_time = validate.format_time(E.clock())
    require("lakebase.emulator.api").refresh_status(E, ep)
    return srv
  end

  -- What the endpoint's relay needs: the TLS context, the token check (any unexpired token minted
  -- by that identity for the endpoint's branch; never the bootstrap superuser), and the server.
  local function relay_handlers(ep)
    return {
      tls = tls_context,
      authenticate = function(user, password)
        local cur = E.store:get(ep.name)
        return cur ~= nil and user ~= "postgres" and E.check_token(password, user, cur.parent)
      end,
      backend = function()
        local cur = E.store:get(ep.name)
        if not cur then return nil, "endpoint deleted" end
        if cur.spec.disabled then return nil, "endpoint disabled" end
        return sockpath(ensure_server(cur).port)
      end,
      cancel_target = function()
        local srv = servers[ep.name]
        return srv and srv.ready and sockpath(srv.port) or nil
      end,
    }
  end

  function c.start_endpoint(ep)
    if not proxies[ep.name] then
      local h = relay_handlers(ep)
      local ok, p = pcall(proxy_mod.start, ep.runtime.port or 0, h)
      if not ok then p = proxy_mod.start(0, h) end  -- the old port was taken meanwhile
      proxies[ep.name] = p
    end
    ep.runtime.port = proxies[ep.name].port
    ensure_server(ep)
  end

  -- Stops the endpoint's postgres (disable, suspend); `remove` also closes its port (delete).
  function c.stop_endpoint(ep, remove)
    local srv = servers[ep.name]
    servers[ep.name] = nil
    local p = proxies[ep.name]
    if p then p:drop_all() end
    -- Under the directory's lock: a connection arriving meanwhile starts the server again only
    -- once this one has let go of its data directory.
    if srv and srv.ready then locked(srv.datadir, function() stop_server(srv) end) end
    if remove and p then
      p:close()
      proxies[ep.name] = nil
      ep.runtime.port = nil
    end
    if remove and is_replica(ep) then exec({ "rm", "-rf", replica_dir(ep) }, "removing " .. replica_dir(ep)) end
  end

  -- Scale to zero: stop computes idle for longer than their suspend timeout.
  local function suspend_idle()
    local now = require("lakebase.core").now()
    for name, srv in pairs(servers) do
      local ep, p = E.store:get(name), proxies[name]
      if ep and p and srv.ready and p.active == 0 and (srv.busy or 0) == 0 and not ep.spec.no_suspension
          and not ep.busy then
        local timeout = opts.suspend_after or validate.duration(ep.spec.suspend_timeout_duration or "300s") or 300
        if now - math.max(p.last_active, srv.started_at or 0) >= timeout then
          log.debug("emulator: suspending %s after %gs idle", name, timeout)
          c.stop_endpoint(ep)
          ep.runtime.state = "IDLE"
          require("lakebase.emulator.api").refresh_status(E, ep)
          E.store:save()
        end
      end
    end
  end
  E.spawn(function()
    while true do
      sched.sleep(math.min(1, (opts.suspend_after or 1) / 3))
      suspend_idle()
    end
  end)

  -- Runs fn(conn) on database `db` (default databricks_postgres) of the branch's server.
  local function on_branch(branch, fn, db)
    with_server(branch, function(port)
      local conn <close> = connect(port, db)
      fn(conn)
    end)
  end

  --- A role record made real (see pgadmin.apply_role).
  function c.apply_role(branch, role)
    on_branch(branch, function(conn) admin.apply_role(conn, role.spec) end)
  end

  --- Drops the role; `reassign_to` (another role's postgres_role, or nil) gets what it owns.
  function c.drop_role(branch, role, reassign_to)
    with_server(branch, function(port)
      admin.drop_role(function(db) return connect(port, db) end, role.spec.postgres_role, reassign_to)
    end)
  end

  -- The owner of a database record: spec.role is a role resource name (or, from older state, a
  -- PostgreSQL role name).
  local function owner_of(db)
    local name = db.spec.role
    if not name then return nil end
    local rec = E.store:get(name)
    if rec and rec.kind == "role" then return rec.spec.postgres_role end
    if not name:find("/", 1, true) then return name end
    error("role " .. name .. " (the owner of database " .. tostring(db.spec.postgres_database) .. ") does not exist", 0)
  end

  --- A database record made real; a changed postgres_database (previous_spec) renames it.
  function c.apply_database(branch, db, previous_spec)
    on_branch(branch, function(conn)
      admin.apply_database(conn, db.spec.postgres_database, owner_of(db), previous_spec and previous_spec.postgres_database)
    end, "postgres")
  end

  function c.drop_database(branch, db)
    on_branch(branch, function(conn) admin.drop_database(conn, db.spec.postgres_database) end, "postgres")
  end

  --- After a restart: stop servers a killed emulator left behind, start the active endpoints again.
  function c.resume()
    local dirs = exec({ "find", root .. "/pg", "-mindepth", "1", "-maxdepth", "1", "-type", "d" }, "find").stdout
    for dir in dirs:gmatch("[^\n]+") do
      local pidfile = read_file(dir .. "/postmaster.pid")
      local pid = pidfile and tonumber(pidfile:match("^(%d+)"))
      if pid and read_file("/proc/" .. pid .. "/cmdline") then
        log.debug("emulator: stopping orphaned postgres %d on %s", pid, dir)
        pg_exec({ programs.for_dir(dir) .. "/pg_ctl", "stop", "-D", dir, "-m", "fast", "-w" }, "pg_ctl stop")
      end
    end
    for _, rec in pairs(E.store.resources) do
      if rec.kind == "endpoint" and not rec.delete_time and (rec.runtime or {}).state == "ACTIVE" and not rec.busy then
        E.spawn(function() c.start_endpoint(rec) end)
      end
    end
  end

  function c.shutdown()
    for name, p in pairs(proxies) do
      p:close()
      proxies[name] = nil
    end
    for name, srv in pairs(servers) do
      servers[name] = nil
      if srv.ready then stop_server(srv) end
    end
  end

  c.servers = servers
  return c
end

return M
