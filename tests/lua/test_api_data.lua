-- The Data API and CDF configs and statuses (section 1 of ../shared/lakebase-fidelity.md, rows
-- 36-45): the emulator over the wire with simulated computes for the API's shape and rules, then
-- with real PostgreSQL for what it reads from the database (the schemas a Data API can expose, the
-- tables a CDF config replicates); and the Lua client's methods for them.
local T = require "testlib"
local Client = require "emu_client"
local emulator = require "lakebase.emulator"
local lb = lakebase
local P = "/api/2.0/postgres/"

local emu = emulator.start { postgres = false, token = "data-pat-0123456789", op_latency = 0.02 }
local c = Client.new(emu.url, emu.token)
local B = "projects/dat/branches/production"
local D = B .. "/databases/appdb"

local get, ok, refused = c:helpers(T)

ok("POST", "projects?project_id=dat", {})
ok("POST", B .. "/databases?database_id=appdb", { spec = { postgres_database = "appdb", role = B .. "/roles/emulator-user-example-com" } })

T.test("the Data API is DATABASE/data-api, created without an ID, with the SDK's defaults in status", function()
  refused("GET", D .. "/data-api", nil, 404, "NOT_FOUND", "Data API id not found", "none before it is created")
  local status, op = c:call("POST", P .. D .. "/data-api", { spec = {} })
  T.eq(status, 200, "create answers an operation")
  T.eq(op.metadata["@type"], "type.googleapis.com/databricks.postgres.v1.DataApiOperationMetadata", "metadata type")
  T.ok(op.name:find(D .. "/data-api/operations/", 1, true) == 1, "named under the Data API: " .. op.name)
  op = c:wait(op)
  T.eq(op.response["@type"], "type.googleapis.com/databricks.postgres.v1.DataApi", "response type")
  local api = get(D .. "/data-api")
  T.eq(api.name, D .. "/data-api", "name") T.eq(api.parent, D, "parent")
  T.eq(api.spec, nil, "no spec") T.eq(api.uid, nil, "no uid")
  local s = api.status
  T.eq(#s.db_schemas, 1, "one schema") T.eq(s.db_schemas[1], "public", "db_schemas default [\"public\"]")
  T.eq(s.db_aggregates_enabled, true, "aggregates on") T.eq(s.jwt_role_claim_key, ".sub", "role claim .sub")
  T.eq(s.db_anon_role, "anonymous", "anonymous role")
  T.ok(type(s.url) == "string" and s.url:find("^http"), "a url")
  refused("POST", D .. "/data-api", { spec = {} }, 409, "ALREADY_EXISTS", "already exists", "a second one")
  refused("POST", B .. "/databases/nodb/data-api", { spec = {} }, 404, "NOT_FOUND", "database id not found", "no database")
end)

T.test("update_mask changes what it names; bad values are refused", function()
  local api = ok("PATCH", D .. "/data-api?update_mask=spec.db_max_rows,spec.server_cors_allowed_origins",
    { spec = { db_max_rows = 100, server_cors_allowed_origins = { "*" }, db_anon_role = "ignored" } })
  T.eq(api.status.db_max_rows, 100, "db_max_rows") T.eq(api.status.server_cors_allowed_origins[1], "*", "origins")
  T.eq(api.status.db_anon_role, "anonymous", "a field outside the mask is ignored")
  T.eq(api.status.db_schemas[1], "public", "the rest stays")
  api = ok("PATCH", D .. "/data-api?update_mask=spec.db_schemas", { spec = { db_schemas = { "public", "api_v1" } } })
  T.eq(api.status.db_schemas[2], "api_v1", "schemas replaced")
  refused("PATCH", D .. "/data-api?update_mask=spec.db_schemas", { spec = { db_schemas = { "1bad" } } }, 400,
    "INVALID_PARAMETER_VALUE", "spec.db_schemas%[0%]", "a schema name that is not a Postgres name")
  refused("PATCH", D .. "/data-api?update_mask=spec.db_max_rows", { spec = { db_max_rows = 0 } }, 400,
    "INVALID_PARAMETER_VALUE", "db_max_rows", "a non-positive row limit")
  refused("PATCH", D .. "/data-api?update_mask=spec.openapi_mode", { spec = { openapi_mode = "FOLLOW_PRIVILEGES" } }, 400,
    "INVALID_PARAMETER_VALUE", "OPEN_API_MODE_DISABLED", "an unknown openapi_mode")
  local many = {}
  for i = 1, 101 do many[i] = "s" .. i end
  refused("PATCH", D .. "/data-api?update_mask=spec.db_schemas", { spec = { db_schemas = many } }, 400,
    "INVALID_PARAMETER_VALUE", "at most 100", "more than 100 schemas")
end)

T.test("the URL in a Data API's status is answered 501: the emulator has no PostgREST", function()
  local url = get(D .. "/data-api").status.url
  local status, _, body = lb.http.request { url = url .. "/items", headers = { Authorization = "Bearer " .. emu.token } }
  T.eq(status, 501, "501")
  T.ok(lb.json.decode(body).message:find("does not serve the Data API"), "and says why")
end)

T.test("a CDF config's fields are its own (no spec, no status); its ID defaults to the Postgres schema", function()
  local status, op = c:call("POST", P .. D .. "/cdf-configs", { catalog = "main", schema = "cdc", postgres_schema = "app" })
  T.eq(status, 200, "create answers an operation " .. lb.json.encode(op))
  T.eq(op.metadata["@type"], "type.googleapis.com/databricks.postgres.v1.CdfConfigOperationMetadata", "metadata type")
  op = c:wait(op)
  local cfg = get(D .. "/cdf-configs/app")
  T.eq(cfg.name, D .. "/cdf-configs/app", "named by its Postgres schema") T.eq(cfg.cdf_config_id, "app", "cdf_config_id")
  T.eq(cfg.catalog, "main", "catalog") T.eq(cfg.schema, "cdc", "schema") T.eq(cfg.postgres_schema, "app", "postgres_schema")
  T.eq(cfg.spec, nil, "no spec") T.eq(cfg.status, nil, "no status") T.eq(cfg.uid, nil, "no uid")
  T.eq(cfg.update_time, nil, "no update_time") T.ok(cfg.create_time, "create_time")
  local named = ok("POST", D .. "/cdf-configs?cdf_config_id=billing_feed", { catalog = "main", schema = "billing",
    postgres_schema = "Billing" })
  T.eq(named.cdf_config_id, "billing_feed", "an explicit ID")
  local list = get(D .. "/cdf-configs")
  T.eq(#list.cdf_configs, 2, "listed under cdf_configs")
end)

T.test("CDF configs: ID pattern, one per Postgres schema, required fields, immutable, delete with force", function()
  refused("POST", D .. "/cdf-configs?cdf_config_id=Bad-Id", { catalog = "main", schema = "x", postgres_schema = "x" }, 400,
    "INVALID_PARAMETER_VALUE", "%[a%-z%]%[a%-z0%-9_%]{0,62}", "an ID outside the pattern")
  refused("POST", D .. "/cdf-configs?cdf_config_id=other", { catalog = "main", schema = "x", postgres_schema = "app" }, 409,
    "ALREADY_EXISTS", "already has a CDF config", "a second config for a schema")
  refused("POST", D .. "/cdf-configs", { catalog = "main", postgres_schema = "y" }, 400, "INVALID_PARAMETER_VALUE",
    "Field 'cdf_config.schema' is required", "no UC schema")
  refused("PATCH", D .. "/cdf-configs/app", { catalog = "other" }, 405, "BAD_REQUEST", "cannot be updated", "update")
  refused("DELETE", D .. "/cdf-configs/app?force=maybe", nil, 400, "INVALID_PARAMETER_VALUE", "force", "a force that is not a boolean")
  local op = c:run("DELETE", P .. D .. "/cdf-configs/billing_feed?force=true")
  T.eq(op.response["@type"], "type.googleapis.com/google.protobuf.Empty", "deleted with force")
  refused("GET", D .. "/cdf-configs/billing_feed", nil, 404, "NOT_FOUND", "CDF config id not found", "gone")
end)

T.test("CDF statuses are read-only; with simulated computes there are no tables, so none", function()
  local _, _, _, text = c:call("GET", P .. D .. "/cdf-configs/app/cdf-statuses")
  T.eq(text, "{}", "an empty list leaves its array out")
  refused("POST", D .. "/cdf-configs/app/cdf-statuses", {}, 405, "BAD_REQUEST", "cannot be created", "create")
  refused("DELETE", D .. "/cdf-configs/app/cdf-statuses/items", nil, 405, "BAD_REQUEST", "cannot be deleted", "delete")
  refused("GET", D .. "/cdf-configs/app/cdf-statuses/items", nil, 404, "NOT_FOUND", "CDF status id not found", "no such table")
end)

T.test("the Lua client: database:create_data_api, get_data_api, update; create_cdf_config with a default ID", function()
  local client = lb.client { host = emu.url, token = emu.token }
  ok("POST", B .. "/databases?database_id=luadb", { spec = { postgres_database = "luadb", role = B .. "/roles/emulator-user-example-com" } })
  local db = client:get(B .. "/databases/luadb")
  local api = db:create_data_api { db_schemas = { "public" } }:wait()
  T.eq(tostring(api), "lakebase.DataApi(" .. B .. "/databases/luadb/data-api)", "a DataApi object")
  api = db:get_data_api():update { db_max_rows = 5 }:wait()
  T.eq(api.status.db_max_rows, 5, "updated through the object")
  local cfg = db:create_cdf_config(nil, { catalog = "main", schema = "cdc", postgres_schema = "public" }):wait()
  T.eq(cfg.name, B .. "/databases/luadb/cdf-configs/public", "the ID the service chose")
  T.eq(cfg.update, nil, "a CDF config has no update method")
  local n = 0
  for _ in db:cdf_configs() do n = n + 1 end
  T.eq(n, 1, "db:cdf_configs()")
  T.raises(function() db:create_cdf_config("Bad", { catalog = "m", schema = "s", postgres_schema = "p" }) end,
    "invalid cdf_config_id", "an ID outside the pattern is refused before sending")
  T.raises(function() cfg:delete { purge = true } end, "takes no option 'purge'", "delete options follow the kind")
  cfg:delete { force = true }:wait()
  api:delete():wait()
  T.raises(function() db:get_data_api() end, "NOT_FOUND", "the Data API is gone")
end)

T.test("deleting a database takes its Data API and CDF configs with it", function()
  ok("POST", B .. "/databases?database_id=shortlived", { spec = { postgres_database = "shortlived",
    role = B .. "/roles/emulator-user-example-com" } })
  local SD = B .. "/databases/shortlived"
  ok("POST", SD .. "/data-api", { spec = {} })
  ok("POST", SD .. "/cdf-configs", { catalog = "main", schema = "s", postgres_schema = "public" })
  ok("DELETE", SD)
  ok("POST", B .. "/databases?database_id=shortlived", { spec = { postgres_database = "shortlived",
    role = B .. "/roles/emulator-user-example-com" } })
  refused("GET", SD .. "/data-api", nil, 404, "NOT_FOUND", nil, "the recreated database has no Data API")
  local _, _, _, text = c:call("GET", P .. SD .. "/cdf-configs")
  T.eq(text, "{}", "and no CDF configs")
end)

-- Real PostgreSQL: the schemas and tables the Data API and CDF configs read from the database.
T.test("with real computes: available_schemas and CDF statuses follow the database's real schemas and tables", function()
  local pg = emulator.start { token = "data-pg-pat-0123456789" }
  local pc = Client.new(pg.url, pg.token)
  local ok_, err = pcall(function()
    local client = lb.client { host = pg.url, token = pg.token }
    client:create_project("dpg", {}):wait()
    local PB = "projects/dpg/branches/production"
    local db = client:get(PB):create_database("shop", { postgres_database = "shop", role = PB .. "/roles/emulator-user-example-com" }):wait()
    local conn <close> = client:get(PB .. "/endpoints/primary"):connect { database = "shop" }
    conn:query("CREATE SCHEMA app")
    conn:query("CREATE TABLE app.orders (id int PRIMARY KEY, total numeric)")
    conn:query("CREATE TABLE app.customers (id int PRIMARY KEY, name text)")
    local api = db:create_data_api {}:wait()
    local schemas = table.concat(api.status.available_schemas, ",")
    T.eq(schemas, "app,public", "available_schemas are the database's own")
    local cfg = db:create_cdf_config(nil, { catalog = "main", schema = "cdc", postgres_schema = "app" }):wait()
    local function statuses()
      local out = {}
      for s in cfg:cdf_statuses() do out[s.postgres_table] = s end
      return out
    end
    local first = statuses()
    T.ok(first.orders and first.customers, "one status per table")
    T.eq(first.orders.name, cfg.name .. "/cdf-statuses/orders", "named by the table")
    T.eq(first.orders.uc_table, "main.cdc.orders", "uc_table")
    local later = statuses()
    T.eq(later.orders.state, "CDF_STATE_STREAMING", "streaming once snapshotted")
    T.ok(tostring(later.orders.committed_lsn):match("^%x+/%x+$"), "a committed LSN: " .. tostring(later.orders.committed_lsn))
    T.ok(later.orders.last_sync_time, "last_sync_time")
    conn:query("DROP TABLE app.customers")
    conn:query("CREATE TABLE app.invoices (id int PRIMARY KEY)")
    local now = statuses()
    T.eq(now.customers.state, "CDF_STATE_TERMINATED", "a dropped table is terminated")
    T.ok(now.customers.status_detail:find("no longer exists"), "with the reason")
    T.eq(now.invoices.state, "CDF_STATE_SNAPSHOTTING", "a new table is picked up")
    local status, one = pc:call("GET", P .. cfg.name .. "/cdf-statuses/invoices")
    T.eq(status, 200, "GET one status") T.eq(one.postgres_table, "invoices", "postgres_table")
  end)
  pg:stop()
  if not ok_ then error(err, 0) end
end)

T.run()
emu:stop()
