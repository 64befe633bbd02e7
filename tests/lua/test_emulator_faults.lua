-- Fault injection in the emulator: each kind does what it says on the wire, and a seed replays
-- the same sequence of faults.
local T = require "testlib"
local Client = require "emu_client"
local emulator = require "lakebase.emulator"
local faults = require "lakebase.emulator.faults"
local lb = lakebase
local P = "/api/2.0/postgres/"

local function with_emulator(opts, fn)
  opts.postgres = false
  opts.token = "fault-pat-0123456789"
  local emu = emulator.start(opts)
  local ok, err = pcall(fn, emu, Client.new(emu.url, emu.token))
  emu:stop()
  if not ok then error(err, 0) end
end

T.test("429 storms carry Retry-After and the Databricks error body", function()
  with_emulator({ faults = "429=1", retry_after = 3 }, function(emu, c)
    local status, body, headers = c:call("GET", P .. "projects")
    T.eq(status, 429, "status")
    T.eq(headers["retry-after"], "3", "Retry-After")
    T.eq(body.error_code, "REQUEST_LIMIT_EXCEEDED", "error_code")
    T.eq(emu.engine.requests, 0, "the request was not processed")
  end)
end)

T.test("503s are TEMPORARILY_UNAVAILABLE", function()
  with_emulator({ faults = "503=1" }, function(_, c)
    local status, body = c:call("GET", P .. "projects")
    T.eq(status, 503, "status") T.eq(body.error_code, "TEMPORARILY_UNAVAILABLE", "error_code")
  end)
end)

T.test("a dropped connection loses the answer of a request that was processed", function()
  with_emulator({ faults = "drop=1" }, function(emu, c)
    local err = T.raises(function() c:call("POST", P .. "projects?project_id=dropped", { spec = {} }) end)
    T.eq(err.kind, "network", "the client sees a network error")
    T.ok(emu.engine.store:get("projects/dropped"), "but the project was created")
  end)
end)

T.test("malformed bodies are not JSON", function()
  with_emulator({ faults = "malformed=1" }, function(_, c)
    local status, decoded, _, text = c:call("GET", P .. "projects")
    T.eq(status, 200, "status") T.eq(decoded, nil, "undecodable") T.ok(#text > 0, "some text")
  end)
end)

T.test("slow responses are delayed", function()
  with_emulator({ faults = "slow=1", slow_seconds = 0.3 }, function(_, c)
    local t0 = lb.now()
    c:call("GET", P .. "projects")
    T.between(lb.now() - t0, 0.3, 2, "elapsed")
  end)
end)

T.test("operations that end with an error roll back what they created", function()
  with_emulator({ faults = "operror=1" }, function(_, c)
    local op = c:run("POST", P .. "projects?project_id=doomed", { spec = {} }, true)
    T.ok(op.error and op.error.message:find("injected"), "operation error: " .. lb.json.encode(op.error or {}))
    T.eq(op.response, nil, "no response")
    T.eq((c:call("GET", P .. "projects/doomed")), 404, "the project was rolled back")
  end)
end)

T.test("op latency makes operations take at least that long", function()
  with_emulator({ op_latency = 0.4 }, function(_, c)
    local t0 = lb.now()
    c:run("POST", P .. "projects?project_id=slowop", { spec = {} })
    T.ok(lb.now() - t0 >= 0.4, "waited for the latency")
  end)
end)

T.test("the same seed gives the same faults; rates are validated", function()
  local function sequence(seed)
    local f = faults.new(faults.parse("429=0.3,503=0.2"), seed)
    local out = {}
    for i = 1, 200 do out[i] = (f.roll("429") and "a" or "-") .. (f.roll("503") and "b" or "-") end
    return table.concat(out)
  end
  T.eq(sequence(7), sequence(7), "replayed")
  T.ok(sequence(7) ~= sequence(8), "another seed differs")
  local s = sequence(7)
  local n429 = select(2, s:gsub("a", ""))
  T.between(n429, 30, 90, "429 count for rate 0.3 over 200 rolls")
  T.raises(function() faults.parse("429=2") end, "between 0 and 1")
  T.raises(function() faults.parse("teapot=0.1") end, "unknown fault kind 'teapot'")
  T.raises(function() faults.parse("429") end, "expected KIND=RATE")
end)

T.run()
