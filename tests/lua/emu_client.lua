--- Test helper: a tiny raw client for an emulator (HTTP + JSON, no lakebase client module), so that
-- emulator tests check the wire format itself.
local M = {}
M.__index = M

function M.new(url, token)
  return setmetatable({ url = url, token = token }, M)
end

--- Starts `EXE emulator --token TOKEN ARGS...` as a child process (stopped by SIGTERM should the
-- test runner die) and waits until it listens. Returns the process and a client for it.
function M.spawn(exe, token, args)
  local argv = { exe, "emulator", "--token", token, table.unpack(args) }
  argv.stdout, argv.stderr, argv.pdeathsig = "pipe", "inherit", "TERM"
  local proc = lakebase.process.spawn(argv)
  local line = lakebase.timeout(60, function() return proc:read_line() end)
  local url = line and line:match("listening on (%S+)")
  assert(url, "the emulator did not start: " .. tostring(line))
  return proc, M.new(url, token)
end

--- call(method, path, body_table_or_nil, query_string_or_nil) -> status, decoded body, headers
function M:call(method, path, body, headers)
  local h = { Authorization = "Bearer " .. self.token, ["Content-Type"] = "application/json" }
  for k, v in pairs(headers or {}) do h[k] = v end
  local status, rh, text = lakebase.http.request { method = method, url = self.url .. path, headers = h,
    body = body and (type(body) == "string" and body or lakebase.json.encode(body)) or nil, timeout = 30 }
  local decoded = lakebase.json.decode(text)
  return status, decoded, rh, text
end

--- Polls an operation until done; returns the final operation.
function M:wait(op, timeout)
  local deadline = lakebase.now() + (timeout or 60)
  while not op.done do
    if lakebase.now() > deadline then error("operation " .. op.name .. " did not finish", 2) end
    lakebase.sleep(0.05)
    local status, body = self:call("GET", "/api/2.0/postgres/" .. op.name)
    assert(status == 200, "GET operation: HTTP " .. status)
    op = body
  end
  return op
end

--- POST/PATCH/DELETE that returns an operation, waited for; returns the final operation.
-- A failed operation raises, unless `allow_error` (then it is returned for inspection).
function M:run(method, path, body, allow_error)
  local status, op = self:call(method, path, body)
  if status ~= 200 then error(method .. " " .. path .. ": HTTP " .. status .. " " .. lakebase.json.encode(op), 2) end
  op = self:wait(op)
  if op.error and not allow_error then error(method .. " " .. path .. ": the operation failed: " .. lakebase.json.encode(op.error), 2) end
  return op
end

--- Checks over the wire for tests (`T` is testlib): get(path) asserts 200 and returns the body;
-- ok(method, path, body) runs a mutation to its end and returns the response;
-- refused(method, path, body, status, error_code, message_pattern, what) asserts an error answer.
-- Paths are relative to /api/2.0/postgres/.
function M:helpers(T)
  local P = "/api/2.0/postgres/"
  local function get(path)
    local status, body = self:call("GET", P .. path)
    assert(status == 200, "GET " .. path .. ": HTTP " .. status .. " " .. lakebase.json.encode(body))
    return body
  end
  local function ok(method, path, body) return self:run(method, P .. path, body).response end
  local function refused(method, path, body, status, code, pattern, what)
    local s, b = self:call(method, P .. path, body)
    T.eq(s, status, what .. ": status (" .. lakebase.json.encode(b) .. ")")
    T.eq(b.error_code, code, what .. ": error_code")
    if pattern then T.ok(b.message:find(pattern), what .. ": message \"" .. b.message .. "\" should match " .. pattern) end
    return b
  end
  return get, ok, refused
end

return M
