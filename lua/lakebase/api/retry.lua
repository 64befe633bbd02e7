--- Retry and polling schedules. Requests that fail with 429, 503 or a transient transport error
-- are retried with capped exponential backoff and jitter (honouring Retry-After) inside an overall
-- deadline, as the Databricks SDKs do. Operation polls are spaced in proportion to how long the
-- operation has run, so a short operation is seen finishing soon after it does and a long one
-- costs few polls.
local M = {}

M.BASE, M.CAP = 0.5, 10

--- Parses a retry deadline: a duration such as "30s", "5m", "1h30m" or a number of seconds (0:
-- no retries). Returns seconds, or nil and a message naming `what` and the value.
function M.parse_timeout(text, what)
  local secs = text and require("lakebase.api.validate").human_duration(text)
  if not secs then
    return nil, string.format("%s is '%s': expected a duration such as 30s, 5m or 1h30m (0s: no retries)", what, tostring(text))
  end
  return secs
end

--- How long a client keeps retrying one call when not told otherwise (lakebase.client's
-- retry_timeout): --retry-timeout, else LAKEBASE_RETRY_TIMEOUT, else 300 s. A malformed variable
-- sets `timeout_problem`, which the command line refuses to start with.
M.DEFAULT_TIMEOUT = 300
M.timeout = M.DEFAULT_TIMEOUT
do
  local text = os.getenv("LAKEBASE_RETRY_TIMEOUT")
  if text and text ~= "" then
    local secs, why = M.parse_timeout(text, "LAKEBASE_RETRY_TIMEOUT")
    M.timeout, M.timeout_problem = secs or M.DEFAULT_TIMEOUT, why
  end
end

local function jitter(x, spread)
  spread = spread or 0.2
  return x * (1 - spread + 2 * spread * math.random())
end

--- Seconds to wait before retry number `attempt` (1-based); `retry_after` (seconds) wins when given.
function M.backoff(attempt, retry_after)
  if retry_after and retry_after >= 0 then return math.min(retry_after, 60) end
  return jitter(math.min(M.CAP, M.BASE * 2 ^ (attempt - 1)))
end

--- Parses a Retry-After header (delay-seconds form); nil when absent or not a number.
function M.retry_after(value)
  local n = value and tonumber(value:match("^%s*(%d+%.?%d*)%s*$"))
  return n
end

--- Seconds to wait before the next poll of an operation that has been running `elapsed` seconds.
-- Each wait is 15 % of the time so far (at least 0.15 s, at most 10 s, jitter +-10 %): an
-- operation is seen done at most ~17 % (or 0.17 s) after it finished; a 1 s one costs about 8
-- polls, a 60 s one about 35, a 20 minute one about 140. (Measured on 100 concurrent 1 s
-- operations: 30 % from 0.1 s cost 10 polls and saw them done up to 0.4 s late; 20 % from 0.2 s
-- cost 7.5 and finished at 1.28 s, outside the 1.25x target.)
function M.poll_interval(elapsed)
  return jitter(math.max(0.15, math.min(M.CAP, elapsed * 0.15)), 0.1)
end

return M
