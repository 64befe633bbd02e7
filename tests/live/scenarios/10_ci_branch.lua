-- The ci-branch recipe as CI runs it: `lakebase recipe run ci-branch --project P --pr N`
-- (a separate lakebase process with the same target) creates the pull request's branch and
-- prints where to connect, writes PG* variables to a 0600 file that psql can use; a second run
-- resets it (a new branch); `--action delete` removes it.
local harness = require "harness"

local function env_file(path)
  local f = assert(io.open(path))
  local env = {}
  for line in f:lines() do
    local k, v = line:match("^export%s+([%w_]+)=(.*)$")
    if k then env[k] = v:match("^'(.*)'$") or v:match('^"(.*)"$') or v end
  end
  f:close()
  return env
end

local function pr_branches(t, pr)
  local out = {}
  for b in t.project:branches() do
    if b:id():find("^pr%-" .. pr .. "%-") then out[#out + 1] = b.name end
  end
  return out
end

return {
  description = "the ci-branch recipe: create, use with psql, reset, delete",
  creates = { "branch pr-4242-TIME (ttl 1h, made, reset and deleted by the recipe)" },
  run = function(t)
    local pr = "4242"
    local dir = os.tmpname()
    os.remove(dir)
    assert(lakebase.exec { "mkdir", "-m", "0700", dir }.ok)
    lakebase.defer(function() lakebase.exec { "rm", "-rf", dir } end, "removing " .. dir)
    local file = dir .. "/pr.env"

    local r = t:lakebase_cmd({ "recipe", "run", "ci-branch", "--project", t.project_id, "--pr", pr, "--ttl", "1h",
      "--env-file", file }, { timeout = 900 })
    for _, name in ipairs(pr_branches(t, pr)) do t:track("branch", name) end
    t:eq(r.code, 0, "the recipe's exit status (stderr: " .. r.stderr .. ")")
    local first = r.stdout:match("created (projects/%S+)")
    t:check(first and first:find(t.project.name .. "/branches/pr-" .. pr .. "-", 1, true) == 1,
      "the recipe created the pull request's branch (printed: " .. r.stdout .. ")")
    for _, k in ipairs { "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSSLMODE" } do
      t:check(r.stdout:find("\n" .. k .. "=", 1, true) or r.stdout:find("^" .. k .. "="), "the recipe printed " .. k)
    end
    t:check(not r.stdout:find("PGPASSWORD", 1, true), "the password is not printed")
    local mode = lakebase.exec { "stat", "-c", "%a", file }
    t:eq(mode.stdout:gsub("%s+$", ""), "600", "mode of the env file")
    local env = env_file(file)
    t:check(env.PGPASSWORD and env.PGPASSWORD ~= "", "the env file holds the password")
    t:eq(env.PGSSLMODE, "require", "PGSSLMODE in the env file")
    if harness.have("psql") then
      env.PATH = os.getenv("PATH")
      local q = lakebase.exec { "psql", "-X", "-A", "-t", "-c", "SELECT 40 + 2", env = env, timeout = 300 }
      t:eq(q.code, 0, "psql with the env file's variables (stderr: " .. q.stderr .. ")")
      t:eq(q.stdout:gsub("%s+$", ""), "42", "what psql printed")
    else
      t:note("psql", "not installed: the env file was not tried")
    end

    -- Again: a reset, which replaces the branch with a new one.
    lakebase.sleep(1.1)  -- branch IDs carry the time in seconds
    r = t:lakebase_cmd({ "recipe", "run", "ci-branch", "--project", t.project_id, "--pr", pr, "--ttl", "1h",
      "--no-compute" }, { timeout = 900 })
    for _, name in ipairs(pr_branches(t, pr)) do t:track("branch", name) end
    t:eq(r.code, 0, "the reset's exit status (stderr: " .. r.stderr .. ")")
    t:check(r.stdout:find("reset: deleted " .. first, 1, true), "the reset deleted the previous branch")
    local now = pr_branches(t, pr)
    t:eq(#now, 1, "branches of the pull request after the reset")
    t:check(now[1] ~= first, "the reset made a new branch")

    r = t:lakebase_cmd({ "recipe", "run", "ci-branch", "--project", t.project_id, "--pr", pr, "--action", "delete" })
    t:eq(r.code, 0, "the delete's exit status (stderr: " .. r.stderr .. ")")
    t:check(r.stdout:find("deleted " .. now[1], 1, true), "the recipe deleted the branch")
    t:eq(#pr_branches(t, pr), 0, "branches of the pull request after the delete")
  end,
}
