-- The HTTP primitive against a real loopback server (lakebase.httpd on a free port): concurrency,
-- request/response shapes, connection reuse, transport errors and argument checks.
local T = require "testlib"
local lb = lakebase

local EXE = arg[-1]
local never_sent = true  -- no request with ?never reached the server
local conns = {}     -- server-side connections seen
local requests = 0
local busy, busiest = {}, {}  -- by /slow?g=GROUP: requests being answered now, and the most at once
local server = lb.httpd.serve { handler = function(req)
  requests = requests + 1
  conns[req.conn] = true
  if req.query.never then never_sent = false end
  if req.path == "/slow" then
    local g = req.query.g or ""
    busy[g] = (busy[g] or 0) + 1
    busiest[g] = math.max(busiest[g] or 0, busy[g])
    local ok = pcall(lb.sleep, tonumber(req.query.s or "0.5"))
    busy[g] = busy[g] - 1
    if not ok then return end
    return 200, { ["Content-Type"] = "text/plain" }, "slept"
  elseif req.path == "/echo" then
    return 201, { ["Content-Type"] = "application/json", ["X-Method"] = req.method,
      ["X-Auth"] = req.headers.authorization or "" }, req.body
  elseif req.path == "/drop" then
    req.hijacked = true
    req.conn:close()
    return
  elseif req.path == "/status" then
    return tonumber(req.query.code), { ["Retry-After"] = "7" }, "status " .. req.query.code
  end
  return 404, {}, "no such path " .. req.path
end }
local base = "http://127.0.0.1:" .. server.port

T.test("50 concurrent requests answered after 500 ms each take about 500 ms in all", function()
  local fns = {}
  for i = 1, 50 do
    fns[i] = function()
      local status, _, body = lb.http.request { url = base .. "/slow?s=0.5&i=" .. i }
      T.eq(status, 200, "status") T.eq(body, "slept", "body")
      return true
    end
  end
  local t0 = lb.now()
  lb.all(fns)
  local elapsed = lb.now() - t0
  T.between(elapsed, 0.5, 2.0, "elapsed seconds for 50 concurrent 500 ms requests")
end)

-- libcurl fails a malformed URL from its timer, with no socket ever opened; libuv runs due timers
-- at the start of a turn and then waits for I/O, so the finished request sat unseen until
-- something else woke the loop (a signal, another transfer).
T.test("a request libcurl fails before opening any socket finishes at once", function()
  -- In a process of its own, where nothing else could wake the loop.
  local code = [[local core, sched = require "lakebase.core", require "lakebase.runtime.sched"
    local h = core.http { url = "http://[::1/" }
    sched.wait(h)
    print(select(2, h:result()))]]
  local t0 = lb.now()
  local r = lb.exec { EXE, "-e", code, timeout = 10 }
  T.eq(r.code, 0, "exit code (" .. r.stderr .. ")")
  T.ok(r.stdout:find("URL", 1, true), "the reason names the URL: " .. r.stdout)
  T.between(lb.now() - t0, 0, 3, "seconds")
end)

