-- What tests/lua/test_api_surface_sdk.lua found the schema lacked, against the emulator over the
-- wire and through the Lua client: DeleteBranch's allow_missing, ProjectSpec.compute_provisioner,
-- a synced table's extra column maintained as DEFAULT_VALUE, a project's initial_role_spec and
-- initial_database_spec (Python SDK, databricks-sdk-py 9ae2241).
local T = require "testlib"
local Client = require "emu_client"
local emulator = require "lakebase.emulator"
local lb = lakebase

local emu = emulator.start { postgres = false, token = "gaps-pat-0123456789abc", op_latency = 0.05 }
local c = Client.new(emu.url, emu.token)
local get, ok, refused = c:helpers(T)
local client = lb.client { host = emu.url, token = emu.token }

ok("POST", "projects?project_id=gaps", { spec = { compute_provisioner = "standard" } })
local B = "projects/gaps/branches/production"

T.test("DELETE a branch that is not there with allow_missing=true: a done operation answering Empty", function()
  local status, op = c:call("DELETE", "/api/2.0/postgres/projects/gaps/branches/nothing?allow_missing=true")
  T.eq(status, 200, "status (" .. lb.json.encode(op) .. ")")
  T.eq(op.done, true, "done at once")
  T.eq(op.response["@type"], "type.googleapis.com/google.protobuf.Empty", "response")
  T.eq(op.metadata["@type"], "type.googleapis.com/databricks.postgres.v1.BranchOperationMetadata", "metadata")
  T.eq(get(op.name).done, true, "the operation is found again by its name")
  refused("DELETE", "projects/gaps/branches/nothing", nil, 404, "NOT_FOUND", "branch", "without allow_missing")
  refused("DELETE", "projects/gaps/branches/nothing?allow_missing=maybe", nil, 400, "INVALID_PARAMETER_VALUE",
    "allow_missing: expected true or false", "a bad value")
  refused("DELETE", "projects/none/branches/nothing?allow_missing=true", nil, 404, "NOT_FOUND", "project",
    "a missing project is still missing")
  refused("DELETE", B .. "/endpoints/nothing?allow_missing=true", nil, 400, "INVALID_PARAMETER_VALUE",
    "allow_missing is not supported for endpoints", "a kind without allow_missing")
end)

T.test("allow_missing on a branch that is there deletes it (soft), as without it", function()
  ok("POST", "projects/gaps/branches?branch_id=temp", { spec = { source_branch = B, no_expiry = true } })
  ok("DELETE", "projects/gaps/branches/temp?allow_missing=true")
  refused("GET", "projects/gaps/branches/temp", nil, 404, "NOT_FOUND", nil, "deleted")
  local trash = get("projects/gaps/branches?show_deleted=true")
  local found = false
  for _, b in ipairs(trash.branches) do if b.name == "projects/gaps/branches/temp" then found = true end end
  T.ok(found, "in the trash (soft)")
end)

T.test("the client: delete{allow_missing = true} of a missing branch succeeds; a bad option type is refused", function()
  local op = client:wrap("branch", { name = "projects/gaps/branches/gone" }):delete { allow_missing = true }
  T.eq(op:wait(), nil, "nothing to return")
  T.raises(function() client:wrap("branch", { name = B }):delete { allow_missing = "yes" } end,
    "option 'allow_missing' must be a boolean", "a string")
  T.raises(function() client:wrap("endpoint", { name = B .. "/endpoints/primary" }):delete { allow_missing = true } end,
    "endpoint deletion takes no option 'allow_missing'", "an endpoint")
  local err = T.raises(function() client:wrap("branch", { name = "projects/gaps/branches/gone" }):delete():wait() end)
  T.eq(err.status, 404, "without it: 404")
end)

T.test("spec.compute_provisioner is taken, shown in status and updated", function()
  T.eq(get("projects/gaps").status.compute_provisioner, "standard", "status.compute_provisioner")
  local p = client:get_project("gaps")
  p:update({ compute_provisioner = "other" }):wait()
  T.eq(client:get_project("gaps").status.compute_provisioner, "other", "updated through the client")
  refused("PATCH", "projects/gaps?update_mask=spec.compute_provisioner", { spec = { compute_provisioner = 7 } }, 400,
    "INVALID_PARAMETER_VALUE", "compute_provisioner", "not a string")
end)

