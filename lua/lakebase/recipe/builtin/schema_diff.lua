-- schema-diff: what a branch changed in the schema, against its parent (or another branch):
-- schema-only dumps (pg_dump --schema-only) of every database of both branches, or of one, a
-- unified diff on stdout and in --diff-file, and a Markdown summary for a pull-request comment.
-- Outputs: has_changes, diff_file, summary_file, databases. --fail-on-diff exits 4 when the
-- schemas differ.
local dump = require "lakebase.recipe.schema_dump"
local summary = require "lakebase.recipe.schema_summary"

local FAIL_ON_DIFF_EXIT = 4

local function full_name(project, b)
  return b:find("/", 1, true) and b or (project.name .. "/branches/" .. b)
end

-- Database names of a branch: databricks_postgres (always there) and its Database resources.
local function databases_of(client, branch, into, seen)
  for _, name in ipairs { "databricks_postgres" } do
    if not seen[name] then seen[name] = true into[#into + 1] = name end
  end
  for d in client:list(branch, "database") do
    local name = type(d.status) == "table" and d.status.postgres_database
    if name and not seen[name] then seen[name] = true into[#into + 1] = name end
  end
end

local write = require("lakebase.recipe").write_file  -- a full disk is an error, not exit 0

return {
  name = "schema-diff",
  version = "1.0.0",
  description = "Diff the schema of a branch against its parent (pg_dump --schema-only), with a Markdown summary",
  params = {
    { name = "project", type = "string", required = true, help = "the project ID (default: the default project)" },
    { name = "branch", type = "string", help = "the branch: ID or full name (or give --pr)" },
    { name = "pr", type = "number", integer = true, min = 1, help = "the pull request whose branch (pr-N) to diff" },
    { name = "base", type = "string", help = "the branch to compare with: ID or full name (default: the branch's parent)" },
    { name = "database", type = "string", help = "one database (default: every database of either branch)" },
    { name = "diff_file", type = "string", default = "schema.diff", help = "where to write the unified diff" },
    { name = "summary_file", type = "string", default = "schema-diff.md", help = "where to write the Markdown summary" },
    { name = "fail_on_diff", type = "boolean", default = false, help = "exit 4 when the schemas differ" },
    { name = "pg_dump", type = "string", help = "the pg_dump program (default: the newest /usr/lib/postgresql/N/bin/pg_dump, else PATH's)" },
  },
  outputs = {
    { name = "has_changes", help = "true when the schemas differ" },
    { name = "diff_file", help = "the file holding the unified diff" },
    { name = "summary_file", help = "the Markdown summary, for a pull-request comment" },
    { name = "databases", help = "the databases compared, comma-separated" },
  },
  run = function(ctx, p)
    if (p.branch == nil) == (p.pr == nil) then error("give exactly one of --branch and --pr", 0) end
    local client, lb = ctx.client, ctx.lakebase
    local project = client:get_project(p.project)
    local branch = client:get(full_name(project, p.branch or ("pr-" .. p.pr)), "branch")
    local base_name = p.base and full_name(project, p.base) or (type(branch.status) == "table" and branch.status.source_branch)
    if not base_name then error(branch.name .. " has no parent branch: give --base", 0) end
    local base = client:get(base_name, "branch")
    local pg_dump = dump.pg_dump_path(p.pg_dump)

    local names, seen = {}, {}
    if p.database then names[1] = p.database
    else
      databases_of(client, base.name, names, seen)
      databases_of(client, branch.name, names, seen)
    end
    local ep_branch, ep_base
    lb.all { function() ep_branch = branch:primary_endpoint() end, function() ep_base = base:primary_endpoint() end }

    local results, all = {}, {}
    for i, db in ipairs(names) do
      local a, b, why_a, why_b
      lb.all { function() a, why_a = dump.dump(lb, ep_base, db, pg_dump) end,
               function() b, why_b = dump.dump(lb, ep_branch, db, pg_dump) end }
      if not a and not b then error("database " .. db .. " exists on neither branch", 0) end
      local diff = dump.diff(lb, a or "", b or "", base.name .. "/" .. db, branch.name .. "/" .. db)
      local added, removed = dump.count(diff)
      results[i] = { database = db, diff = diff, added = added, removed = removed,
        missing = (why_a and "base") or (why_b and "branch") or nil }
      all[#all + 1] = diff
    end
    local diff = table.concat(all)
    if ctx.output_format ~= "json" then  -- with -o json stdout is the JSON object only
      io.stdout:write(diff)
      io.stdout:flush()
    end
    write(p.diff_file, diff)
    write(p.summary_file, summary.markdown(branch.name, base.name, results, p.diff_file))
    local changed = diff ~= ""
    ctx.output("has_changes", changed)
    ctx.output("diff_file", p.diff_file)
    ctx.output("summary_file", p.summary_file)
    ctx.output("databases", table.concat(names, ","))
    if changed and p.fail_on_diff then
      io.stderr:write("schema-diff: the schemas differ (--fail-on-diff): exit ", FAIL_ON_DIFF_EXIT, "\n")
      ctx.exit_status = FAIL_ON_DIFF_EXIT
    end
    return changed
  end,
}
