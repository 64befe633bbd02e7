-- The emulator's state file (`lakebase emulator --data DIR`, without PostgreSQL): changes made
-- together share one write of state.json, but none is answered before it is written, so an
-- emulator killed with SIGKILL right after answering has lost nothing when it restarts.
local T = require "testlib"
local Client = require "emu_client"
local lb = lakebase
local P = "/api/2.0/postgres/"
local EXE = arg[-1]
local TOKEN = "store-pat-0123456789"
local data = lb.exec { "mktemp", "-d", "/tmp/lakebase-store-test-XXXXXX", check = true }.stdout:match("%S+")

local proc  -- the running emulator
local function stop()
  if proc and proc:status() == "running" then
    proc:kill("TERM")
    proc:wait()
  end
end

local function start()
  stop()
  local client
  proc, client = Client.spawn(EXE, TOKEN, { "--no-postgres", "--data", data, "--op-latency", "0.2" })
  return client
end

local N = 60

T.test(N .. " concurrent creations answered, then SIGKILL: a restart has every one", function()
  local c = start()
  c:run("POST", P .. "projects?project_id=store", { spec = {} })
  -- A state of 1,500 branches takes a write long enough (about 0.1 s) for a kill to land in it,
  -- were answers sent before their write.
  for start = 1, 1500, 100 do
    local fill = {}
    for i = start, start + 99 do
      fill[#fill + 1] = function()
        assert(c:call("POST", P .. "projects/store/branches?branch_id=fill" .. i, { spec = { no_expiry = true } }) == 200)
      end
    end
    lb.all(fill)
  end
  local fns = {}
  for i = 1, N do
    fns[i] = function()
      local status, op = c:call("POST", P .. "projects/store/branches?branch_id=b" .. i, { spec = { no_expiry = true } })
      assert(status == 200, "create b" .. i .. ": HTTP " .. status)
      return op.name
    end
  end
  local ops = { lb.all(fns) }
  proc:kill("KILL")  -- at once: nothing answered may be missing from state.json
  T.eq(select(2, proc:wait()), "KILL", "killed")

  c = start()
  for i, name in ipairs(ops) do
    local op = c:wait({ name = name, done = false }, 30)
    T.ok(op.error == nil, "operation " .. i .. " succeeded after the restart")
  end
  for i = 1, N do
    T.eq((c:call("GET", P .. "projects/store/branches/b" .. i)), 200, "branch b" .. i .. " kept")
  end
end)

T.test("a change state.json cannot take is answered 500 naming the file; the next write keeps it", function()
  local c = start()
  -- A directory where the state file goes makes the write fail, even as root (its temporary
  -- file is created anew under another name when one is in the way, so that cannot block it).
  local blocker = data .. "/state.json"
  lb.exec { "rm", blocker, check = true }
  lb.exec { "mkdir", blocker, check = true }
  local status, body = c:call("POST", P .. "projects/store/branches?branch_id=late", { spec = { no_expiry = true } })
  T.eq(status, 500, "HTTP status")
  T.ok(tostring(body.message):find("state.json", 1, true), "the message names the file: " .. tostring(body.message))
  lb.exec { "rmdir", blocker, check = true }
  T.eq((c:call("GET", P .. "projects/store")), 200, "the emulator still answers")
  -- The change was made in memory and its operation runs: the next write persists both.
  c:run("POST", P .. "projects/store/branches?branch_id=next", { spec = { no_expiry = true } })
  T.eq((c:call("GET", P .. "projects/store/branches/late")), 200, "the branch whose write failed exists")
  c = start()
  T.eq((c:call("GET", P .. "projects/store/branches/late")), 200, "and is still there after a restart")
  stop()
end)

T.run()
stop()
lb.exec { "rm", "-rf", data }
