-- The README's headline workflow, run as a user runs it: `lakebase run
-- scripts/examples/branch_workflow.lua PROJECT` (a separate lakebase process with the same
-- target): branch, size the compute, migrate with psql, verify with SQL, delete the branch.
local harness = require "harness"

return {
  description = "the headline example (scripts/examples/branch_workflow.lua) on the run's project",
  creates = { "branch ci-TIME-RAND (ttl 1h, made and deleted by the example)" },
  run = function(t)
    if not harness.have("psql") then t:skip("psql is not installed here (the example migrates with it)") end
    local r = t:lakebase_cmd({ "run", t.root .. "/scripts/examples/branch_workflow.lua", t.project_id }, { timeout = 900 })
    t:eq(r.code, 0, "the example's exit status (stderr: " .. r.stderr .. ")")
    local branch = r.stdout:match("branched (projects/%S+) from ")
    t:check(branch ~= nil and branch:find(t.project.name .. "/branches/ci-", 1, true) == 1,
      "the example branched inside the run's project (printed: " .. r.stdout .. ")")
    t:track("branch", branch)
    t:check(r.stdout:find("migrated and verified on the branch: 1000 rows", 1, true) ~= nil,
      "the example migrated and verified 1000 rows")
    t:check(r.stderr:find("deleted " .. branch, 1, true) ~= nil, "the example says it deleted its branch")
    for b in t.project:branches() do
      t:check(b.name ~= branch, "the example's branch is gone from the listing")
    end
  end,
}
