--- Which endpoint `lakebase psql` and `lakebase query` connect to, as `databricks psql` and the
-- CLI's `experimental postgres query` choose it: a resource path (projects/P, projects/P/branches/B
-- or the endpoint's full name) and/or --project, --branch and --endpoint. What is not given is
-- picked when exactly one exists; when several do, the error lists them and names the flag to set.
-- Everything about the command line is checked before any request.

local M = {}

local function usage(msg) error({ usage = msg }, 0) end

--- Splits a resource path into {project=, branch=, endpoint=} (the later ones may be nil), or
-- raises a usage error in the Databricks CLI's words.
function M.parse_path(input)
  local parts = {}
  for part in (input .. "/"):gmatch("([^/]*)/") do parts[#parts + 1] = part end
  if #parts < 2 or parts[1] ~= "projects" then usage("invalid resource path: " .. input) end
  if parts[2] == "" then usage("invalid resource path: missing project ID") end
  local spec = { project = parts[2] }
  if #parts > 2 then
    if #parts < 4 or parts[3] ~= "branches" then usage("invalid resource path: expected 'branches' after project") end
    if parts[4] == "" then usage("invalid resource path: missing branch ID") end
    spec.branch = parts[4]
  end
  if #parts > 4 then
    if #parts < 6 or parts[5] ~= "endpoints" then usage("invalid resource path: expected 'endpoints' after branch") end
    if parts[6] == "" then usage("invalid resource path: missing endpoint ID") end
    spec.endpoint = parts[6]
  end
  if #parts > 6 then usage("invalid resource path: " .. input .. " (it ends at the endpoint)") end
  return spec
end

--- Combines a TARGET (a path, or nil) with --project/--branch/--endpoint: flags fill in what the
-- path leaves out and must agree with what it gives. Returns {project=, branch=, endpoint=}, every
-- given ID checked.
function M.combine(target, flags)
  local spec
  if target then
    if not target:match("^projects/") and target ~= "projects" then
      usage("lakebase connects to Lakebase Autoscaling endpoints: TARGET must be a path such as " ..
        "projects/P, projects/P/branches/B or projects/P/branches/B/endpoints/E, got '" .. target ..
        "' (Lakebase Provisioned instances are not supported)")
    end
    spec = M.parse_path(target)
    for _, k in ipairs { "project", "branch", "endpoint" } do
      if flags[k] and spec[k] and flags[k] ~= spec[k] then
        usage(string.format("--%s flag conflicts with %s in path: %s vs %s", k, k, flags[k], spec[k]))
      end
      spec[k] = spec[k] or flags[k]
    end
  else
    spec = { project = flags.project, branch = flags.branch, endpoint = flags.endpoint }
    if not spec.project then  -- the default project (LAKEBASE_PROJECT, ./.lakebase-project)
      local id, _, why = require("lakebase.cli.default_project").resolve()
      if why then usage(why) end
      spec.project = id
    end
    if not spec.project and (spec.branch or spec.endpoint) then
      usage("--project is required when using --branch or --endpoint")
    end
  end
  local schema, names = require "lakebase.api.schema", require "lakebase.api.names"
  for _, k in ipairs { "project", "branch", "endpoint" } do
    local why = spec[k] and names.existing_id_problem(schema[k], spec[k])
    if why then usage(string.format("invalid %s ID '%s': %s", k, spec[k], why)) end
  end
  return spec
end

-- What psql picks among several, as the Databricks CLI's help promises ("auto-selects default
-- branch and read-write endpoint"): the project's default branch, a branch's read-write endpoint.
local PREFERRED = {
  branch = { test = function(r) return r.status.default == true end, why = "the project's default" },
  endpoint = { test = function(r) return r.status.endpoint_type == "ENDPOINT_TYPE_READ_WRITE" end,
    why = "the read-write one" },
}

-- The child of `kind` under `parent` to use: the only one; or, with `prefer`, the one PREFERRED
-- picks (returned with a note naming the others); else a usage error listing them and naming `flag`.
local function pick(client, parent, kind, flag, label, prefer)
  local lines, ids, found, preferred = {}, {}, nil, {}
  local rule = prefer and PREFERRED[kind]
  for r in client:list(parent, kind) do
    found = r
    local id = r.name:match("([^/]+)$")
    local display = type(r.status) == "table" and r.status.display_name
    ids[#ids + 1] = id
    lines[#lines + 1] = "  - " .. id .. ((display and display ~= id) and (" (" .. display .. ")") or "")
    if rule and type(r.status) == "table" and rule.test(r) then preferred[#preferred + 1] = id end
  end
  if #ids == 0 then
    error(require("lakebase.base.errors").new { kind = "api", message = "no " .. label .. " found" ..
      (parent and (" in " .. parent) or " in the workspace") }, 0)
  end
  if #ids == 1 then return ids[1] end
  if #preferred == 1 then
    local others = {}
    for _, id in ipairs(ids) do if id ~= preferred[1] then others[#others + 1] = id end end
    return preferred[1], " (" .. rule.why .. "; also " .. table.concat(others, ", ") .. ": choose with " .. flag .. ")"
  end
  local plural = ({ project = "projects", branch = "branches", endpoint = "endpoints" })[kind]
  usage("multiple " .. plural .. " found" .. (parent and (" in " .. parent) or "") .. "; specify " .. flag .. ":\n" ..
    table.concat(lines, "\n"))
  return found  -- not reached
end

--- Resolves `spec` to the endpoint (a resource object), printing "Project: ...", "Branch: ...",
-- "Endpoint: ..." through `say` as the Databricks CLI does. opts.prefer: among several branches
-- or endpoints take the default branch and the read-write endpoint (psql) instead of failing.
function M.resolve(client, spec, say, opts)
  local prefer = opts and opts.prefer
  local project_id = spec.project or pick(client, nil, "project", "--project", "Lakebase Autoscaling projects")
  local project = client:get("projects/" .. project_id, "project")
  local display = type(project.status) == "table" and project.status.display_name
  say("Project: " .. ((type(display) == "string" and display ~= "") and display or project_id))
  -- A branch or an endpoint: the ID given, or the one picked among those under `parent`.
  local function step(parent, kind, collection, given)
    local id, note = given, ""
    if not id then id, note = pick(client, parent.name, kind, "--" .. kind, collection, prefer) end
    local obj = client:get(parent.name .. "/" .. collection .. "/" .. id, kind)
    say(kind:gsub("^%l", string.upper) .. ": " .. id .. (note or ""))
    return obj
  end
  local branch = step(project, "branch", "branches", spec.branch)
  return step(branch, "endpoint", "endpoints", spec.endpoint)
end

--- The endpoint's state as the CLI words it: "read-write"/"read-only" and "" or " (idle, waking
-- up)"; raises an error (exit 1) when it cannot take connections now.
function M.readiness(endpoint)
  local status = type(endpoint.status) == "table" and endpoint.status or {}
  local hosts = type(status.hosts) == "table" and status.hosts or {}
  local errors = require "lakebase.base.errors"
  local state = status.current_state
  if state ~= "ACTIVE" and state ~= "IDLE" then
    error(errors.new { kind = "api", message = "endpoint is not ready for accepting connections (state: " ..
      tostring(state) .. ")" }, 0)
  end
  if type(hosts.host) ~= "string" or hosts.host == "" then
    error(errors.new { kind = "api", message = "endpoint host information is not available" }, 0)
  end
  local kind = ({ ENDPOINT_TYPE_READ_WRITE = "read-write", ENDPOINT_TYPE_READ_ONLY = "read-only" })[status.endpoint_type]
    or tostring(status.endpoint_type)
  return kind, state == "IDLE" and " (idle, waking up)" or ""
end

return M
