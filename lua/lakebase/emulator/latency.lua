--- How long the emulator's long-running operations take (--op-latency): a fixed number of seconds
-- ("1.5") or a spread ("1-3": each operation draws uniformly between 1 and 3 s), so that a poll
-- schedule can be measured on varied durations.
local M = {}

local NUMBER = "^%s*(%d*%.?%d+)%s*$"

--- Parses a latency given as text or a number. Returns {low, high} (equal for a fixed latency), or
-- nil and a message naming the value and what is expected.
function M.parse(value)
  if type(value) == "number" then
    if value >= 0 and value < math.huge then return { value, value } end
  elseif type(value) == "string" then
    local lo, hi = value:match("^%s*([^%-]+)%-([^%-]+)%s*$")
    lo, hi = tonumber((lo or value):match(NUMBER) or ""), hi and tonumber(hi:match(NUMBER) or "")
    if lo and (hi or not value:find("-", 1, true)) then
      hi = hi or lo
      if hi < lo then
        return nil, string.format("'%s' is a spread from high to low: give it as LOW-HIGH, e.g. %g-%g", value, hi, lo)
      end
      return { lo, hi }
    end
  end
  return nil, string.format("'%s' is not a latency: expected seconds >= 0 (e.g. 1.5) or a spread LOW-HIGH " ..
    "(e.g. 1-3: uniform between 1 and 3 s)", tostring(value))
end

--- Seconds the next operation takes under `value` (as parse takes it); `uniform()` gives a number
-- in [0, 1). Raises on a value parse refuses.
function M.draw(value, uniform)
  if value == nil then return 0 end
  local range, err = M.parse(value)
  if not range then error(err, 0) end
  if range[2] == range[1] then return range[1] end
  return range[1] + (range[2] - range[1]) * uniform()
end

return M