T.test("a synced table's extra column may be maintained as DEFAULT_VALUE", function()
  ok("POST", B .. "/roles?role_id=owner-role", { spec = { postgres_role = "owner_role" } })
  ok("POST", B .. "/databases?database_id=appdb", { spec = { postgres_database = "appdb", role = B .. "/roles/owner-role" } })
  ok("POST", "catalogs?catalog_id=gaps_cat", { spec = { branch = B, postgres_database = "appdb" } })
  local st = ok("POST", "synced_tables?synced_table_id=gaps_cat.public.t", { spec = {
    source_table_full_name = "main.src.t", primary_key_columns = { "id" }, scheduling_policy = "SNAPSHOT",
    extra_columns = { { column_name = "note", column_type = "text", compute = "''", maintenance = "DEFAULT_VALUE" } } } })
  T.eq(st.name, "synced_tables/gaps_cat.public.t", "created")
  refused("POST", "synced_tables?synced_table_id=gaps_cat.public.u", { spec = { source_table_full_name = "main.src.u",
    extra_columns = { { column_name = "n", column_type = "text", maintenance = "SOMETIMES" } } } }, 400,
    "INVALID_PARAMETER_VALUE", "DEFAULT_VALUE", "an unknown maintenance is refused naming the values")
end)

local function names_of(list, field)
  local out = {}
  for _, r in ipairs(list or {}) do out[#out + 1] = r.status[field] end
  table.sort(out)
  return table.concat(out, ",")
end

T.test("initial_role_spec: the default branch's first role is that one, not the caller's", function()
  ok("POST", "projects?project_id=init", { spec = {}, initial_role_spec = { postgres_role = "app_owner",
    attributes = { createdb = true } }, initial_database_spec = { postgres_database = "appdb" } })
  local IB = "projects/init/branches/production"
  local roles = get(IB .. "/roles").roles
  T.eq(names_of(roles, "postgres_role"), "app_owner", "the only role")
  local role = get(IB .. "/roles/app-owner")
  T.eq(role.status.auth_method, "PG_PASSWORD_SCRAM_SHA_256", "a plain Postgres role logs in with a password")
  T.eq(role.status.attributes.createdb, true, "its attributes")
  T.eq(role.status.membership_roles, nil, "no membership it was not given")
end)

T.test("initial_database_spec: a database owned by the initial role", function()
  local IB = "projects/init/branches/production"
  local dbs = get(IB .. "/databases").databases
  T.eq(names_of(dbs, "postgres_database"), "appdb", "the database")
  T.eq(dbs[1].name, IB .. "/databases/appdb", "named by its Postgres name")
  T.eq(dbs[1].status.role, IB .. "/roles/app-owner", "owned by the initial role")
end)

T.test("initial_role_spec without postgres_role is the caller with what it gives; without it, a superuser", function()
  ok("POST", "projects?project_id=init2", { spec = {}, initial_role_spec = { membership_roles = {} } })
  local role = get("projects/init2/branches/production/roles/emulator-user-example-com")
  T.eq(role.status.postgres_role, "emulator-user@example.com", "the caller")
  T.eq(role.status.identity_type, "USER", "a user")
  T.eq(role.status.membership_roles, nil, "the memberships it gives (none)")
  T.eq(get("projects/gaps/branches/production/roles/emulator-user-example-com").status.membership_roles[1],
    "DATABRICKS_SUPERUSER", "a project made without it: the caller, a superuser")
end)

T.test("bad initial specs are refused naming the field, and nothing is made", function()
  refused("POST", "projects?project_id=badinit", { spec = {}, initial_role_spec = { identity_type = "ROBOT" } }, 400,
    "INVALID_PARAMETER_VALUE", "initial_role_spec.identity_type", "an unknown identity type")
  refused("POST", "projects?project_id=badinit", { spec = {}, initial_database_spec = { postgres_database = 5 } }, 400,
    "INVALID_PARAMETER_VALUE", "initial_database_spec.postgres_database", "a number for a name")
  refused("GET", "projects/badinit", nil, 404, "NOT_FOUND", nil, "no project")
end)

T.test("the client checks them before sending: a bad one raises naming the field", function()
  local before = client.stats.requests
  T.raises(function() client:create_project("badc", { spec = {}, initial_database_spec = { postgres_database = 5 } }) end,
    "bad argument #2 to 'create_project' %(invalid value for initial_database_spec.postgres_database", "a number")
  T.raises(function() client:create_project("badc", { spec = {}, initial_role_spec = { attributes = { createdb = "yes" } } }) end,
    "initial_role_spec.attributes.createdb", "a string for a boolean")
  T.eq(client.stats.requests, before, "nothing sent")
end)

T.test("the client sends them with the spec", function()
  client:create_project("init3", { spec = { display_name = "Three" }, initial_database_spec = { postgres_database = "shop" } }):wait()
  local dbs = {}
  for d in client:get_project("init3"):get_branch("production"):databases() do dbs[#dbs + 1] = d.status.postgres_database end
  T.eq(table.concat(dbs, ","), "shop", "its database")
end)

T.run()
emu:stop()
