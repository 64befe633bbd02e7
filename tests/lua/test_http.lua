-- The HTTP primitive against a real loopback server (lakebase.httpd on a free port): concurrency,
-- request/response shapes, connection reuse, transport errors and argument checks.
local T = require "testlib"
local lb = lakebase

local conns = {}     -- server-side connections seen
local requests = 0
local server = lb.httpd.serve { handler = function(req)
  requests = requests + 1
  conns[req.conn] = true
  if req.path == "/slow" then
    lb.sleep(tonumber(req.query.s or "0.5"))
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

T.run()
server:close()
