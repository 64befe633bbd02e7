-- Servers survive their clients: an emulator (and a compute's front door) run out of descriptors by idle
-- connections says so once and keeps accepting, so a real request is answered once descriptors
-- come back; the emulator's HTTP server closes connections that send no complete request within
-- its idle timeout (LAKEBASE_HTTPD_IDLE_TIMEOUT), so idle clients cannot starve it. Each server
-- is a child `lakebase` with `ulimit -n` low, hammered over real sockets from this process.
local T = require "testlib"
local lb = lakebase
local net = require "lakebase.runtime.net"
local EXE = arg[-1]
local TOKEN = "limits-token-0123456789"
local FDS = 40  -- the child's RLIMIT_NOFILE: a dozen go to the runtime, the rest to clients

-- The children's environment: nothing of ours but what they need.
local function environment(extra)
  local env = { PATH = os.getenv("PATH"), HOME = os.getenv("HOME") or "/tmp", LAKEBASE_LUA_DIR = os.getenv("LAKEBASE_LUA_DIR") }
  for k, v in pairs(extra) do env[k] = v end
  return env
end

-- Starts `sh -c 'ulimit -n FDS; exec lakebase ARGS...'` with `env` added; returns the process, its
-- first stdout line, and a function returning what it wrote on stderr once it has exited.
local function child(env, args)
  local script = "ulimit -n " .. FDS .. '; exec "$0" "$@"'
  local argv = { "sh", "-c", script, EXE, table.unpack(args) }
  argv.stdout, argv.stderr, argv.pdeathsig = "pipe", "pipe", "TERM"
  argv.env = environment(env)
  local proc = lb.process.spawn(argv)
  local stderr = lb.spawn(function() return proc:read_all("stderr") end)
  local line = lb.timeout(30, function() return proc:read_line() end)
  assert(line, "the child did not start")
  return proc, line, function() return stderr:join() end
end

local function stop(proc)
  proc:kill("TERM")
  lb.timeout(30, function() proc:wait() end)
end

-- Opens n connections to port that send nothing; returns them.
local function idle_connections(port, n)
  local conns = {}
  for i = 1, n do conns[i] = net.connect("127.0.0.1", port) end
  return conns
end

local function count(text, pattern)
  local n = 0
  for _ in text:gmatch(pattern) do n = n + 1 end
  return n
end

local function list_projects(url)
  local status, _, body = lb.http.request { url = url .. "/api/2.0/postgres/projects", timeout = 15,
    headers = { Authorization = "Bearer " .. TOKEN } }
  return status, body
end

T.test("an emulator out of descriptors says so once, keeps accepting, and answers when they come back", function()
  local proc, line, stderr = child({ LAKEBASE_HTTPD_IDLE_TIMEOUT = "600" },
    { "emulator", "--no-postgres", "--token", TOKEN })
  local url = line:match("listening on (%S+)")
  local port = tonumber(url:match(":(%d+)$"))
  local conns = idle_connections(port, 3 * FDS)  -- far more than it has descriptors for
  lb.sleep(1)                                    -- it accepts until it runs out, then pauses
  for _, c in ipairs(conns) do c:close() end      -- the clients go away
  local started = lb.now()
  local status = list_projects(url)
  T.eq(status, 200, "a real request is answered after the idle clients left")
  T.ok(lb.now() - started < 10, "within seconds")
  stop(proc)
  local err = stderr()
  T.eq(count(err, "Too many open files"), 1, "running out of descriptors is logged once: " .. err)
end)

T.test("idle connections that send nothing are closed after the idle timeout, so a real request gets in", function()
  local proc, line, stderr = child({ LAKEBASE_HTTPD_IDLE_TIMEOUT = "1" }, { "emulator", "--no-postgres", "--token", TOKEN })
  local url = line:match("listening on (%S+)")
  local port = tonumber(url:match(":(%d+)$"))
  local conns = idle_connections(port, 3 * FDS)  -- held open the whole time
  local started = lb.now()
  local status = list_projects(url)
  T.eq(status, 200, "answered while idle clients still hold their connections")
  T.ok(lb.now() - started < 12, "within a few idle timeouts")
  -- The server closed the idle ones: reading one gives end of file.
  local closed = 0
  for _, c in ipairs(conns) do
    if lb.timeout(5, function() return c:receive() end) == nil then closed = closed + 1 end
    c:close()
  end
  T.eq(closed, #conns, "every idle connection was closed by the server")
  stop(proc)
  stderr()
end)

T.test("a request that trickles in slower than the idle timeout is cut off; a prompt one on the same server is not", function()
  local proc, line, stderr = child({ LAKEBASE_HTTPD_IDLE_TIMEOUT = "1" }, { "emulator", "--no-postgres", "--token", TOKEN })
  local url = line:match("listening on (%S+)")
  local port = tonumber(url:match(":(%d+)$"))
  local slow = net.connect("127.0.0.1", port)
  slow:send("GET /api/2.0/postgres/projects HTTP/1.1\r\n")
  lb.sleep(0.5)
  slow:send("Host: x\r\n")  -- still no end of headers after the timeout
  local cut = lb.timeout(5, function() return slow:receive() end)
  T.eq(cut, nil, "closed without an answer")
  slow:close()
  T.eq(list_projects(url), 200, "a prompt request is answered")
  stop(proc)
  stderr()
end)

T.test("a malformed idle timeout is refused by name when the server starts", function()
  for _, bad in ipairs { "0", "-1", "soon", "inf" } do
    local r = lb.exec { EXE, "emulator", "--no-postgres", env = environment { LAKEBASE_HTTPD_IDLE_TIMEOUT = bad },
      timeout = 30 }
    T.ok(r.code ~= 0, "refused: " .. bad)
    T.ok(r.stderr:find("LAKEBASE_HTTPD_IDLE_TIMEOUT is '" .. bad .. "'", 1, true), "named: " .. r.stderr)
  end
end)

T.test("a compute's front door out of descriptors keeps accepting: it answers a client once the others leave", function()
  -- The relay speaks the start of the PostgreSQL protocol; a StartupMessage in clear is answered
  -- with an ErrorResponse ('E') asking for TLS, which is all this needs to see it serve again.
  local code = [[
    local proxy = require("lakebase.emulator.proxy").start(0, { authenticate = function() return false end,
      backend = function() return nil, "no compute here" end, cancel_target = function() end })
    print(proxy.port) io.stdout:flush()
    lakebase.sleep(120)
  ]]
  local proc, line, stderr = child({}, { "-e", code })
  local port = tonumber(line)
  local conns = idle_connections(port, 3 * FDS)
  lb.sleep(1)
  for _, c in ipairs(conns) do c:close() end
  local params = "user\0probe\0\0"
  local startup = string.pack(">I4I4", 8 + #params, 196608) .. params
  -- The relay is still working through the backlog of closed connections, each taking a
  -- descriptor for a moment: a probe that arrives while none is free is dropped, so the probe is
  -- repeated until one is answered.
  local reply = lb.timeout(15, function()
    while true do
      local ok, answer = pcall(function()
        local c <close> = net.connect("127.0.0.1", port)
        c:send(startup)
        return c:receive()
      end)
      if ok and answer then return answer end
      lb.sleep(0.2)
    end
  end)
  T.eq(reply and reply:sub(1, 1), "E", "the relay answered the new client")
  T.ok(reply:find("sslmode=require", 1, true), "with the service's words: " .. reply)
  stop(proc)
  local err = stderr()
  T.ok(err:find("cannot accept connections on 127.0.0.1:" .. port .. ": Too many open files", 1, true),
    "the relay logged running out of descriptors: " .. err)
end)

T.run()
