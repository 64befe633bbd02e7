-- scale-compute: change a compute's autoscaling range and scale-to-zero timeout.
return {
  name = "scale-compute",
  version = "1.0.0",
  description = "Set a compute's autoscaling limits (CU) and suspend timeout",
  params = {
    { name = "endpoint", type = "string", required = true, help = "projects/P/branches/B/endpoints/E" },
    { name = "min_cu", type = "number", min = 0.5, max = 64, help = "minimum compute units" },
    { name = "max_cu", type = "number", min = 0.5, max = 64, help = "maximum compute units" },
    { name = "suspend", type = "duration", min = "60s", max = "7d", help = "suspend after this much inactivity" },
  },
  run = function(ctx, p)
    local fields = { autoscaling_limit_min_cu = p.min_cu, autoscaling_limit_max_cu = p.max_cu,
      suspend_timeout_duration = p.suspend and string.format("%ds", p.suspend) or nil }
    if next(fields) == nil then error("nothing to change: give --min-cu, --max-cu or --suspend", 0) end
    local ep = ctx.client:get(p.endpoint, "endpoint")
    local updated = ep:update(fields):wait()
    local s = updated.status or updated.spec
    ctx.print(string.format("%s: %s-%s CU, suspends after %s", updated.name, tostring(s.autoscaling_limit_min_cu),
      tostring(s.autoscaling_limit_max_cu), tostring(s.suspend_timeout_duration)))
    return updated
  end,
}
