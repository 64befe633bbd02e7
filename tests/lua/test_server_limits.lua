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
    T.eq(r.code, 2, "a usage error, exit 2: " .. bad)
    T.ok(not r.stderr:find("traceback", 1, true), "one line, no traceback: " .. r.stderr)
  end
end)

-- Request framing a proxy in front could read differently from the server (request smuggling,
-- RFC 9112 sections 5 and 6.3): the server answers 400 and closes, and runs no request. The handler
-- counts the requests it runs and echoes each body.
T.test("framing a proxy could read otherwise is refused: duplicate or non-decimal Content-Length, space before ':', CR or LF in a value", function()
  local ran = {}
  local server = require("lakebase.runtime.httpd").serve { handler = function(req)
    ran[#ran + 1] = req.method .. " " .. req.path .. " " .. req.body
    return 200, {}, "ran " .. #ran
  end }
  local function exchange(raw)
    local conn = net.connect("127.0.0.1", server.port)
    conn:send(raw)
    local got = {}
    lb.timeout(5, function()
      while true do
        local data = conn:receive()
        if not data then break end
        got[#got + 1] = data
      end
    end)
    conn:close()
    return table.concat(got)
  end
  local head = "POST /p HTTP/1.1\r\nHost: x\r\n"
  local cases = {
    ["two different Content-Length"] = head .. "Content-Length: 2\r\nContent-Length: 30\r\n\r\n{}GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    ["a hexadecimal Content-Length"] = head .. "Content-Length: 0x2\r\n\r\n{}",
    ["a fractional Content-Length"] = head .. "Content-Length: 1.5\r\n\r\n{}",
    ["a signed Content-Length"] = head .. "Content-Length: +2\r\n\r\n{}",
    ["a space before the colon"] = head .. "Content-Length : 2\r\n\r\n{}",
    ["a header name that is not a token"] = head .. "Content Length: 2\r\n\r\n{}",
    ["a bare LF inside a value"] = head .. "X-A: a\nContent-Length: 2\r\n\r\n{}",
  }
  for name, raw in pairs(cases) do
    local before = #ran
    local answer = exchange(raw)
    T.ok(answer:match("^HTTP/1.1 400 "), name .. ": 400, got " .. answer:sub(1, 60))
    T.ok(answer:find("Connection: close", 1, true), name .. ": the connection is closed")
    T.eq(#ran, before, name .. ": nothing ran")
  end
  local same = exchange(head .. "Content-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
  T.ok(same:match("^HTTP/1.1 200 "), "the same Content-Length twice is one length: " .. same:sub(1, 60))
  T.eq(ran[#ran], "POST /p {}", "and the body is read once")
  local two = exchange("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
  local _, answers = two:gsub("HTTP/1%.1 200 ", "")
  T.eq(answers, 2, "two pipelined requests get two answers")
  server:close()
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
