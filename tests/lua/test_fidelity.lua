-- The emulator answers as the real service does: one test per behaviour of
-- ../shared/lakebase-fidelity.md sections 2 and 3 (and the credential API of section 4), each named
-- after the section it checks. Raw HTTP against an emulator with simulated computes, so what is
-- checked is the wire format itself.
local T = require "testlib"
local Client = require "emu_client"
local emulator = require "lakebase.emulator"
local lb = lakebase

local emu = emulator.start { postgres = false, token = "fidelity-pat-0123456789", op_latency = 0.02,
  client_id = "sp-fidelity", client_secret = "sp-secret-0123456789" }
local c = Client.new(emu.url, emu.token)
local P = "/api/2.0/postgres/"

local get, ok, refused = c:helpers(T)

ok("POST", "projects?project_id=fid", { spec = { display_name = "Fidelity" } })

T.test("2.0 answers carry status and no spec: GET, list and operation responses", function()
  local op = c:run("POST", P .. "projects/fid/branches?branch_id=nospec", { spec = { ttl = "3600s", is_protected = false } })
  T.eq(op.response.spec, nil, "operation response has no spec")
  T.ok(op.response.status, "operation response has status")
  T.eq(get("projects/fid/branches/nospec").spec, nil, "GET has no spec")
  for _, b in ipairs(get("projects/fid/branches").branches) do T.eq(b.spec, nil, "list item has no spec") end
  T.eq(get("projects/fid").spec, nil, "project GET has no spec")
end)

T.test("2.0 every status repeats its id; roles and databases have no uid", function()
  T.eq(get("projects/fid").status.project_id, "fid", "status.project_id")
  T.eq(get("projects/fid/branches/production").status.branch_id, "production", "status.branch_id")
  T.eq(get("projects/fid/branches/production/endpoints/primary").status.endpoint_id, "primary", "status.endpoint_id")
  local role = ok("POST", "projects/fid/branches/production/roles?role_id=idrole", { spec = { postgres_role = "idrole" } })
  T.eq(role.status.role_id, "idrole", "status.role_id")
  T.eq(role.uid, nil, "a role has no uid")
  local db = ok("POST", "projects/fid/branches/production/databases?database_id=iddb",
    { spec = { postgres_database = "iddb", role = "projects/fid/branches/production/roles/idrole" } })
  T.eq(db.status.database_id, "iddb", "status.database_id")
  T.eq(db.uid, nil, "a database has no uid")
end)

T.test("2.0 an empty list leaves its array out", function()
  local _, _, _, text = c:call("GET", P .. "projects/fid/branches/production/endpoints?page_size=1&page_token=" ..
    ("projects/fid/branches/production/endpoints/zzz"):gsub(".", function(ch) return string.format("%02x", ch:byte()) end))
  T.eq(text, "{}", "no endpoints array, no token")
end)

T.test("2.1 project defaults are materialised in status", function()
  local s = get("projects/fid").status
  local d = s.default_endpoint_settings
  T.eq(d.autoscaling_limit_min_cu, 1, "min 1 CU") T.eq(d.autoscaling_limit_max_cu, 1, "max 1 CU")
  T.eq(d.suspend_timeout_duration, "86400s", "suspend after a day")
  T.eq(s.history_retention_duration, "604800s", "7 days of history")
  T.eq(s.enable_pg_native_login, false, "no native login")
  T.eq(s.branch_logical_size_limit_bytes, 8796093022208, "8 TiB")
  T.eq(s.pg_version, 17, "Postgres 17 by default")
  T.eq(s.owner, "emulator-user@example.com", "owner")
  -- Given once no compute of the project runs [live: GETs of fresh projects have none].
  T.eq(s.compute_last_active_time, nil, "no compute_last_active_time while the primary compute runs")
  ok("POST", "projects?project_id=idle", { spec = {} })
  ok("PATCH", "projects/idle/branches/production/endpoints/primary?update_mask=spec.disabled", { spec = { disabled = true } })
  local idle = get("projects/idle").status
  T.ok(idle.compute_last_active_time and idle.compute_last_active_time:match("^%d+%-%d+%-%d+T"),
    "compute_last_active_time once it is suspended")
  ok("DELETE", "projects/idle?purge=true")
end)

