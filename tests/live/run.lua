--- The live scenario suite (scripts/test-live runs it): the same user-facing scenarios against
-- whatever workspace DATABRICKS_HOST (or a profile) points at — the service, or an emulator
-- addressed exactly like one. Everything is made inside one project of this run's own,
-- lbtest-<time>-<random>, purged at the end however the run ends (Ctrl-C included); every call
-- that changes something is refused unless it is inside that project.
--
--   lakebase [--profile P | --host H] run tests/live/run.lua [--keep-going] [--dry-run]
--     [--report FILE] [--only NAMES] [--scenarios DIR] [--scenario-timeout S]
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local harness = require "harness"
local recorder = require "recorder"
local errors = require "lakebase.base.errors"
local redact = require "lakebase.base.redact"
local json = require "lakebase.base.json"

local USAGE = [[usage: scripts/test-live [--profile NAME | --host URL] [--auth-type T] [--keep-going] [--dry-run]
                       [--report FILE] [--only NAMES] [--scenarios DIR] [--scenario-timeout SECONDS]
       scripts/test-live --compare A.json B.json]]

local function usage_error(msg)
  io.stderr:write("test-live: ", msg, "\n", USAGE, "\n")
  os.exit(2)
end

-- Options.
local opts = { keep_going = false, dry_run = false, report = "test-live-report.json", scenarios = here .. "/scenarios",
  scenario_timeout = 600 }
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    local function value()
      i = i + 1
      if arg[i] == nil then usage_error(a .. " needs a value") end
      return arg[i]
    end
    if a == "--keep-going" then opts.keep_going = true
    elseif a == "--dry-run" then opts.dry_run = true
    elseif a == "--report" then opts.report = value()
    elseif a == "--only" then opts.only = value()
    elseif a == "--scenarios" then opts.scenarios = value()
    elseif a == "--scenario-timeout" then
      local v = value()
      opts.scenario_timeout = tonumber(v)
      if not opts.scenario_timeout or opts.scenario_timeout <= 0 then
        usage_error("--scenario-timeout must be a positive number of seconds, got " .. v)
      end
    elseif a == "-h" or a == "--help" then print(USAGE) os.exit(0)
    else usage_error("unknown option " .. a) end
    i = i + 1
  end
end

