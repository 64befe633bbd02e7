-- A branch with a ttl: its expiry shows in status; updating the ttl moves it; protection is
-- set and cleared with an update, and a protected branch cannot be deleted.
local function epoch(ts)
  local y, mo, d, h, mi, s = tostring(ts):match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)")
  if not y then return nil end
  -- days from civil (UTC), so that no time zone is involved
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * (mo + (mo > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return (era * 146097 + doe - 719468) * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s)
end

return {
  description = "branch with a ttl; update its expiration and its protection",
  creates = { "branch $ttl (ttl 1h)" },
  run = function(t)
    local b = t:create_branch("ttl", { ttl = "3600s" })
    t:eq(b.status.branch_id, t:id("ttl"), "status.branch_id")
    t:check(b.status.source_branch ~= nil, "a branch made from the default branch names its source_branch")
    t:check(type(b.status.source_branch_lsn) == "string" and type(b.status.source_branch_time) == "string",
      "a forked branch carries source_branch_lsn and source_branch_time")
    local now = os.time()
    local expires = epoch(b.status.expire_time)
    t:check(expires ~= nil, "a branch with a ttl has status.expire_time (got " .. tostring(b.status.expire_time) .. ")")
    t:check(math.abs(expires - (now + 3600)) < 300, "expire_time is about an hour ahead (" .. b.status.expire_time .. ")")

    b = b:update { ttl = "7200s" }:wait()
    local later = epoch(b.status.expire_time)
    t:check(later and math.abs(later - (os.time() + 7200)) < 300,
      "after the ttl update expire_time is about two hours ahead (" .. tostring(b.status.expire_time) .. ")")
    b = b:refresh()
    t:check(epoch(b.status.expire_time) == later, "a GET shows the new expire_time")

    b = b:update { is_protected = true }:wait()
    t:eq(b.status.is_protected, true, "status.is_protected after protecting")
    t:expect_error("deleting a protected branch", { status = 400 }, function() b:delete():wait() end)
    b = b:update { is_protected = false }:wait()
    t:eq(b:refresh().status.is_protected, false, "status.is_protected after unprotecting")

    b = b:update { no_expiry = true }:wait()
    t:eq(b.status.expire_time, nil, "expire_time once no_expiry is set")
    b:delete():wait()
  end,
}
