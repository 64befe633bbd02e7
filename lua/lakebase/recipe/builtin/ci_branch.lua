-- ci-branch: one branch per pull request, for CI. `--action create` makes sure branch pr-N exists
-- with its read-write compute: an existing healthy branch is reused (created=false, its expiry
-- pushed ttl ahead), `--reset` (or an unhealthy branch) recreates it from its parent. A deleted
-- branch's ID stays reserved until it is purged, so the old branch is purged, not soft-deleted,
-- before its ID is used again. Outputs (see README "Branch per pull request in CI"): branch,
-- created, db_host, db_host_pooled, db_port, db_user, db_name, db_url, db_url_pooled, password,
-- password_expire_time. `--action delete` soft-deletes the pull request's branch when it closes.
local ci = require "lakebase.recipe.pr_branch"

return {
  name = "ci-branch",
  version = "2.0.0",
  description = "Create, reuse or reset the branch of a pull request (pr-N) with a compute, with CI outputs; or delete it",
  params = {
    { name = "project", type = "string", required = true, help = "the project ID (default: the default project)" },
    { name = "pr", type = "number", integer = true, required = true, min = 1, help = "the pull request number" },
    { name = "action", type = "enum", values = { "create", "delete" }, default = "create", help = "what to do" },
    { name = "reset", type = "boolean", default = false, help = "recreate an existing branch from its parent (fresh data)" },
    { name = "branch", type = "string", help = "the branch ID (default pr-N)" },
    { name = "ttl", type = "duration", default = "3d", min = "1s", max = "30d", help = "expiry of the branch, from now (a safety net)" },
    { name = "source", type = "string", help = "branch to copy (full name; default: the project's default branch)" },
    { name = "database", type = "string", default = "databricks_postgres", help = "the database of db_url and PGDATABASE" },
    { name = "compute", type = "boolean", default = true, help = "wait for the branch's read-write compute and give where to connect" },
    { name = "env_file", type = "string", help = "append PG* variables and DATABASE_URL, password included, to this file ($GITHUB_ENV's format; mode 0600 when created)" },
  },
  outputs = {
    { name = "branch", help = "the branch's full name, projects/P/branches/pr-N" },
    { name = "created", help = "true when this run made the branch (new or reset), false when it reused it" },
    { name = "db_host", help = "the read-write endpoint's host" },
    { name = "db_host_pooled", help = "its pooled (PgBouncer) host" },
    { name = "db_port", help = "its port (5432 on the service)" },
    { name = "db_user", help = "the Postgres user: the identity that ran this" },
    { name = "db_name", help = "the database (--database)" },
    { name = "password", help = "an OAuth token that expires one hour after it was minted", secret = true },
    { name = "password_expire_time", help = "when the password and the URLs holding it expire (RFC 3339)" },
    { name = "db_url", help = "postgresql://user:password@host:port/db?sslmode=require; expires with the password", secret = true },
    { name = "db_url_pooled", help = "the same through the pooled host; expires with the password", secret = true },
    { name = "deleted", help = "--action delete: true when there was a branch to delete" },
  },
  run = function(ctx, p)
    local project = ctx.client:get_project(p.project)
    local id = p.branch or ("pr-" .. p.pr)
    if p.action == "delete" then return ci.delete(ctx, project, id, p.pr) end
    local branch, created = ci.ensure(ctx, project, id, p)
    ctx.print((created and "created " or "reused ") .. branch.name)
    ctx.output("branch", branch.name)
    ctx.output("created", created)
    if not p.compute or ctx.dry_run then return branch end
    local ep = branch:primary_endpoint()  -- the branch's own read-write compute, once it takes connections
    require("lakebase.recipe.connection_outputs").give(ctx, ep, p.database, p.env_file)
    return branch
  end,
}
