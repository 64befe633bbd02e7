-- credentials: a fresh database credential for an endpoint, as PG* variables. The password goes
-- only into --env-file (mode 0600); the output shows everything else and when it expires.
return {
  name = "credentials",
  version = "1.0.0",
  description = "Mint a database credential for an endpoint and write PG* variables for tools",
  params = {
    { name = "endpoint", type = "string", required = true, help = "projects/P/branches/B/endpoints/E" },
    { name = "env_file", type = "string", help = "write the variables, password included, to this file (mode 0600)" },
    { name = "database", type = "string", default = "databricks_postgres", help = "the database to connect to" },
  },
  run = function(ctx, p)
    local client = ctx.client
    local ep = client:get(p.endpoint, "endpoint")
    client:forget_database_credential(ep)  -- rotate: always a new one
    local env = ep:pg_env { database = p.database }
    for _, k in ipairs { "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSSLMODE" } do ctx.print(k .. "=" .. env[k]) end
    ctx.print("expires " .. client:database_credential(ep).expire_time)
    if p.env_file then
      require("lakebase.recipe").write_env_file(p.env_file, env)
      ctx.print("written to " .. p.env_file)
    end
  end,
}
