--- The replication status of each table under a CDF config, kept in step with the tables of its
-- Postgres schema in the branch's real database: a new table is snapshotted, then streamed (its
-- committed LSN the database's current one); a table that is gone is terminated. No rows go
-- anywhere (there is no Unity Catalog behind the emulator). With simulated computes there are no
-- tables to see, so no statuses.
local json = require "lakebase.base.json"
local validate = require "lakebase.api.validate"
local schema = require "lakebase.api.schema"
local q = require "lakebase.emulator.pgsql"
local records = require "lakebase.emulator.records"

local M = {}

-- The schema's tables (ordinary and partitioned) and the current WAL position, in one query.
local function tables_sql(pg_schema)
  return "SELECT json_build_object('lsn', pg_current_wal_lsn()::text, 'tables', coalesce((SELECT " ..
    "json_agg(c.relname ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " ..
    "WHERE n.nspname = " .. q.literal(pg_schema) .. " AND c.relkind IN ('r', 'p') AND NOT c.relispartition), '[]'))"
end

--- Brings the statuses of CDF config `config` up to date with its schema's tables.
function M.sync(E, config)
  local db = E.store:get(config.parent)
  local branch = db and E.store:get(db.parent)
  if not branch or branch.busy then return end
  local out = E.compute.query(branch, tables_sql(config.spec.postgres_schema), db.spec.postgres_database)
  local seen = out and json.decode(out)
  if type(seen) ~= "table" then return end
  local now, live, changed = validate.format_time(E.clock()), {}, false
  for _, t in ipairs(seen.tables) do
    if not schema.id_problem(schema.cdf_status, t) then  -- a name with a slash cannot be a resource name
      live[t] = true
      local rec, new = records.implicit(E, "cdf_status", config.name, t, {}, { state = "CDF_STATE_SNAPSHOTTING",
        uc_table = config.spec.catalog .. "." .. config.spec.schema .. "." .. t })
      local rt = rec.runtime
      if not new and rt.state ~= "CDF_STATE_STREAMING" then
        rt.state, rt.status_detail = "CDF_STATE_STREAMING", nil
      end
      if rt.state == "CDF_STATE_STREAMING" then rt.committed_lsn, rt.last_sync_time = seen.lsn, now end
      changed = true
    end
  end
  for _, rec in ipairs(E.store:children(config.name, "cdf_status")) do
    if not live[rec.id] and rec.runtime.state ~= "CDF_STATE_TERMINATED" then
      rec.runtime.state = "CDF_STATE_TERMINATED"
      rec.runtime.status_detail = "the table no longer exists in Postgres schema " .. config.spec.postgres_schema
      changed = true
    end
  end
  if changed then E.store:save() end
end

return M
