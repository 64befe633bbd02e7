-- Conformance to behaviour recorded against the real service: every scenario of
-- tests/conformance/*.json (requests the Databricks CLI and Terraform sent to a live workspace, in
-- order, with what the recordings show of the answers) is replayed against a fresh emulator with
-- simulated computes, and each answer is checked against the recording.
local T = require "testlib"
local replay = require "replay"
local emulator = require "lakebase.emulator"

local dir = arg[0]:match("^(.*)/lua/[^/]*$") .. "/conformance"

for _, file in ipairs(replay.load(dir)) do
  for _, sc in ipairs(file.scenarios) do
    T.test(file.file .. ": " .. sc.name, function()
      local emu = emulator.start { postgres = false, token = "conformance-pat-0123456789", op_latency = 0.01 }
      local ok, diffs = pcall(replay.replay, emu, sc)
      emu:stop()
      if not ok then error(diffs, 0) end
      if #diffs > 0 then error("differs from the recording (" .. table.concat(sc.source, ", ") .. "):\n  " ..
        table.concat(diffs, "\n  "), 0) end
    end)
  end
end

T.test("the matcher itself: placeholders, absent fields, exact key sets", function()
  local function diffs(actual, expected)
    local d = {}
    replay.match(actual, expected, "x", d)
    return #d
  end
  T.eq(diffs("role not found; role_id:\"a\" [TraceId: 0af7651916cd43dd8448eb211c80319c]",
    "role not found; role_id:\"a\" [TraceId: [TRACE_ID]]"), 0, "a hex trace id")
  T.eq(diffs("role not found; role_id:\"a\" [TraceId: 6b0c35c8-0003-416e]",
    "role not found; role_id:\"a\" [TraceId: [TRACE_ID]]"), 1, "a trace id with hyphens is not the service's")
  T.eq(diffs({ a = 1 }, { a = 1, b = "[ABSENT]" }), 0, "absent")
  T.eq(diffs({ a = 1, b = 2 }, { b = "[ABSENT]" }), 1, "present where absent was expected")
  T.eq(diffs({ a = 1, b = 2 }, { ["$keys"] = { "a" } }), 1, "a key beyond the set")
  T.eq(diffs({ a = 1 }, { ["$keys"] = { "a", "b" } }), 1, "a key of the set missing")
  T.eq(diffs(8796093022208, "[NUMID]"), 0, "a number")
  T.eq(diffs("2026-01-02T03:04:05.123Z", "[TIMESTAMP]"), 0, "a timestamp")
  T.eq(diffs("br-6b0c35c7-0003", "[BRANCH_UID]"), 0, "a branch uid")
  T.eq(diffs("6b0c35c7-0003-47e5-8d64-001ae0f8d381", "[BRANCH_UID]"), 1, "a UUID is not a branch uid")
  T.eq(diffs({ "a", "b" }, { "a" }), 1, "array length")
  T.eq(diffs("0/1A2B", "[LSN]"), 0, "an LSN")
end)

T.run()
