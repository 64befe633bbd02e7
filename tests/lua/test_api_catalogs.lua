-- Catalogs and synced tables (section 1 of ../shared/lakebase-fidelity.md, rows 30-35): the
-- emulator over the wire with simulated computes for the API's shape and rules, then with real
-- PostgreSQL for what it really does (the database create_database_if_missing makes, a synced
-- table's schema); and the Lua client's methods for them.
local T = require "testlib"
local Client = require "emu_client"
local emulator = require "lakebase.emulator"
local lb = lakebase
local P = "/api/2.0/postgres/"

local emu = emulator.start { postgres = false, token = "catalog-pat-0123456789", op_latency = 0.05 }
local c = Client.new(emu.url, emu.token)
local B = "projects/cat/branches/production"

local get, ok, refused = c:helpers(T)

ok("POST", "projects?project_id=cat", {})
ok("POST", B .. "/roles?role_id=app-owner", { spec = { postgres_role = "app_owner" } })
ok("POST", B .. "/databases?database_id=appdb", { spec = { postgres_database = "appdb", role = B .. "/roles/app-owner" } })

T.test("a catalog registers a branch's database; GET shows {branch, postgres_database, project}, no spec", function()
  local status, op = c:call("POST", P .. "catalogs?catalog_id=shop_cat", { spec = { branch = B, postgres_database = "appdb" } })
  T.eq(status, 200, "create answers an operation")
  T.eq(op.metadata["@type"], "type.googleapis.com/databricks.postgres.v1.CatalogOperationMetadata", "metadata type")
  T.ok(op.name:match("^catalogs/shop_cat/operations/"), "the operation is named under the catalog: " .. op.name)
  op = c:wait(op)
  T.eq(op.response["@type"], "type.googleapis.com/databricks.postgres.v1.Catalog", "response type")
  local cat = get("catalogs/shop_cat")
  T.eq(cat.name, "catalogs/shop_cat", "name") T.eq(cat.catalog_id, "shop_cat", "catalog_id")
  T.eq(cat.spec, nil, "no spec in answers")
  T.eq(cat.status.branch, B, "status.branch") T.eq(cat.status.postgres_database, "appdb", "status.postgres_database")
  T.eq(cat.status.project, "projects/cat", "status.project")
  T.ok(cat.uid and cat.create_time and cat.update_time, "uid and times")
  T.eq(get(op.name).done, true, "the operation is found again by its name")
end)

T.test("catalogs are neither listed nor updated; a missing one is 404", function()
  refused("GET", "catalogs", nil, 405, "BAD_REQUEST", "cannot be listed", "list")
  refused("PATCH", "catalogs/shop_cat?update_mask=spec.postgres_database", { spec = { postgres_database = "x" } },
    405, "BAD_REQUEST", "cannot be updated", "update")
  refused("GET", "catalogs/nope", nil, 404, "NOT_FOUND", "catalog id not found", "missing catalog")
end)

T.test("a catalog's database must exist unless create_database_if_missing; bad input is refused", function()
  refused("POST", "catalogs?catalog_id=nodb", { spec = { branch = B, postgres_database = "missing" } }, 404, "NOT_FOUND",
    "database 'missing' not found", "a database that is not there")
  refused("POST", "catalogs?catalog_id=nodb", { spec = { branch = B } }, 400, "INVALID_PARAMETER_VALUE",
    "Field 'catalog.spec.postgres_database' is required", "no database")
  refused("POST", "catalogs", { spec = { branch = B, postgres_database = "appdb" } }, 400, "INVALID_PARAMETER_VALUE",
    "Field 'catalog_id' is required", "no id")
  refused("POST", "catalogs?catalog_id=bad%20id", { spec = { branch = B, postgres_database = "appdb" } }, 400,
    "INVALID_PARAMETER_VALUE", "catalog_id is invalid", "a bad id")
  refused("POST", "catalogs?catalog_id=nobranch", { spec = { branch = "projects/cat/branches/gone", postgres_database = "appdb" } },
    404, "NOT_FOUND", "branch projects/cat/branches/gone not found", "a missing branch")
  refused("POST", "catalogs?catalog_id=shop_cat", { spec = { branch = B, postgres_database = "appdb" } }, 409,
    "ALREADY_EXISTS", "catalog with such id already exists", "a duplicate id")
  local made = ok("POST", "catalogs?catalog_id=made_db", { spec = { branch = B, postgres_database = "madedb",
    create_database_if_missing = true } })
  T.eq(made.status.postgres_database, "madedb", "registered")
  local db = get(B .. "/databases/madedb")
  T.eq(db.status.postgres_database, "madedb", "the Database resource was made")
  T.eq(db.status.role, B .. "/roles/emulator-user-example-com", "owned by the caller's role")
end)

T.test("one catalog per database; a child branch inherits the registration until it recreates the database", function()
  refused("POST", "catalogs?catalog_id=second", { spec = { branch = B, postgres_database = "appdb" } }, 400,
    "BAD_REQUEST", "already registered with catalogs/shop_cat", "a second catalog for a database")
  ok("POST", "projects/cat/branches?branch_id=child", { spec = { no_expiry = true } })
  local child = "projects/cat/branches/child"
  refused("POST", "catalogs?catalog_id=child_cat", { spec = { branch = child, postgres_database = "appdb" } }, 400,
    "BAD_REQUEST", "inherits the registration of " .. B, "the child's inherited database")
  ok("DELETE", child .. "/databases/appdb")
  ok("POST", child .. "/databases?database_id=appdb", { spec = { postgres_database = "appdb", role = child .. "/roles/app-owner" } })
  T.eq(ok("POST", "catalogs?catalog_id=child_cat", { spec = { branch = child, postgres_database = "appdb" } }).status.branch,
    child, "a recreated database can be registered")
end)

T.test("deleting a catalog answers Empty and frees its database for another catalog", function()
  local status, op = c:call("DELETE", P .. "catalogs/made_db")
  T.eq(status, 200, "delete answers an operation")
  op = c:wait(op)
  T.eq(op.response["@type"], "type.googleapis.com/google.protobuf.Empty", "Empty")
  refused("GET", "catalogs/made_db", nil, 404, "NOT_FOUND", nil, "gone")
  T.eq(ok("POST", "catalogs?catalog_id=again", { spec = { branch = B, postgres_database = "madedb" } }).status.postgres_database,
    "madedb", "the database registers again")
end)

T.test("a synced table in a Lakebase catalog takes its branch and database and comes ONLINE", function()
  local status, op = c:call("POST", P .. "synced_tables?synced_table_id=shop_cat.public.trips", { spec = {
    source_table_full_name = "main.src.trips", primary_key_columns = { "id" }, scheduling_policy = "SNAPSHOT",
    new_pipeline_spec = { storage_catalog = "main", storage_schema = "pipelines" } } })
  T.eq(status, 200, "create answers an operation " .. lb.json.encode(op))
  T.eq(op.metadata["@type"], "type.googleapis.com/databricks.postgres.v1.SyncedTableOperationMetadata", "metadata type")
  local during = get("synced_tables/shop_cat.public.trips")
  T.eq(during.status.detailed_state, "SYNCED_TABLE_PROVISIONING_PIPELINE_RESOURCES", "provisioning while the operation runs")
  op = c:wait(op)
  T.eq(op.response["@type"], "type.googleapis.com/databricks.postgres.v1.SyncedTable", "response type")
  local t
  local deadline = lb.now() + 5
  repeat
    t = get("synced_tables/shop_cat.public.trips")
    if t.status.detailed_state:match("^SYNCED_TABLE_ONLINE") then break end
    lb.sleep(0.1)
  until lb.now() > deadline
  T.eq(t.status.detailed_state, "SYNCED_TABLE_ONLINE_NO_PENDING_UPDATE", "a SNAPSHOT table is online with nothing pending")
  T.eq(t.status.unity_catalog_provisioning_state, "ACTIVE", "UC provisioning state")
  T.eq(t.status.project, "projects/cat", "status.project")
  T.ok(t.status.pipeline_id and #t.status.pipeline_id > 0, "a pipeline id")
  T.eq(t.synced_table_id, "shop_cat.public.trips", "synced_table_id") T.eq(t.spec, nil, "no spec")
  T.eq(t.update_time, nil, "a synced table has no update_time")
  refused("POST", "synced_tables?synced_table_id=shop_cat.public.trips", { spec = { source_table_full_name = "main.src.trips" } },
    409, "ALREADY_EXISTS", "synced table with such id already exists", "a duplicate")
end)

T.test("a synced table elsewhere names its branch and database; mismatches and bad input are refused", function()
  refused("POST", "synced_tables?synced_table_id=main.public.t1", { spec = { source_table_full_name = "main.src.t1" } },
    400, "INVALID_PARAMETER_VALUE", "spec.branch' is required for a synced table outside a Lakebase catalog", "no branch")
  local t = ok("POST", "synced_tables?synced_table_id=main.public.t1", { spec = { source_table_full_name = "main.src.t1",
    branch = B, postgres_database = "appdb", scheduling_policy = "CONTINUOUS" } })
  T.eq(t.status.project, "projects/cat", "created in a standard catalog")
  refused("POST", "synced_tables?synced_table_id=shop_cat.public.t2", { spec = { source_table_full_name = "main.src.t2",
    postgres_database = "other" } }, 400, "INVALID_PARAMETER_VALUE", "does not match catalogs/shop_cat", "a database that is not the catalog's")
  refused("POST", "synced_tables?synced_table_id=shop_cat.t2", { spec = { source_table_full_name = "main.src.t2" } },
    400, "INVALID_PARAMETER_VALUE", "catalog.schema.table", "a two-part id")
  refused("POST", "synced_tables?synced_table_id=shop_cat.public.t3", { spec = { source_table_full_name = "main.src.t3",
    existing_pipeline_id = "p1", new_pipeline_spec = { storage_catalog = "main" } } }, 400, "INVALID_PARAMETER_VALUE",
    "mutually exclusive", "both pipeline choices")
  refused("POST", "synced_tables?synced_table_id=shop_cat.public.t4", { spec = { source_table_full_name = "t4" } },
    400, "INVALID_PARAMETER_VALUE", "source_table_full_name", "a one-part source")
  refused("POST", "synced_tables?synced_table_id=main.public.t5", { spec = { source_table_full_name = "main.src.t5",
    branch = B, postgres_database = "absent", create_database_objects_if_missing = false } }, 400, "INVALID_PARAMETER_VALUE",
    "does not exist", "a missing database it may not make")
  refused("GET", "synced_tables", nil, 405, "BAD_REQUEST", "cannot be listed", "list")
  refused("PATCH", "synced_tables/main.public.t1", { spec = {} }, 405, "BAD_REQUEST", "cannot be updated", "update")
  local op = c:run("DELETE", P .. "synced_tables/main.public.t1")
  T.eq(op.response["@type"], "type.googleapis.com/google.protobuf.Empty", "delete answers Empty")
  refused("GET", "synced_tables/main.public.t1", nil, 404, "NOT_FOUND", "synced table id not found", "gone")
end)

T.test("the Lua client: create_catalog, get_catalog, create_synced_table; no list or update methods", function()
  local client = lb.client { host = emu.url, token = emu.token }
  T.eq(client.catalogs, nil, "no client:catalogs()") T.eq(client.synced_tables, nil, "no client:synced_tables()")
  local cat = client:create_catalog("lua_cat", { branch = B, postgres_database = "lua_db", create_database_if_missing = true }):wait()
  T.eq(cat.status.postgres_database, "lua_db", "created and waited for")
  T.eq(tostring(client:get_catalog("lua_cat")), "lakebase.Catalog(catalogs/lua_cat)", "a Catalog object")
  T.eq(cat.update, nil, "a catalog has no update method")
  T.raises(function() client:get_catalog("not valid!") end, "invalid catalog_id", "ids are checked before sending")
  T.raises(function() client:create_catalog("x", { branch = B }) end, "spec.postgres_database is required", "specs too")
  local t = client:create_synced_table("lua_cat.public.orders", { source_table_full_name = "main.src.orders" }):wait()
  T.eq(t.status.project, "projects/cat", "a synced table")
  T.raises(function() client:get_synced_table("two.parts") end, "three%-part", "a synced table id has three parts")
  T.eq(client:get_synced_table("lua_cat.public.orders"):delete():wait(), nil, "deleted")
  cat:delete():wait()
  T.raises(function() client:get_catalog("lua_cat") end, "NOT_FOUND", "the catalog is gone")
end)

T.test("a synced table's initial snapshot reports its progress, as the service's does (ongoing_sync_progress)", function()
  -- The CLI's synced-table acceptance test keeps ongoing_sync_progress out of its golden because it
  -- appears on the cloud right after the deploy (acceptance/bundle/resources/postgres_synced_tables/basic/script).
  local slow = emulator.start { postgres = false, token = "catalog-slow-pat-0123456789", op_latency = 0.6 }
  local ok_, err = pcall(function()
    local sc = Client.new(slow.url, slow.token)
    sc:run("POST", P .. "projects?project_id=slow", {})
    sc:run("POST", P .. "catalogs?catalog_id=slow_cat", { spec = { branch = "projects/slow/branches/production",
      postgres_database = "appdb", create_database_if_missing = true } })
    sc:run("POST", P .. "synced_tables?synced_table_id=slow_cat.public.trips", { spec = {
      source_table_full_name = "main.src.trips", primary_key_columns = { "id" }, scheduling_policy = "SNAPSHOT",
      new_pipeline_spec = { storage_catalog = "main", storage_schema = "pipelines" } } })
    local _, t = sc:call("GET", P .. "synced_tables/slow_cat.public.trips")
    T.eq(t.status.detailed_state, "SYNCED_TABLE_PROVISIONING_INITIAL_SNAPSHOT", "taking the initial snapshot")
    local p = t.status.ongoing_sync_progress
    T.ok(p, "ongoing_sync_progress while the snapshot is taken: " .. lb.json.encode(t.status))
    T.between(p.sync_progress_completion, 0, 1, "sync_progress_completion")
    T.between(p.estimated_completion_time_seconds, 0, 0.6, "estimated_completion_time_seconds")
    lb.sleep(0.7)
    _, t = sc:call("GET", P .. "synced_tables/slow_cat.public.trips")
    T.eq(t.status.detailed_state, "SYNCED_TABLE_ONLINE_NO_PENDING_UPDATE", "online")
    T.eq(t.status.ongoing_sync_progress, nil, "no progress once online with nothing pending")
  end)
  slow:stop()
  if not ok_ then error(err, 0) end
end)

-- Real PostgreSQL: what create_database_if_missing and a synced table make exist in the database.
T.test("with real computes: the database a catalog makes is in Postgres, owned by the caller; a synced table's schema too", function()
  local pg = emulator.start { token = "catalog-pg-pat-0123456789" }
  local ok_, err = pcall(function()
    local client = lb.client { host = pg.url, token = pg.token }
    client:create_project("ucpg", {}):wait()
    local PB = "projects/ucpg/branches/production"
    client:create_catalog("uc_pg", { branch = PB, postgres_database = "ucdb", create_database_if_missing = true }):wait()
    client:create_synced_table("uc_pg.sales.orders", { source_table_full_name = "main.src.orders",
      primary_key_columns = { "id" } }):wait()
    local ep = client:get(PB .. "/endpoints/primary")
    local conn <close> = ep:connect { database = "ucdb" }
    local rows = conn:query("SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'ucdb'")
    T.eq(rows[1] and rows[1].owner, "emulator-user@example.com", "ucdb exists, owned by the caller's role")
    rows = conn:query("SELECT nspname FROM pg_namespace WHERE nspname = 'sales'")
    T.eq(#rows, 1, "the synced table's schema exists")
    rows = conn:query("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'sales'")
    T.eq(#rows, 0, "no table is made (its columns would come from Unity Catalog)")
  end)
  pg:stop()
  if not ok_ then error(err, 0) end
end)

T.run()
emu:stop()
