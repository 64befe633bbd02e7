-- The emulator as its own process (`lakebase emulator --data DIR`): killed with SIGKILL in the
-- middle of an operation, it leaves no PostgreSQL server behind; restarted on the same data
-- directory it finishes the operation and has lost no row; SIGTERM stops it cleanly.
local T = require "testlib"
local Client = require "emu_client"
local lb = lakebase
local P = "/api/2.0/postgres/"
local EXE = arg[-1]
local TOKEN = "restart-pat-0123456789"
local USER = "emulator-user@example.com"
local data = lb.exec { "mktemp", "-d", "/tmp/lakebase-restart-test-XXXXXX", check = true }.stdout:match("%S+")

local emu  -- the running emulator: {proc=, url=, client=}

local function start()
  local proc, client = Client.spawn(EXE, TOKEN, { "--data", data, "--op-latency", "1.5" })
  emu = { proc = proc, url = client.url, client = client }
  return emu
end

-- The pids of the PostgreSQL servers running on the branches' data directories.
local function server_pids()
  local pids = {}
  local ls = lb.exec { "sh", "-c", 'cat "$1"/pg/*/postmaster.pid 2>/dev/null | sed -n 1p', "sh", data }
  for pid in ls.stdout:gmatch("%d+") do
    if io.open("/proc/" .. pid .. "/cmdline") then pids[#pids + 1] = tonumber(pid) end
  end
  return pids
end

local function alive(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return false end
  local stat = f:read("a")
  f:close()
  return not stat:match("^%d+ %b() Z")  -- a zombie has exited
end

local function wait_gone(pids, seconds)
  local deadline = lb.now() + seconds
  repeat
    local left = {}
    for _, pid in ipairs(pids) do if alive(pid) then left[#left + 1] = pid end end
    if #left == 0 then return true end
    lb.sleep(0.1)
  until lb.now() > deadline
  return false
end

local function psql(ep, password, sql)
  return lb.exec { "psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql,
    env = { PGHOST = ep.status.hosts.host, PGPORT = tostring(ep.status.hosts.port), PGUSER = USER,
      PGPASSWORD = password, PGDATABASE = "databricks_postgres", PGCONNECT_TIMEOUT = "10", PATH = os.getenv("PATH") } }
end

local function sql_on(c, ep_name, sql)
  local _, ep = c:call("GET", P .. ep_name)
  local status, cred = c:call("POST", P .. "credentials", { endpoint = ep_name })
  assert(status == 200, "credentials: HTTP " .. status)
  return psql(ep, cred.token, sql)
end

local PRIMARY = "projects/keep/branches/production/endpoints/primary"

T.test("killed with SIGKILL mid-operation, the emulator leaves no PostgreSQL running", function()
  local c = start().client
  c:run("POST", P .. "projects?project_id=keep", { spec = { display_name = "Keep" } })
  local r = sql_on(c, PRIMARY, "create table t(id int); insert into t select generate_series(1, 500)")
  T.eq(r.code, 0, "rows written (stderr: " .. r.stderr .. ")")
  local pids = server_pids()
  T.ok(#pids >= 1, "a PostgreSQL server runs for the primary endpoint")
  local status, op = c:call("POST", P .. "projects/keep/branches?branch_id=dev", { spec = { ttl = "3600s" } })
  T.eq(status, 200, "branch creation accepted")
  T.eq(op.done, false, "the operation is still running")
  emu.pending_op = op.name
  T.eq(require("lakebase.core").file_mode(data .. "/state.json"), tonumber("600", 8),
    "state.json (it holds database passwords) is private")
  emu.proc:kill("KILL")
  T.eq(select(2, emu.proc:wait()), "KILL", "killed")
  T.ok(wait_gone(pids, 15), "every PostgreSQL server it started has exited")
end)

T.test("restarted on the same data, it finishes the operation and has every row", function()
  local op_name = emu.pending_op
  local c = start().client
  local op = c:wait({ name = op_name, done = false }, 60)
  T.ok(op.error == nil, "the operation succeeded: " .. lb.json.encode(op.error or {}))
  T.eq(op.response.name, "projects/keep/branches/dev", "its response is the branch")
  local status, branch = c:call("GET", P .. "projects/keep/branches/dev")
  T.eq(status, 200, "the branch exists")
  T.eq(branch.status.source_branch, "projects/keep/branches/production", "its source")
  local r = sql_on(c, PRIMARY, "select count(*) from t")
  T.eq(r.code, 0, "query after restart (stderr: " .. r.stderr .. ")")
  T.eq(r.stdout, "500\n", "rows kept")
end)

T.test("SIGTERM stops the emulator cleanly, with its servers", function()
  local pids = server_pids()
  T.ok(#pids >= 1, "servers run before the stop")
  emu.proc:kill("TERM")
  local code = lb.timeout(60, function() return emu.proc:wait() end)
  T.eq(code, 0, "exit code")
  T.ok(wait_gone(pids, 1), "no server left")
  T.eq(#server_pids(), 0, "no postmaster.pid names a live process")
end)

T.run()
if emu and emu.proc:status() == "running" then
  emu.proc:kill("KILL")
  emu.proc:wait()
end
lb.exec { "rm", "-rf", data }