T.test("2.1 default_endpoint_settings.no_suspension; its group mask spec.project_default_settings.suspension", function()
  refused("POST", "projects?project_id=both", { spec = { default_endpoint_settings = { no_suspension = true,
    suspend_timeout_duration = "300s" } } }, 400, "INVALID_PARAMETER_VALUE", "mutually exclusive", "both suspension members")
  local p = ok("POST", "projects?project_id=nosusp", { spec = { default_endpoint_settings = { no_suspension = true } } })
  T.eq(p.status.default_endpoint_settings.no_suspension, true, "no_suspension")
  T.eq(p.status.default_endpoint_settings.suspend_timeout_duration, nil, "no timeout with it")
  T.eq(get("projects/nosusp/branches/production/endpoints/primary").status.no_suspension, true, "primary follows the default")
  p = ok("PATCH", "projects/nosusp?update_mask=spec.project_default_settings.suspension",
    { spec = { default_endpoint_settings = { suspend_timeout_duration = "600s" } } })
  T.eq(p.status.default_endpoint_settings.suspend_timeout_duration, "600s", "group mask sets the timeout")
  T.eq(p.status.default_endpoint_settings.no_suspension, nil, "and clears no_suspension")
  refused("PATCH", "projects/nosusp?update_mask=spec.default_endpoint_settings.suspend_timeout_duration",
    { spec = { default_endpoint_settings = { suspend_timeout_duration = "60s" } } }, 400, "INVALID_PARAMETER_VALUE",
    "Unknown field path in update_mask", "a member's own path")
end)

T.test("2.1 initial_branch_spec and initial_endpoint_spec configure what project creation makes", function()
  ok("POST", "projects?project_id=initial", { spec = {}, initial_branch_spec = { is_protected = true },
    initial_endpoint_spec = { autoscaling_limit_min_cu = 2, autoscaling_limit_max_cu = 4, no_suspension = true } })
  T.eq(get("projects/initial/branches/production").status.is_protected, true, "root branch protected")
  local ep = get("projects/initial/branches/production/endpoints/primary").status
  T.eq(ep.autoscaling_limit_min_cu, 2, "initial min") T.eq(ep.autoscaling_limit_max_cu, 4, "initial max")
  T.eq(ep.no_suspension, true, "initial no_suspension")
  refused("POST", "projects?project_id=initial2", { initial_endpoint_spec = { autoscaling_limit_min_cu = 8,
    autoscaling_limit_max_cu = 4 } }, 400, "INVALID_PARAMETER_VALUE", "initial_endpoint_spec", "a bad initial range")
end)

T.test("2.1 custom_tags are {key, value} pairs; spec.default_branch moves the default", function()
  local p = ok("PATCH", "projects/fid?update_mask=spec.custom_tags", { spec = { custom_tags = { { key = "team", value = "db" } } } })
  T.eq(p.status.custom_tags[1].key, "team", "tags")
  refused("PATCH", "projects/fid?update_mask=spec.custom_tags", { spec = { custom_tags = { { { {} } } } } }, 400,
    "INVALID_PARAMETER_VALUE", "custom_tags", "a nested array is not a tag")
  p = ok("PATCH", "projects/fid?update_mask=spec.custom_tags", { spec = { custom_tags = {} } })
  T.eq(p.status.custom_tags, nil, "an empty list clears them")
  ok("POST", "projects/fid/branches?branch_id=next-default", { spec = { no_expiry = true } })
  p = ok("PATCH", "projects/fid?update_mask=spec.default_branch", { spec = { default_branch = "projects/fid/branches/next-default" } })
  T.eq(p.status.default_branch, "projects/fid/branches/next-default", "status.default_branch")
  T.eq(get("projects/fid/branches/next-default").status.default, true, "the new default says so")
  T.eq(get("projects/fid/branches/production").status.default, false, "the old one does not")
  T.eq(ok("POST", "projects/fid/branches?branch_id=from-default", { spec = { no_expiry = true } }).status.source_branch,
    "projects/fid/branches/next-default", "new branches come from the new default")
  ok("PATCH", "projects/fid?update_mask=spec.default_branch", { spec = { default_branch = "projects/fid/branches/production" } })
end)

