-- prune-branches: delete branches whose ID starts with a prefix and that are older than a given
-- age — never the default branch or a protected one. Deletions run concurrently.
return {
  name = "prune-branches",
  version = "1.0.0",
  description = "Delete stale branches by ID prefix and age (never default or protected ones)",
  params = {
    { name = "project", type = "string", required = true, help = "the project ID" },
    { name = "prefix", type = "string", required = true, help = "only branches whose ID starts with this" },
    { name = "older_than", type = "duration", default = "7d", min = 0, help = "only branches created longer ago" },
  },
  run = function(ctx, p)
    if p.prefix == "" then error("--prefix must not be empty (it would match every branch)", 0) end
    local validate = require "lakebase.api.validate"
    local project = ctx.client:get_project(p.project)
    local now, victims = os.time(), {}
    for b in project:branches() do
      local id = b.branch_id or b.name:match("([^/]+)$")
      local created = validate.timestamp(b.create_time or "")
      local st = b.status or {}
      if id:sub(1, #p.prefix) == p.prefix and created and now - created >= p.older_than
          and not st.default and not st.is_protected then
        victims[#victims + 1] = b
      end
    end
    if #victims == 0 then ctx.print("nothing to prune") return 0 end
    local fns = {}
    for i, b in ipairs(victims) do fns[i] = function() b:delete():wait() ctx.print("deleted " .. b.name) end end
    ctx.lakebase.all(fns)
    return #victims
  end,
}