-- The scenarios: NN_name.lua files in the scenario directory, in order. Adding one is adding a file.
local function load_scenarios(dir)
  local r = lakebase.exec { "ls", "-1", dir }
  if not r.ok then usage_error("cannot list the scenario directory " .. dir .. ": " .. r.stderr:gsub("\n$", "")) end
  local list = {}
  for file in r.stdout:gmatch("[^\n]+") do
    local number, word = file:match("^(%d%d)_([%w_]+)%.lua$")
    if number then
      local chunk, err = loadfile(dir .. "/" .. file)
      if not chunk then usage_error("scenario " .. file .. " does not load: " .. err) end
      local def = chunk()
      if type(def) ~= "table" or type(def.run) ~= "function" then
        usage_error("scenario " .. file .. " must return a table with a run function")
      end
      list[#list + 1] = { name = number .. "_" .. word, number = number, word = word, def = def }
    end
  end
  table.sort(list, function(a, b) return a.name < b.name end)
  if #list == 0 then usage_error("no scenario (NN_name.lua) in " .. dir) end
  return list
end

local all = load_scenarios(opts.scenarios)
local scenarios = all
if opts.only then
  scenarios = {}
  for want in opts.only:gmatch("[^,%s]+") do
    local found
    for _, s in ipairs(all) do
      if s.name == want or s.number == want or s.word == want then found = s end
    end
    if not found then
      local names = {}
      for _, s in ipairs(all) do names[#names + 1] = s.name end
      usage_error("--only: no scenario " .. want .. " (there are " .. table.concat(names, ", ") .. ")")
    end
    scenarios[#scenarios + 1] = found
  end
end

-- The target. Only one named on purpose runs the suite: DATABRICKS_HOST, a profile named by
-- DATABRICKS_CONFIG_PROFILE or --profile, or --host. A default profile in ~/.databrickscfg alone
-- is not enough: the suite creates and deletes things.
local config = lakebase.config or {}
if config.emulator then
  usage_error("--local is not for the live suite: start `lakebase emulator` and address it with DATABRICKS_HOST " ..
    "and DATABRICKS_TOKEN, as a workspace")
end
local function set(v) return v ~= nil and v ~= "" end
if not (set(config.host) or set(config.profile) or set(os.getenv("DATABRICKS_HOST"))
    or set(os.getenv("DATABRICKS_CONFIG_PROFILE"))) then
  print("test-live: nothing configured: set DATABRICKS_HOST and its credentials (DATABRICKS_TOKEN, or OAuth, " ..
    "or the Databricks CLI's login), or name a ~/.databrickscfg profile with --profile or DATABRICKS_CONFIG_PROFILE. " ..
    "No scenario was run.")
  os.exit(0)
end

math.randomseed(os.time() + math.floor(lakebase.now() * 1e6) % 1000003)
local project_id = string.format("lbtest-%d-%04x", os.time(), math.random(0, 0xffff))

local function target_host()
  if set(config.host) then return config.host end
  if set(os.getenv("DATABRICKS_HOST")) then return os.getenv("DATABRICKS_HOST") end
  return "profile " .. (config.profile or os.getenv("DATABRICKS_CONFIG_PROFILE"))
end

local function write_report(report)
  if not opts.report or opts.report == "" then return end
  local f, err = io.open(opts.report, "w")
  if not f then
    io.stderr:write("test-live: cannot write the report: ", err, "\n")
    return
  end
  f:write(json.encode(report), "\n")
  f:close()
  print("report: " .. opts.report)
end

if opts.dry_run then
  print("test-live --dry-run: nothing is created or changed; against " .. redact.url(target_host()) .. " this run would:")
  print("  create project " .. project_id .. " (everything below is made inside it), and purge it at the end")
  local report = { format = "lakebase-live-report/1", target = { host = redact.url(target_host()) }, project = project_id,
    dry_run = true, scenarios = {} }
  for _, s in ipairs(scenarios) do
    print(string.format("  %s: %s", s.name, s.def.description or ""))
    local creates = {}
    for _, c in ipairs(s.def.creates or {}) do
      local line = c:gsub("%$([%w-]+)", function(word) return harness.id(s.number, word) end)
      creates[#creates + 1] = line
      print("      create " .. line)
    end
    report.scenarios[#report.scenarios + 1] = { scenario = s.name, result = "dry-run", creates = creates }
  end
  write_report(report)
  os.exit(0)
end

local ok_client, client = pcall(lakebase.default_client)
if not ok_client then
  io.stderr:write("test-live: the target is configured, but its credentials do not resolve: ",
    redact.text(tostring(client)), "\n")
  os.exit(2)
end

-- The guard: reading is free; a change is allowed only inside this run's project, and the
-- project itself only once this run has asked to create it.
local project_name = "projects/" .. project_id
local project_requested = false
local function inside(name)
  return type(name) == "string" and (name == project_name or name:sub(1, #project_name + 1) == project_name .. "/")
end
local function guard(method, path, query, body)
  if method == "GET" then return nil end
  if method == "POST" and path == "projects" then
    if type(query) == "table" and query.project_id == project_id and not project_requested then
      project_requested = true
      return nil
    end
    return "this run creates one project only, " .. project_id
  end
  if method == "POST" and path == "credentials" then
    if type(body) == "table" and inside(body.endpoint) then return nil end
    return "a credential for an endpoint this run did not create"
  end
  if project_requested and inside(path) then return nil end
  return "not inside this run's project " .. project_name
end
local rec = recorder.install(client, guard)

local report = { format = "lakebase-live-report/1", lakebase_version = lakebase.version,
  target = { host = redact.url(client.host), auth_type = client.auth_type }, project = project_id,
  started = os.date("!%Y-%m-%dT%H:%M:%SZ"), options = { keep_going = opts.keep_going, only = opts.only },
  scenarios = {}, result = "interrupted" }
-- Written last of all, also when the run is interrupted (cleanups run newest first).
local report_entry = lakebase.defer(function() write_report(report) end, "writing the report")

local lakebase_argv = { os.getenv("LAKEBASE_BIN") or arg[-1] or "lakebase" }
for _, k in ipairs { "profile", "host", "auth_type" } do
  if set(config[k]) then
    lakebase_argv[#lakebase_argv + 1] = "--" .. k:gsub("_", "-")
    lakebase_argv[#lakebase_argv + 1] = config[k]
  end
end

print("test-live: against " .. redact.url(client.host) .. " in project " .. project_id)

local creation  -- the project's creation (an Operation), once asked for

-- Purges the run's project: its branches made protected are unprotected first (nothing outside
-- the project is touched: the guard refuses it anyway).
local refused = false  -- the service refused to create the project: nothing to purge
local function purge_project()
  if refused then
    report.cleanup = { result = "done", note = "the project was not created" }
    return
  end
  local ok, err = pcall(function()
    for b in client:list(project_name, "branch") do
      if type(b.status) == "table" and b.status.is_protected then b:update { is_protected = false }:wait() end
    end
    client:get(project_name, "project"):delete { purge = true }:wait()
  end)
  if ok or (errors.is(err, "api") and err.status == 404) then
    report.cleanup = { result = "done" }
    print("test-live: purged project " .. project_id)
    return
  end
  report.cleanup = { result = "failed", error = redact.text(tostring(err)) }
  error(err, 0)
end

-- Set-up: the project (ephemeral, so that even a run stopped while it is being created deletes
-- it), then its purge, which runs before that deletion and leaves it nothing to do.
rec.log = {}
local t0 = lakebase.now()
local setup_ok, setup_err = pcall(function()
  creation = client:create_project(project_id, { display_name = "lakebase live suite " .. project_id }, { ephemeral = true })
  creation:wait()
end)
local purge_entry = lakebase.defer(purge_project, "purging project " .. project_name)
report.setup = { result = setup_ok and "passed" or "failed", duration = lakebase.now() - t0, requests = rec.log,
  error = not setup_ok and redact.text(tostring(setup_err)) or nil }
rec.log = nil
if not setup_ok then
  local status = errors.is(setup_err, "api") and setup_err.status
  -- Refused outright, nothing was made (as the client's ephemeral creation judges it). A 409 means
  -- a project of that ID exists and is not ours (the client settles a retry of our own create):
  -- it must not be purged.
  refused = status and status < 500 and status ~= 429
  io.stderr:write("test-live: could not create the project ", project_id, ": ", redact.text(tostring(setup_err)), "\n")
  if errors.is(setup_err, "cancelled") then error(setup_err, 0) end
end

local run = { client = client, project = setup_ok and client:get_project(project_id) or nil, project_id = project_id,
  rec = rec, root = here .. "/../..", lakebase_argv = lakebase_argv, guard = guard }

local failed, stop = 0, not setup_ok
for _, s in ipairs(scenarios) do
  local entry = { scenario = s.name, description = s.def.description, target = report.target.host }
  report.scenarios[#report.scenarios + 1] = entry
  if stop then
    entry.result = "not run"
  else
    local t = harness.new(run, s.number, s.name)
    rec.log = {}
    entry.requests = rec.log
    local started = lakebase.now()
    local ok, err = pcall(lakebase.timeout, opts.scenario_timeout, s.def.run, t)
    local cancelled = not ok and errors.is(err, "cancelled")
    local leftovers = harness.cleanup(t)
    rec.log = nil
    entry.duration = math.floor((lakebase.now() - started) * 1000 + 0.5) / 1000
    entry.notes = next(t.notes) and t.notes or nil
    if #leftovers > 0 then entry.cleanup_failures = leftovers end
    if ok and #leftovers == 0 then
      entry.result = "passed"
    elseif not ok and harness.is_skip(err) then
      entry.result, entry.reason = "skipped", err.reason
    else
      entry.result = cancelled and "interrupted" or "failed"
      entry.error = not ok and redact.text(tostring(err)) or ("its cleanup failed: " .. table.concat(leftovers, "; "))
      if errors.is(err, "timeout") and entry.duration >= opts.scenario_timeout then
        entry.error = entry.error .. " (the scenario's limit: --scenario-timeout)"
      end
      failed = failed + 1
    end
    print(string.format("%-8s %s (%.1fs)%s", entry.result, s.name, entry.duration,
      entry.error and (": " .. entry.error) or (entry.reason and (": " .. entry.reason) or "")))
    io.stdout:flush()
    if cancelled then error(err, 0) end
    if failed > 0 and not opts.keep_going then stop = true end
  end
end

-- Clean-up now, to put its result in the report (on an interruption the host runs the same entries).
purge_entry.run()
-- Purged: the creation's own deletion has nothing left to do (not discarded while the host runs
-- cleanups, which would change its list under it).
if report.cleanup and report.cleanup.result == "done" and creation and creation.cleanup then creation.cleanup.discard() end
local counts = {}
for _, e in ipairs(report.scenarios) do counts[e.result] = (counts[e.result] or 0) + 1 end
local parts = {}
for _, r in ipairs { "passed", "failed", "skipped", "not run" } do
  if counts[r] then parts[#parts + 1] = counts[r] .. " " .. r end
end
report.result = (failed == 0 and setup_ok and report.cleanup and report.cleanup.result == "done") and "passed" or "failed"
report.duration = math.floor((lakebase.now() - t0) * 1000 + 0.5) / 1000
print(string.format("test-live: %s in %.1fs against %s", table.concat(parts, ", "), report.duration,
  redact.url(client.host)))
report_entry.run()
if report.result ~= "passed" then os.exit(1) end