T.test("2.1 delete_time and purge_time are top-level fields of a project; 2.2 in status for a branch", function()
  ok("POST", "projects?project_id=gone", {})
  ok("POST", "projects/gone/branches?branch_id=b", { spec = { no_expiry = true } })
  ok("DELETE", "projects/gone/branches/b")
  local _, list = c:call("GET", P .. "projects/gone/branches?show_deleted=true")
  local b
  for _, x in ipairs(list.branches) do if x.branch_id == "b" then b = x end end
  T.ok(b.status.delete_time and b.status.purge_time, "branch: in status")
  T.eq(b.delete_time, nil, "branch: not top-level")
  T.eq(b.status.current_state, "DELETED", "branch state")
  ok("DELETE", "projects/gone")
  local _, plist = c:call("GET", P .. "projects?show_deleted=true")
  local p
  for _, x in ipairs(plist.projects) do if x.project_id == "gone" then p = x end end
  T.ok(p.delete_time and p.purge_time, "project: top-level")
end)

T.test("2.1 a project's creator gets a role on its root branch", function()
  local roles = get("projects/fid/branches/production/roles").roles
  local owner
  for _, r in ipairs(roles) do if r.status.postgres_role == "emulator-user@example.com" then owner = r end end
  T.ok(owner, "the creator's role")
  T.eq(owner.status.identity_type, "USER", "a user identity")
  T.eq(owner.status.auth_method, "LAKEBASE_OAUTH_V1", "signs in with OAuth")
end)

T.test("2.2 a branch's expiry is the spec.expiration group; member paths are refused", function()
  ok("POST", "projects/fid/branches?branch_id=expiring", { spec = { ttl = "3600s" } })
  for _, member in ipairs { "spec.ttl", "spec.expire_time", "spec.no_expiry" } do
    refused("PATCH", "projects/fid/branches/expiring?update_mask=" .. member, { spec = { no_expiry = true } }, 400,
      "INVALID_PARAMETER_VALUE", "Unknown field path in update_mask", member)
  end
  refused("PATCH", "projects/fid/branches/expiring?update_mask=spec.expiration", { spec = {} }, 400,
    "INVALID_PARAMETER_VALUE", "sets none of spec.ttl", "the group without a value")
  local b = ok("PATCH", "projects/fid/branches/expiring?update_mask=spec.expiration", { spec = { no_expiry = true } })
  T.eq(b.status.expire_time, nil, "no_expiry replaces the ttl")
  local when = lb.json.decode('"' .. os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 7200) .. '"')
  b = ok("PATCH", "projects/fid/branches/expiring?update_mask=spec.expiration", { spec = { expire_time = when } })
  T.eq(b.status.expire_time, when, "expire_time")
  refused("POST", "projects/fid/branches?branch_id=noexp", { spec = { no_expiry = false } }, 400,
    "INVALID_PARAMETER_VALUE", "spec.no_expiry", "no_expiry false")
end)

T.test("2.2 branch status: branch_id, state_change_time, and a fork's source LSN and time", function()
  local b = get("projects/fid/branches/expiring").status
  T.eq(b.branch_id, "expiring", "branch_id")
  T.ok(b.state_change_time, "state_change_time")
  T.eq(b.source_branch, "projects/fid/branches/production", "source_branch")
  T.ok(b.source_branch_lsn and b.source_branch_lsn:match("^%x+/%x+$"), "source_branch_lsn " .. tostring(b.source_branch_lsn))
  T.ok(b.source_branch_time, "source_branch_time")
  local root = get("projects/fid/branches/production").status
  T.eq(root.source_branch, nil, "the root branch has no source")
end)

