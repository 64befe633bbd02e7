--- Where to connect to an endpoint, as recipe outputs (and optionally an env file in $GITHUB_ENV's
-- format): db_host, db_host_pooled, db_port, db_user, db_name, db_url, db_url_pooled, password,
-- password_expire_time. The password is an OAuth token minted for this run: it expires an hour
-- after it was minted (password_expire_time), and db_url and db_url_pooled, which hold it, with
-- it. The password and both URIs are secret outputs: masked under GitHub Actions, never printed.
local connection_uri = require "lakebase.api.connection_uri"
local gh_file = require "lakebase.recipe.gh_file"

local M = {}

function M.give(ctx, ep, database, env_file)
  local env = ep:pg_env { database = database }
  local cred = ctx.client:database_credential(ep)
  ctx.mask(env.PGPASSWORD)
  local encoded = connection_uri.encode(env.PGPASSWORD)
  if encoded ~= env.PGPASSWORD then ctx.mask(encoded) end  -- as it appears inside the URIs
  local url, host = ep:connection_uri { database = database }
  local url_pooled, host_pooled = ep:connection_uri { database = database, pooled = true }
  ctx.output("db_host", host)
  ctx.output("db_host_pooled", host_pooled)
  ctx.output("db_port", env.PGPORT)
  ctx.output("db_user", env.PGUSER)
  ctx.output("db_name", env.PGDATABASE)
  ctx.output("password", env.PGPASSWORD, { secret = true })
  ctx.output("password_expire_time", cred.expire_time or "")
  ctx.output("db_url", url, { secret = true })
  ctx.output("db_url_pooled", url_pooled, { secret = true })
  if env_file then
    local entries = {}
    for _, k in ipairs { "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE" } do
      entries[#entries + 1] = { k, env[k] }
    end
    entries[#entries + 1] = { "DATABASE_URL", url }
    gh_file.append_entries(env_file, entries)
    ctx.print("connection variables, password included, appended to " .. env_file)
  end
end

return M
