--- Seeded fault injection: each kind of fault happens with its configured probability, drawn
-- from a xorshift generator of the emulator's own, so a seed replays the same sequence.
local M = {}

local KINDS = { ["429"] = true, ["503"] = true, drop = true, slow = true, malformed = true, operror = true, lag = true }

--- Parses "429=0.2,503=0.1,drop=0.05" into a table of rates; raises with a clear message.
function M.parse(spec)
  local rates = {}
  for item in (spec or ""):gmatch("[^,]+") do
    local k, v = item:match("^%s*([%w]+)%s*=%s*([%d.]+)%s*$")
    if not k then error("bad fault '" .. item .. "': expected KIND=RATE, such as 429=0.1", 0) end
    if not KINDS[k] then error("unknown fault kind '" .. k .. "': expected 429, 503, drop, slow, malformed, operror or lag", 0) end
    local rate = tonumber(v)
    if not rate or rate < 0 or rate > 1 then error("fault rate for " .. k .. " must be between 0 and 1, got " .. v, 0) end
    rates[k] = rate
  end
  return rates
end

--- A new injector; `roll(kind)` says whether that fault happens now.
function M.new(rates, seed)
  local state = (seed or 1) ~ 0x2545F4914F6CDD1D
  if state == 0 then state = 1 end
  local function next_float()
    state = state ~ (state << 13)
    state = state ~ (state >> 7)
    state = state ~ (state << 17)
    return ((state >> 11) & 0xFFFFFFFFFFFFF) / 0x10000000000000
  end
  local injector = { rates = rates, counts = {} }
  function injector.roll(kind)
    local rate = rates[kind]
    if not rate or rate <= 0 then return false end
    if next_float() < rate then
      injector.counts[kind] = (injector.counts[kind] or 0) + 1
      return true
    end
    return false
  end
  return injector
end

return M
