-- The ci-branch recipe as CI runs it: `lakebase recipe run ci-branch --project P --pr N -o json`
-- (a separate lakebase process with the same target) makes the pull request's branch pr-N and
-- gives its outputs as one JSON object; db_url works with psql, the env file gets $GITHUB_ENV's
-- format; a second run reuses the branch (created=false), `--reset` recreates it from its parent,
-- `--action delete` removes it.
local harness = require "harness"

-- KEY=value lines and KEY<<DELIM heredocs, as GitHub reads $GITHUB_ENV.
local function github_env(path)
  local f = assert(io.open(path))
  local env, key, delim, acc = {}, nil, nil, nil
  for line in f:lines() do
    if key then
      if line == delim then env[key] = table.concat(acc, "\n"); key = nil
      else acc[#acc + 1] = line end
    else
      local k, d = line:match("^([%w_]+)<<(.+)$")
      if k then key, delim, acc = k, d, {}
      else
        local k2, v = line:match("^([%w_]+)=(.*)$")
        if k2 then env[k2] = v end
      end
    end
  end
  f:close()
  return env
end

local function run_recipe(t, args)
  local argv = { "recipe", "run", "ci-branch", "--project", t.project_id, "--pr", "4242", "-o", "json" }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local r = t:lakebase_cmd(argv, { timeout = 900 })
  t:eq(r.code, 0, "ci-branch " .. table.concat(args, " ") .. ": exit status (stderr: " .. r.stderr .. ")")
  local ok, out = pcall(lakebase.json.decode, r.stdout)
  t:check(ok and type(out) == "table", "ci-branch printed one JSON object (got: " .. r.stdout:sub(1, 200) .. ")")
  return out, r
end

return {
  description = "the ci-branch recipe: create, use db_url with psql, reuse, reset, delete",
  creates = { "branch pr-4242 (ttl 1h; made, reused, reset and deleted by the recipe)" },
  run = function(t)
    local dir = os.tmpname()
    os.remove(dir)
    assert(lakebase.exec { "mkdir", "-m", "0700", dir }.ok)
    lakebase.defer(function() lakebase.exec { "rm", "-rf", dir } end, "removing " .. dir)
    local file = dir .. "/github_env"
    local want = t.project.name .. "/branches/pr-4242"
    t:track("branch", want)

    local out, r = run_recipe(t, { "--ttl", "1h", "--env-file", file })
    t:eq(out.branch, want, "output branch")
    t:eq(out.created, true, "output created on the first run")
    for _, k in ipairs { "db_host", "db_host_pooled", "db_user", "db_name", "password", "password_expire_time", "db_url", "db_url_pooled" } do
      t:check(type(out[k]) == "string" and out[k] ~= "", "output " .. k .. " given")
    end
    t:check(out.db_url:find("^postgresql://"), "db_url is a postgresql:// URI")
    t:check(not r.stderr:find(out.password, 1, true), "the password is not on stderr")
    local mode = lakebase.exec { "stat", "-c", "%a", file }
    t:eq(mode.stdout:gsub("%s+$", ""), "600", "mode of the env file")
    local env = github_env(file)
    t:check(env.PGPASSWORD and env.PGPASSWORD ~= "", "the env file holds the password")
    t:eq(env.PGSSLMODE, "require", "PGSSLMODE in the env file")
    t:eq(env.DATABASE_URL, out.db_url, "DATABASE_URL in the env file is db_url")
    if harness.have("psql") then
      local q = lakebase.exec { "psql", out.db_url, "-X", "-A", "-t", "-c", "SELECT 40 + 2",
        env = { PATH = os.getenv("PATH") }, timeout = 300 }
      t:eq(q.code, 0, "psql with db_url (stderr: " .. q.stderr .. ")")
      t:eq(q.stdout:gsub("%s+$", ""), "42", "what psql printed")
    else
      t:note("psql", "not installed: db_url was not tried")
    end
    local uid = t.client:get(want, "branch").uid

    out = run_recipe(t, { "--ttl", "1h", "--no-compute" })
    t:eq(out.created, false, "output created when the branch is reused")
    t:eq(t.client:get(want, "branch").uid, uid, "the reused branch is the same branch")

    out = run_recipe(t, { "--ttl", "1h", "--no-compute", "--reset" })
    t:eq(out.created, true, "output created after --reset")
    t:check(t.client:get(want, "branch").uid ~= uid, "--reset made a new branch under the same ID")

    out = run_recipe(t, { "--action", "delete" })
    t:eq(out.deleted, true, "output deleted")
    local status = t:raw("GET", want)
    t:eq(status, 404, "a GET of the branch after the delete")
  end,
}