T.test("methods, headers and bodies make the round trip", function()
  for _, method in ipairs { "POST", "PUT", "PATCH", "DELETE" } do
    local status, headers, body = lb.http.request { method = method, url = base .. "/echo",
      headers = { Authorization = "Bearer not-a-real-token-1", ["Content-Type"] = "application/json" },
      body = '{"spec":{"display_name":"x"}}' }
    T.eq(status, 201, method .. " status")
    T.eq(headers["x-method"], method, method .. " method seen by the server")
    T.eq(headers["x-auth"], "Bearer not-a-real-token-1", "header sent")
    T.eq(body, '{"spec":{"display_name":"x"}}', method .. " body echoed")
  end
  local status, headers, body = lb.http.request { url = base .. "/status?code=429" }
  T.eq(status, 429, "a 4xx status is returned, not raised")
  T.eq(headers["retry-after"], "7", "response header, lower-cased name")
  T.eq(body, "status 429", "body")
  local big = string.rep("0123456789", 200000)  -- 2 MB each way
  local _, _, echoed = lb.http.request { method = "POST", url = base .. "/echo", body = big }
  T.eq(#echoed, #big, "large body length") T.ok(echoed == big, "large body content")
end)

T.test("sequential requests reuse one kept-alive connection", function()
  local before = 0
  for _ in pairs(conns) do before = before + 1 end
  for _ = 1, 20 do lb.http.request { url = base .. "/echo" } end
  local after = 0
  for _ in pairs(conns) do after = after + 1 end
  T.ok(after - before <= 1, "20 requests opened " .. (after - before) .. " connections")
end)

T.test("a refused connection raises a structured network error", function()
  local probe = lb.net.listen("127.0.0.1", 0)
  local port = probe.port
  probe:close()  -- nothing listens there now
  local err = T.raises(function() lb.http.request { url = "http://127.0.0.1:" .. port .. "/" } end)
  T.eq(err.kind, "network", "kind")
  T.eq(err.retryable, true, "retryable")
  T.ok(tostring(err):find("onnect"), "message says what failed: " .. tostring(err))
end)

T.test("a dropped connection raises a network error", function()
  local err = T.raises(function() lb.http.request { url = base .. "/drop" } end)
  T.eq(err.kind, "network", "kind")
end)

T.test("timeout bounds a slow request", function()
  local t0 = lb.now()
  local err = T.raises(function() lb.http.request { url = base .. "/slow?s=3", timeout = 0.2 } end)
  T.eq(err.kind, "network", "kind")
  T.between(lb.now() - t0, 0.2, 1.0, "elapsed")
end)

T.test("cancelling a task stops its transfer", function()
  local t = lb.spawn(function() return lb.http.request { url = base .. "/slow?s=5" } end)
  lb.sleep(0.05)
  t:cancel()
  local t0 = lb.now()
  local ok, err = pcall(t.join, t)
  T.ok(not ok and err.kind == "cancelled", "cancelled")
  T.ok(lb.now() - t0 < 0.5, "join returns at once")
end)

T.test("bad arguments fail before any request is sent", function()
  local before = requests
  T.raises(function() lb.http.request("x") end, "table expected, got string")
  T.raises(function() lb.http.request { url = "ftp://x/" } end, "must be an http:// or https:// URL")
  T.raises(function() lb.http.request { url = base, method = "BREW" } end, "field 'method'")
  T.raises(function() lb.http.request { url = base, body = 42 } end, "field 'body' must be a string")
  T.raises(function() lb.http.request { url = base, timeout = -1 } end, "field 'timeout'")
  T.raises(function() lb.http.request { url = base, headers = { ["Bad Name"] = "x" } } end, "valid HTTP header name")
  T.raises(function() lb.http.request { url = base, headers = { X = "a\r\nInjected: 1" } } end, "one%-line")
  T.eq(requests, before, "requests that reached the server")
end)

T.test("the server answers a malformed request with 400", function()
  local c = lb.net.connect("127.0.0.1", server.port)
  c:send("NOT HTTP\r\n\r\n")
  local line = c:read_until("\r\n")
  c:close()
  T.eq(line, "HTTP/1.1 400 Bad Request", "status line")
end)

T.test("closing a connection wakes the task reading it, and the descriptor can be waited on again", function()
  local listener = lb.net.listen("127.0.0.1", 0)
  local c = lb.net.connect("127.0.0.1", listener.port)
  local peer = listener:accept()
  local reader = lb.spawn(function() return c:receive() end)
  lb.sleep(0.05)
  T.eq(reader.status, "waiting", "the reader waits for data")
  c:close()
  local got = lb.timeout(2, function() return reader:join() end)
  T.eq(got, nil, "the reader sees end of file")
  T.raises(function() c:send("x") end, "connection closed")
  -- The kernel reuses the descriptor number: waiting on the new socket must work.
  local c2 = lb.net.connect("127.0.0.1", listener.port)
  local peer2 = listener:accept()
  peer2:send("hello")
  T.eq(lb.timeout(2, function() return c2:receive() end), "hello", "the new connection reads")
  local acceptor = lb.spawn(function() return listener:accept() end)
  lb.sleep(0.05)
  listener:close()
  T.raises(function() lb.timeout(2, function() return acceptor:join() end) end, "server closed")
  for _, x in ipairs { peer, peer2, c2 } do x:close() end
end)

-- A child lakebase with LAKEBASE_MAX_REQUESTS set runs `code` against this server (BASE);
-- returns its exit code, stdout and stderr.
local function child(limit, code)
  local r = lb.exec { EXE, "-e", "local BASE = " .. string.format("%q", base) .. "\n" .. code,
    env = { LAKEBASE_MAX_REQUESTS = limit, PATH = os.getenv("PATH"), HOME = os.getenv("HOME") },
    stderr = "capture", timeout = 30 }
  return r.code, r.stdout, r.stderr
end

T.test("LAKEBASE_MAX_REQUESTS caps transfers in flight; the rest wait their turn and all finish", function()
  local t0 = lb.now()
  local code, out, err = child("3", [[
    local fns = {}
    for i = 1, 10 do fns[i] = function()
      local status, _, body = lakebase.http.request { url = BASE .. "/slow?g=capped&s=0.2&i=" .. i }
      return status .. body
    end end
    local res = { lakebase.all(fns) }
    print(#res, table.concat(res, ","):gsub("200slept", "ok"))
  ]])
  T.eq(code, 0, "exit code (stderr: " .. err .. ")")
  T.eq(out, "10\t" .. ("ok,"):rep(9) .. "ok\t10\n", "every request answered")
  T.eq(busiest.capped, 3, "most requests the server answered at once")
  -- Four waves of 0.2 s: queued requests really waited for a slot.
  T.between(lb.now() - t0, 0.8, 5, "seconds for 10 requests 3 at a time")
end)

T.test("a queued request's timeout runs from the call, even while every slot stays busy", function()
  local code, out, err = child("1", [[
    local slow = lakebase.spawn(function() return lakebase.http.request { url = BASE .. "/slow?s=2" } end)
    lakebase.sleep(0.05)  -- the slow request takes the only slot
    local t0 = lakebase.now()
    local ok, e = pcall(lakebase.http.request, { url = BASE .. "/echo", timeout = 0.3 })
    print(ok, e.kind, string.format("%.1f", lakebase.now() - t0), e.message)
    -- A cancelled queued request is never sent; the slow one still finishes.
    local queued = lakebase.spawn(function() return lakebase.http.request { url = BASE .. "/echo?never=1" } end)
    lakebase.sleep(0.05)
    queued:cancel()
    print((slow:join()))
    lakebase.sleep(0.3)  -- time enough for the queued request to go out, were it still queued
  ]])
  T.eq(code, 0, "exit code (stderr: " .. err .. ")")
  local ok, kind, secs, msg, slow = out:match("^(%S+)\t(%S+)\t(%S+)\t([^\n]*)\n(%S+)\n$")
  T.eq(ok, "false", "the queued request failed: " .. out)
  T.eq(kind, "network", "error kind")
  T.between(tonumber(secs), 0.3, 1.0, "seconds until the queued request timed out")
  T.ok(msg:find("waiting for a free request slot", 1, true), "message says why: " .. msg)
  T.eq(slow, "200", "the request holding the slot finished")
  T.ok(never_sent, "the cancelled queued request never reached the server")
end)

T.test("a bad LAKEBASE_MAX_REQUESTS is named on the first request", function()
  for _, bad in ipairs { "0", "ten", "10001", "5x" } do
    local code, _, err = child(bad, [[lakebase.http.request { url = BASE .. "/echo" }]])
    T.ok(code ~= 0, "exit code for " .. bad)
    T.ok(err:find("LAKEBASE_MAX_REQUESTS is '" .. bad .. "': expected a whole number from 1 to 10000", 1, true),
      "message for " .. bad .. ": " .. err)
  end
end)

T.test("credentials never go in clear text to a host that is not loopback, however it is spelled", function()
  local before = requests
  local auth = { Authorization = "Bearer clear-text-token-0123" }
  -- Names glibc cannot even ask about (a label over 63 characters), and addresses of this
  -- machine: were the check broken, nothing would leave it.
  local nowhere = string.rep("x", 70) .. ".invalid"
  for _, url in ipairs { "http://" .. nowhere .. "/", "http://127.0.0.1." .. nowhere .. "/",
    "http://127.0.0.1@" .. nowhere .. "/", "http://u:p@" .. nowhere .. ":80/", "http://localhost." .. nowhere .. "/",
    "http://0.0.0.0:" .. server.port .. "/echo", "http://[::ffff:7f00:1]:" .. server.port .. "/",
    "http://0x7f000001:" .. server.port .. "/", "http://127.1:" .. server.port .. "/" } do
    local err = T.raises(function() lb.http.request { url = url, headers = auth } end, nil, url)
    T.eq(err.reason, "insecure", "reason for " .. url)
    T.eq(err.retryable, false, "retryable for " .. url)
  end
  require("lakebase.base.redact").register("refresh-token-in-a-body-0123")
  local err = T.raises(function()
    lb.http.request { method = "POST", url = "http://" .. nowhere .. "/token", body = "refresh_token=refresh-token-in-a-body-0123" }
  end)
  T.eq(err.reason, "insecure", "a known secret in the body is a credential too")
  T.eq(requests, before, "nothing reached the server")
  for _, host in ipairs { "127.0.0.1", "localhost", "127.9.9.9" } do
    local ok, status = pcall(lb.http.request, { url = "http://" .. host .. ":" .. server.port .. "/echo", headers = auth })
    T.ok(ok and status == 201 or (not ok and status.reason ~= "insecure"), host .. " is loopback: " .. tostring(status))
  end
  local status = lb.http.request { url = "http://0.0.0.0:" .. server.port .. "/echo" }
  T.eq(status, 201, "without credentials, plain http:// is anyone's choice")
end)

T.test("max_body caps an answer exactly, and is checked", function()
  local body = string.rep("x", 1000)
  T.eq(select(3, lb.http.request { method = "POST", url = base .. "/echo", body = body, max_body = 1000 }), body, "1000 of 1000")
  local err = T.raises(function() lb.http.request { method = "POST", url = base .. "/echo", body = body, max_body = 999 } end)
  T.eq(err.reason, "too_large", "reason") T.eq(err.limit, 999, "limit") T.eq(err.retryable, false, "retryable")
  T.ok(err.message:find("larger than 999 bytes", 1, true), err.message)
  for _, bad in ipairs { 0, -1, 0 / 0, "10" } do
    T.raises(function() lb.http.request { url = base .. "/echo", max_body = bad } end,
      "field 'max_body' must be a number of bytes, 1 or more", tostring(bad))
  end
end)

T.run()
server:close()