T.test("2.2 3.6 every new branch gets its own primary read-write endpoint with the project's defaults", function()
  ok("PATCH", "projects/fid?update_mask=spec.default_endpoint_settings.autoscaling_limit_max_cu",
    { spec = { default_endpoint_settings = { autoscaling_limit_max_cu = 3 } } })
  ok("POST", "projects/fid/branches?branch_id=withprimary", { spec = { ttl = "600s" } })
  local eps = get("projects/fid/branches/withprimary/endpoints").endpoints
  T.eq(#eps, 1, "one endpoint")
  T.eq(eps[1].endpoint_id, "primary", "called primary")
  T.eq(eps[1].status.endpoint_type, "ENDPOINT_TYPE_READ_WRITE", "read-write")
  T.eq(eps[1].status.autoscaling_limit_max_cu, 3, "the project's default max")
  T.eq(eps[1].status.current_state, "ACTIVE", "active")
end)

T.test("2.2 a child branch inherits its parent's roles and databases", function()
  ok("POST", "projects/fid/branches/production/roles?role_id=app-owner", { spec = { postgres_role = "app_owner" } })
  ok("POST", "projects/fid/branches/production/databases?database_id=appdb",
    { spec = { postgres_database = "appdb", role = "projects/fid/branches/production/roles/app-owner" } })
  ok("POST", "projects/fid/branches?branch_id=child", { spec = { ttl = "600s" } })
  local role = get("projects/fid/branches/child/roles/app-owner")
  T.eq(role.status.postgres_role, "app_owner", "role inherited")
  local db = get("projects/fid/branches/child/databases/appdb")
  T.eq(db.status.role, "projects/fid/branches/child/roles/app-owner", "database inherited, owned by the child's role")
  refused("POST", "projects/fid/branches/child/roles?role_id=app-owner2", { spec = { postgres_role = "app_owner" } },
    400, "BAD_REQUEST", "role with that name already exists", "an inherited role conflicts")
end)

T.test("2.3 an endpoint's suspension is the spec.suspension group", function()
  local ep = "projects/fid/branches/production/endpoints/"
  refused("POST", "projects/fid/branches/production/endpoints?endpoint_id=ro1", { spec = {
    endpoint_type = "ENDPOINT_TYPE_READ_ONLY", no_suspension = true, suspend_timeout_duration = "300s" } },
    400, "INVALID_PARAMETER_VALUE", "mutually exclusive", "both members")
  local e = ok("PATCH", ep .. "primary?update_mask=spec.suspension", { spec = { no_suspension = true } })
  T.eq(e.status.no_suspension, true, "no_suspension set") T.eq(e.status.suspend_timeout_duration, nil, "timeout cleared")
  e = ok("PATCH", ep .. "primary?update_mask=spec.suspension", { spec = { suspend_timeout_duration = "120s" } })
  T.eq(e.status.suspend_timeout_duration, "120s", "timeout set") T.eq(e.status.no_suspension, nil, "no_suspension cleared")
  for _, member in ipairs { "spec.suspend_timeout_duration", "spec.no_suspension" } do
    refused("PATCH", ep .. "primary?update_mask=" .. member, { spec = { no_suspension = true } }, 400,
      "INVALID_PARAMETER_VALUE", "Unknown field path in update_mask", member)
  end
  refused("POST", "projects/fid/branches/production/endpoints?endpoint_id=ro1", { spec = {
    endpoint_type = "ENDPOINT_TYPE_READ_ONLY", suspend_timeout_duration = "30s" } }, 400, "INVALID_PARAMETER_VALUE",
    "at least 60s", "a timeout under a minute")
end)

T.test("2.3 group is {min, max, enable_readable_secondaries} with min = max >= 1, and always in status", function()
  local path = "projects/fid/branches/production/endpoints?endpoint_id=grp"
  refused("POST", path, { spec = { endpoint_type = "ENDPOINT_TYPE_READ_ONLY", group = { min = 1, max = 2 } } }, 400,
    "INVALID_PARAMETER_VALUE", "group.max must equal group.min", "min ~= max")
  refused("POST", path, { spec = { endpoint_type = "ENDPOINT_TYPE_READ_ONLY", group = { min = 0, max = 0 } } }, 400,
    "INVALID_PARAMETER_VALUE", "spec%.group%.m[ai][nx].*>= 1", "min 0")
  local e = ok("POST", path, { spec = { endpoint_type = "ENDPOINT_TYPE_READ_ONLY" } })
  T.eq(e.status.group.min, 1, "status.group.min") T.eq(e.status.group.max, 1, "status.group.max")
  T.eq(e.status.group.enable_readable_secondaries, false, "readable secondaries")
  T.eq(e.status.hosts.read_only_host, e.status.hosts.host, "a read-only endpoint has its read_only_host")
end)

T.test("2.3 compute sizes: 0.5 or whole CU; autoscaling up to 64 spanning 16; fixed up to 112 [docs]", function()
  local path = "projects/fid/branches/production/endpoints?endpoint_id=size"
  local function try(min, max)
    return (c:call("POST", P .. path, { spec = { endpoint_type = "ENDPOINT_TYPE_READ_ONLY", autoscaling_limit_min_cu = min,
      autoscaling_limit_max_cu = max } }))
  end
  T.eq(try(0.75, 2), 400, "0.75 CU")
  T.eq(try(60, 80), 400, "autoscaling beyond 64")
  T.eq(try(1, 18), 400, "a span over 16")
  T.eq(try(112, 112), 200, "a fixed 112 CU compute")
end)

T.test("2.4 roles: generated id, IDENTITY_TYPE_UNSPECIFIED, auth_method from the identity, attributes always", function()
  local status, op = c:call("POST", P .. "projects/fid/branches/production/roles", { spec = { postgres_role = "plain" } })
  T.eq(status, 200, "no role_id") op = c:wait(op)
  local r = op.response
  T.ok(r.role_id and r.role_id:match("^[a-z][a-z0-9-]+$") and #r.role_id >= 4, "generated role_id " .. tostring(r.role_id))
  T.eq(r.status.identity_type, "IDENTITY_TYPE_UNSPECIFIED", "plain role")
  T.eq(r.status.auth_method, "PG_PASSWORD_SCRAM_SHA_256", "plain roles sign in with passwords")
  T.eq(r.status.attributes.createdb, false, "attributes.createdb") T.eq(r.status.attributes.bypassrls, false, "bypassrls")
  for _, it in ipairs { "USER", "SERVICE_PRINCIPAL", "GROUP" } do
    local x = ok("POST", "projects/fid/branches/production/roles?role_id=id-" .. it:lower():gsub("_", "-"),
      { spec = { postgres_role = "who-" .. it, identity_type = it } })
    T.eq(x.status.auth_method, "LAKEBASE_OAUTH_V1", it .. " signs in with OAuth")
  end
  refused("POST", "projects/fid/branches/production/roles?role_id=abc", { spec = { postgres_role = "abc" } }, 400,
    "INVALID_PARAMETER_VALUE", "4%-63", "a three-letter role_id")
end)

T.test("2.4 replace_existing replaces a role's spec (memberships are not merged); masks apply at the leaf", function()
  ok("POST", "projects/fid/branches/production/roles?role_id=member", { spec = { postgres_role = "member",
    membership_roles = { "DATABRICKS_SUPERUSER" }, attributes = { createdb = true, createrole = true } } })
  local r = ok("PATCH", "projects/fid/branches/production/roles/member?update_mask=spec.attributes.createdb",
    { spec = { attributes = { createdb = false } } })
  T.eq(r.status.attributes.createdb, false, "createdb changed") T.eq(r.status.attributes.createrole, true, "createrole kept")
  r = ok("POST", "projects/fid/branches/production/roles?role_id=member&replace_existing=true", { spec = { postgres_role = "member" } })
  T.eq(r.status.membership_roles, nil, "memberships dropped")
  T.eq(r.status.attributes.createrole, false, "attributes replaced")
end)

T.test("2.5 databases: optional generated id, role required and a role resource name, rename, replace_existing", function()
  local branch = "projects/fid/branches/production"
  local owner = branch .. "/roles/app-owner"
  refused("POST", branch .. "/databases?database_id=norole", { spec = { postgres_database = "norole" } }, 400,
    "INVALID_PARAMETER_VALUE", "Field 'database.spec.role' is required, expected non%-default value %(not \"\"%)!", "no role")
  refused("POST", branch .. "/databases?database_id=bad", { spec = { postgres_database = "bad", role = branch .. "/roles/ghost" } },
    404, "NOT_FOUND", "role not found; role_id:\"ghost\" %[TraceId: ", "unknown role")
  refused("POST", branch .. "/databases?database_id=bare", { spec = { postgres_database = "bare", role = "app_owner" } },
    400, "INVALID_PARAMETER_VALUE", "resource name of a role", "a bare Postgres role name")
  refused("POST", branch .. "/databases?database_id=Bad_Id", { spec = { postgres_database = "x", role = owner } }, 400,
    "INVALID_PARAMETER_VALUE", "database_id", "a bad database_id")
  local status, op = c:call("POST", P .. branch .. "/databases", { spec = { postgres_database = "generated", role = owner } })
  T.eq(status, 200, "no database_id") op = c:wait(op)
  T.ok(op.response.database_id, "generated database_id " .. tostring(op.response.database_id))
  local d = ok("PATCH", branch .. "/databases/appdb?update_mask=spec.postgres_database", { spec = { postgres_database = "renamed" } })
  T.eq(d.status.postgres_database, "renamed", "renamed")
  d = ok("POST", branch .. "/databases?database_id=appdb&replace_existing=true", { spec = { postgres_database = "appdb", role = owner } })
  T.eq(d.status.postgres_database, "appdb", "replace_existing")
  refused("POST", branch .. "/databases?database_id=appdb", { spec = { postgres_database = "appdb", role = owner } }, 400,
    "BAD_REQUEST", "database with that name already exists", "a duplicate database")
end)

T.test("3.1 duplicates, missing ids and parents, and the service's words", function()
  refused("POST", "projects?project_id=fid", {}, 409, "ALREADY_EXISTS", "project with such id already exists in the workspace", "project")
  refused("POST", "projects/fid/branches?branch_id=child", { spec = { ttl = "60s" } }, 409, "ALREADY_EXISTS",
    "branch with such id already exists", "branch")
  refused("POST", "projects/fid/branches/production/roles?role_id=member", { spec = { postgres_role = "member2" } }, 400,
    "BAD_REQUEST", "role with that name already exists", "role")
  refused("POST", "projects", {}, 400, "INVALID_PARAMETER_VALUE",
    "Field 'project_id' is required, expected non%-default value %(not \"\"%)!", "missing project_id")
  refused("GET", "projects/nope/branches/x", nil, 404, "NOT_FOUND", "^project id not found %[TraceId: ", "missing parent project")
  refused("GET", "projects/fid/branches/nope/endpoints/x", nil, 404, "NOT_FOUND", "^branch id not found", "missing parent branch")
  refused("GET", "projects/fid/branches/production/endpoints/nope", nil, 404, "NOT_FOUND", "^endpoint id not found", "endpoint")
end)

T.test("3.1 the root branch and read-write endpoints cannot be deleted: MANAGED_BY_PARENT", function()
  local function marker(body, what)
    local info, req
    for _, d in ipairs(body.details) do
      if d["@type"] == "type.googleapis.com/google.rpc.ErrorInfo" then info = d end
      if d["@type"] == "type.googleapis.com/google.rpc.RequestInfo" then req = d end
    end
    T.eq(info.reason, "RESOURCE_CONFLICT", what .. ": reason") T.eq(info.domain, "databricks.com", what .. ": domain")
    T.eq(info.metadata.declarative_context, "MANAGED_BY_PARENT", what .. ": marker")
    T.ok(req and req.request_id, what .. ": RequestInfo")
  end
  marker(refused("DELETE", "projects/fid/branches/production", nil, 400, "BAD_REQUEST",
    "Cannot delete root branch 'projects/fid/branches/production'. Root branches cannot be deleted independently.", "root"), "root")
  marker(refused("DELETE", "projects/fid/branches/child/endpoints/primary", nil, 400, "BAD_REQUEST",
    "Read%-write endpoints cannot be deleted", "read-write endpoint"), "rw endpoint")
end)

T.test("3.1 protection: a protected branch, its endpoints and its project cannot be deleted", function()
  ok("POST", "projects?project_id=guarded", {})
  ok("POST", "projects/guarded/branches?branch_id=safe", { spec = { no_expiry = true, is_protected = true } })
  ok("POST", "projects/guarded/branches/safe/endpoints?endpoint_id=reader", { spec = { endpoint_type = "ENDPOINT_TYPE_READ_ONLY" } })
  refused("DELETE", "projects/guarded/branches/safe", nil, 400, "BAD_REQUEST", "protected", "protected branch")
  refused("DELETE", "projects/guarded/branches/safe/endpoints/reader", nil, 400, "BAD_REQUEST", "protected", "its endpoint")
  refused("DELETE", "projects/guarded", nil, 400, "BAD_REQUEST", "protected", "its project")
  refused("POST", "projects/guarded/branches/safe/endpoints?endpoint_id=rw2", { spec = { endpoint_type = "ENDPOINT_TYPE_READ_WRITE" } },
    400, "BAD_REQUEST", "read_write endpoint already exists", "a second read-write endpoint")
end)

T.test("3.2 operations: name, metadata type, response as GET shows it, Empty for deletes, errors with error_code", function()
  local status, op = c:call("POST", P .. "projects/fid/branches?branch_id=opshape", { spec = { ttl = "600s" } })
  T.eq(status, 200, "accepted")
  T.ok(op.name:match("^projects/fid/branches/opshape/operations/"), "name")
  T.eq(op.metadata["@type"], "type.googleapis.com/databricks.postgres.v1.BranchOperationMetadata", "metadata")
  op = c:wait(op)
  T.eq(op.response["@type"], "type.googleapis.com/databricks.postgres.v1.Branch", "response type")
  op = c:run("DELETE", P .. "projects/fid/branches/opshape")
  T.eq(op.response["@type"], "type.googleapis.com/google.protobuf.Empty", "delete response")
  local failing = emulator.start { postgres = false, token = "fidelity-pat-0123456789", faults = "operror=1" }
  local fc = Client.new(failing.url, failing.token)
  local _, fop = fc:call("POST", P .. "projects?project_id=doomed", {})
  fop = fc:wait(fop)
  failing:stop()
  T.eq(fop.error.error_code, "INTERNAL_ERROR", "error.error_code")
  T.eq(fop.error.code, nil, "no google.rpc code")
  T.ok(type(fop.error.message) == "string", "error.message")
  T.eq(#fop.error.details, 0, "details is an array")
end)

T.test("3.3 soft delete, show_deleted, undelete, purge; a deleted project's children are gone", function()
  ok("POST", "projects?project_id=trash", {})
  ok("POST", "projects/trash/branches?branch_id=b1", { spec = { no_expiry = true } })
  ok("DELETE", "projects/trash/branches/b1")
  refused("GET", "projects/trash/branches/b1", nil, 404, "NOT_FOUND", "branch id not found", "deleted branch")
  refused("GET", "projects/trash/branches/b1/endpoints/primary", nil, 404, "NOT_FOUND", "branch id not found", "its endpoint")
  refused("POST", "projects/trash/branches?branch_id=b1", { spec = { no_expiry = true } }, 409, "ALREADY_EXISTS", "undelete", "its id")
  local b = ok("POST", "projects/trash/branches/b1/undelete", {})
  T.eq(b.status.current_state, "READY", "undeleted")
  T.eq(get("projects/trash/branches/b1/endpoints/primary").status.current_state, "ACTIVE", "its endpoint is back")
  refused("POST", "projects/trash/branches/b1/undelete", {}, 400, "BAD_REQUEST", "not deleted", "undelete of a live branch")
  ok("DELETE", "projects/trash/branches/b1?purge=true")
  refused("POST", "projects/trash/branches/b1/undelete", {}, 404, "NOT_FOUND", nil, "a purged branch")
  local _, l = c:call("GET", P .. "projects/trash/branches?show_deleted=true")
  for _, x in ipairs(l.branches) do T.ok(x.branch_id ~= "b1", "purged branches are never listed") end
  ok("POST", "projects/trash/branches?branch_id=b1", { spec = { no_expiry = true } })  -- the id is free again
  ok("DELETE", "projects/trash")
  refused("GET", "projects/trash/branches/production", nil, 404, "NOT_FOUND", "project id not found", "a deleted project's branch")
  refused("GET", "projects/trash/branches", nil, 404, "NOT_FOUND", "project id not found", "its branch list")
  ok("POST", "projects/trash/undelete", {})
  T.eq(get("projects/trash/branches/b1").status.current_state, "READY", "children back with the project")
  ok("DELETE", "projects/trash")
  ok("DELETE", "projects/trash?purge=true")  -- purging what is already in the trash
  local _, pl = c:call("GET", P .. "projects?show_deleted=true")
  for _, x in ipairs(pl.projects or {}) do T.ok(x.project_id ~= "trash", "purged project gone") end
end)

T.test("3.4 update masks: bare spec replaces, leaves and groups change one thing, the rest of the body is ignored", function()
  ok("POST", "projects/fid/branches?branch_id=masks", { spec = { ttl = "3600s", is_protected = true } })
  local b = ok("PATCH", "projects/fid/branches/masks?update_mask=spec", { spec = { no_expiry = true } })
  T.eq(b.status.is_protected, false, "spec: absent fields cleared")
  T.eq(b.status.expire_time, nil, "spec: the expiry replaced")
  -- An immutable field changed under `spec` keeps its value, as a role's postgres_role does [live].
  b = ok("PATCH", "projects/fid/branches/masks?update_mask=spec", { spec = { source_branch = "projects/fid/branches/child",
    no_expiry = true } })
  T.eq(b.status.source_branch, "projects/fid/branches/production", "spec: an immutable field keeps its value")
  refused("PATCH", "projects/fid/branches/masks?update_mask=spec.source_branch", { spec = { source_branch = "projects/fid/branches/child" } },
    400, "INVALID_PARAMETER_VALUE", "^Unknown field path in update_mask: spec.source_branch", "an immutable field's own path")
  b = ok("PATCH", "projects/fid/branches/masks?update_mask=spec.is_protected", { spec = { is_protected = true, ttl = "60s" } })
  T.eq(b.status.is_protected, true, "leaf") T.eq(b.status.expire_time, nil, "a field outside the mask is ignored")
  refused("PATCH", "projects/fid/branches/masks?update_mask=spec.is_protected.x", { spec = { is_protected = false } },
    400, "INVALID_PARAMETER_VALUE", "has no fields below it", "a path below a scalar (D14)")
  T.eq(get("projects/fid/branches/masks").status.is_protected, true, "and nothing changed")
  ok("PATCH", "projects/fid/branches/masks?update_mask=spec.is_protected", { spec = {} })
end)

T.test("3.5 projects list at most 100 a page; the last page has no token", function()
  local _, body = c:call("GET", P .. "projects?page_size=500")
  T.ok(#body.projects <= 100, "capped")
  T.eq(body.next_page_token, nil, "no token at the end")
end)

T.test("4 credentials take ttl (300-3600 s), expire_time, claims and group_name", function()
  local ep = "projects/fid/branches/production/endpoints/primary"
  local function cred(body) body.endpoint = ep return c:call("POST", P .. "credentials", body) end
  local s, b = cred { ttl = "600s" }
  T.eq(s, 200, "ttl")
  local left = require("lakebase.api.validate").timestamp(b.expire_time) - os.time()
  T.between(left, 590, 610, "expires in ttl")
  T.eq((cred { ttl = "60s" }), 400, "ttl under 5 minutes")
  T.eq((cred { ttl = "7200s" }), 400, "ttl over an hour")
  s = cred { expire_time = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 900) }
  T.eq(s, 200, "expire_time")
  T.eq((cred { expire_time = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 7200) }), 400, "expire_time too far")
  T.eq((cred { claims = { { permission_set = "READ_ONLY", resources = { { table_name = "c.s.t" } } } } }), 200, "claims")
  T.eq((cred { claims = { { permission_set = "WRITE" } } }), 400, "unknown permission set")
  T.eq((cred { group_name = "analysts" }), 200, "group_name")
end)

T.test("4 eventual consistency: with the lag fault a fresh endpoint is listed but its GET is 404", function()
  local lag = emulator.start { postgres = false, token = "fidelity-pat-0123456789", faults = "lag=1", lag_seconds = 30 }
  local lc = Client.new(lag.url, lag.token)
  lc:run("POST", P .. "projects?project_id=lagging", {})
  local _, list = lc:call("GET", P .. "projects/lagging/branches/production/endpoints")
  T.eq(#list.endpoints, 1, "listed")
  local s = lc:call("GET", P .. "projects/lagging/branches/production/endpoints/primary")
  lag:stop()
  T.eq(s, 404, "GET answers 404")
end)

T.run()
emu:stop()
