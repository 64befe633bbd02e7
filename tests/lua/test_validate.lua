-- The API's validation rules (lakebase/api/validate.lua), shared by the client and the emulator:
-- RFC 3339 timestamps and their round trip through format_time, and durations.
local T = require "testlib"
local v = require "lakebase.api.validate"

T.test("timestamps: zones, fractions and leap seconds give seconds since the epoch", function()
  T.eq(v.timestamp("1970-01-01T00:00:00Z"), 0, "the epoch")
  T.eq(v.timestamp("2026-01-02T03:04:05Z"), 1767323045, "Z")
  T.eq(v.timestamp("2026-01-02T05:04:05+02:00"), 1767323045, "+02:00")
  T.eq(v.timestamp("2026-01-02T03:04:05.250Z"), 1767323045.25, "fraction")
  T.eq(v.timestamp("2016-12-31T23:59:60Z"), 1483228800, "leap second")
  T.eq(v.timestamp("2024-02-29T00:00:00Z"), 1709164800, "29 February of a leap year")
  T.eq(v.timestamp("9999-12-31T23:59:59Z"), 253402300799, "the last second four year digits can show")
  T.eq(v.timestamp("0000-01-01T00:00:00Z"), -62167219200, "the first")
end)

T.test("timestamps that are not RFC 3339, or not real dates, are refused with the reason", function()
  local cases = {
    ["2026-01-02T03:04:05"] = "needs a time zone",
    ["2026-01-02"] = "must be an RFC 3339 timestamp",
    ["2023-02-29T00:00:00Z"] = "is not a valid date and time",
    ["2026-01-02T24:00:00Z"] = "is not a valid date and time",
    -- Found by fuzzing: digits after the seconds without a dot were added as more seconds.
    ["9999-12-31T23:59:5959Z"] = "is not a valid date and time",
    ["2026-01-02T03:04:05.Z"] = "is not a valid date and time",
    -- A zone offset or leap second past the years four digits can show would not round-trip.
    ["9999-12-31T23:59:60Z"] = "is outside the years 0000 to 9999",
    ["9999-12-31T23:00:00-02:00"] = "is outside the years 0000 to 9999",
    ["0000-01-01T00:30:00+01:00"] = "is outside the years 0000 to 9999",
  }
  for text, reason in pairs(cases) do
    local t, why = v.timestamp(text)
    T.eq(t, nil, text)
    T.ok(why:find(reason, 1, true) and why:find(text, 1, true), text .. ": " .. tostring(why))
  end
  T.eq(select(2, v.timestamp(42)), "must be an RFC 3339 timestamp string", "not a string")
end)

T.test("format_time gives back what timestamp reads, years before 1000 padded", function()
  for _, text in ipairs { "0001-02-03T04:05:06Z", "0999-12-31T23:59:59Z", "2026-11-25T15:00:00Z", "9999-12-31T23:59:59Z" } do
    T.eq(v.format_time(v.timestamp(text)), text, text)
  end
end)

T.test("durations: API seconds and the forms people type", function()
  T.eq(v.duration("300s"), 300, "300s")
  T.eq(v.duration("0.5s"), 0.5, "0.5s")
  T.eq(v.duration("5m"), nil, "the API takes seconds only")
  T.eq(v.human_duration("1h30m"), 5400, "1h30m")
  T.eq(v.human_duration("250ms"), 0.25, "250ms")
  T.eq(v.human_duration("7d"), 604800, "7d")
  T.eq(v.human_duration("90"), 90, "plain seconds")
  T.eq(v.human_duration("9999999999999999d"), nil, "huge: refused (never wrapped negative), as Go refuses it")
  T.eq(v.human_duration("2562047h"), 2562047 * 3600, "Go's largest whole hours")
  T.eq(v.human_duration("2562048h"), nil, "one hour more")
  T.eq(v.human_duration("1x"), nil, "unknown unit")
  T.eq(v.human_duration(""), nil, "empty")
end)

T.run()
