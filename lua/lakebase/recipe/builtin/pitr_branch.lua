-- pitr-branch: a branch as the source was at a past moment (point-in-time restore), to inspect
-- or recover data.
local validate = require "lakebase.api.validate"

return {
  name = "pitr-branch",
  version = "1.0.0",
  description = "Branch from a past moment of a branch (point-in-time restore)",
  params = {
    { name = "project", type = "string", required = true, help = "the project ID" },
    { name = "branch", type = "string", required = true, help = "the new branch's ID" },
    { name = "ago", type = "duration", help = "how far back (e.g. 15m, 2h); or give --at" },
    { name = "at", type = "string", help = "the moment, RFC 3339 (e.g. 2026-11-25T09:00:00Z)" },
    { name = "source", type = "string", help = "branch to restore from (full name; default: the default branch)" },
    { name = "ttl", type = "duration", default = "1d", min = "1s", max = "30d", help = "expiry of the new branch" },
  },
  run = function(ctx, p)
    if (p.ago == nil) == (p.at == nil) then error("give exactly one of --ago and --at", 0) end
    local when = p.at
    if when then
      local ok, why = validate.timestamp(when)
      if not ok then error("--at " .. why, 0) end
    else
      when = validate.format_time(os.time() - p.ago)
    end
    local project = ctx.client:get_project(p.project)
    local branch = project:create_branch(p.branch, { source_branch = p.source, source_branch_time = when,
      ttl = string.format("%ds", p.ttl) }):wait()
    ctx.print(string.format("created %s from %s as of %s", branch.name,
      tostring((branch.status or {}).source_branch or p.source or "the default branch"), when))
    return branch
  end,
}
