-- ci-branch: one branch per pull request, for CI. `--action create` makes branch pr-N-TIME from
-- the default branch (or --source), waits for its read-write compute and prints where to connect,
-- deleting the pull request's previous branch first (a reset: deleted branch IDs stay reserved
-- until purged, so each generation gets a new ID); `--action delete` removes the pull request's
-- branches when it closes.
return {
  name = "ci-branch",
  version = "1.0.0",
  description = "Create (or reset) the branch of a pull request, pr-N-TIME, with a compute; or delete it",
  params = {
    { name = "project", type = "string", required = true, help = "the project ID" },
    { name = "pr", type = "number", integer = true, required = true, min = 1, help = "the pull request number" },
    { name = "action", type = "enum", values = { "create", "delete" }, default = "create", help = "what to do" },
    { name = "ttl", type = "duration", default = "3d", min = "1s", max = "30d", help = "expiry of the branch (a safety net)" },
    { name = "source", type = "string", help = "branch to copy (full name; default: the project's default branch)" },
    { name = "compute", type = "boolean", default = true, help = "wait for the branch's read-write compute and print where to connect" },
    { name = "env_file", type = "string", help = "write PG* variables, password included, to this file (mode 0600)" },
  },
  run = function(ctx, p)
    local n = p.pr  -- a whole number, checked with the other parameters before anything ran
    local client = ctx.client
    local project = client:get_project(p.project)
    local prefix = "pr-" .. n .. "-"
    local old = {}
    for b in project:branches() do
      if (b.branch_id or b.name:match("([^/]+)$")):sub(1, #prefix) == prefix then old[#old + 1] = b end
    end
    local function delete_old(verb)
      local fns = {}
      for i, b in ipairs(old) do fns[i] = function() b:delete():wait() ctx.print(verb .. " " .. b.name) end end
      if #fns > 0 then ctx.lakebase.all(fns) end
    end
    if p.action == "delete" then
      if #old == 0 then ctx.print("no branch of pull request " .. n .. ": nothing to delete") end
      delete_old("deleted")
      return
    end
    delete_old("reset: deleted")
    local spec = { ttl = string.format("%ds", p.ttl), source_branch = p.source }
    local branch = project:create_branch(prefix .. os.time(), spec):wait()
    ctx.print("created " .. branch.name)
    if not p.compute or ctx.dry_run then return branch end
    -- Every branch comes with its read-write compute ("primary"); wait until it takes connections.
    local ep = branch:primary_endpoint()
    local env = ep:pg_env()
    for _, k in ipairs { "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSSLMODE" } do
      ctx.print(k .. "=" .. env[k])
    end
    if p.env_file then
      require("lakebase.recipe").write_env_file(p.env_file, env)
      ctx.print("connection variables, password included, written to " .. p.env_file)
    end
    return branch
  end,
}
