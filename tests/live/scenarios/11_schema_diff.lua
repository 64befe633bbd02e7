-- The schema-diff recipe as CI runs it, after migrations on a pull request's branch:
-- `lakebase recipe run schema-diff --project P --branch B -o json` (a separate lakebase process)
-- dumps the branch and its parent with pg_dump --schema-only and reports what the branch added.
-- pg_dump must be at least the server's major version (the service runs PostgreSQL 17): with an
-- older one the scenario is skipped, saying so.
local harness = require "harness"

local function newest_pg_dump_major()
  local best
  local r = lakebase.exec { "sh", "-c", "ls /usr/lib/postgresql 2>/dev/null; pg_dump --version 2>/dev/null" }
  for n in r.stdout:gmatch("%d+") do
    n = tonumber(n)
    if n >= 9 and n < 100 and (not best or n > best) then best = n end
  end
  return best
end

return {
  description = "the schema-diff recipe: a branch's migration against its parent, as a diff and a summary",
  creates = { "branch $diff (ttl 1h)", "table lbt_migrated in its databricks_postgres" },
  run = function(t)
    local b = t:create_branch("diff", { ttl = "3600s" })
    local ep = b:primary_endpoint { timeout = 600 }
    local conn <close> = ep:connect()
    local server_major = math.floor(tonumber(conn:query_one("SHOW server_version_num").server_version_num) / 10000)
    local dump_major = newest_pg_dump_major()
    if not harness.have("pg_dump") and not dump_major then t:skip("pg_dump is not installed") end
    if dump_major and dump_major < server_major then
      t:skip(string.format("pg_dump %d is older than the server's PostgreSQL %d", dump_major, server_major))
    end
    conn:query("CREATE TABLE lbt_migrated (id bigint PRIMARY KEY, note text)")

    local dir = os.tmpname()
    os.remove(dir)
    assert(lakebase.exec { "mkdir", "-m", "0700", dir }.ok)
    lakebase.defer(function() lakebase.exec { "rm", "-rf", dir } end, "removing " .. dir)
    local r = t:lakebase_cmd({ "recipe", "run", "schema-diff", "--project", t.project_id, "--branch", b:id(),
      "--database", "databricks_postgres", "--diff-file", dir .. "/schema.diff",
      "--summary-file", dir .. "/summary.md", "-o", "json" }, { timeout = 900 })
    t:eq(r.code, 0, "schema-diff's exit status (stderr: " .. r.stderr .. ")")
    local ok, out = pcall(lakebase.json.decode, r.stdout)
    t:check(ok and type(out) == "table", "schema-diff printed one JSON object (got: " .. r.stdout:sub(1, 200) .. ")")
    t:eq(out.has_changes, true, "output has_changes")
    local f = assert(io.open(dir .. "/schema.diff"))
    local diff = f:read("a")
    f:close()
    t:check(diff:find("+CREATE TABLE public.lbt_migrated", 1, true), "the diff adds the migrated table")
    t:check(not diff:find("\n-CREATE", 1, true), "the diff removes nothing")
  end,
}
