--- The Lakebase resources as data, shared by the client, the commands and the emulator: where each
-- lives, its ID rules, the fields of its spec (types from lakebase.api.fields, names from the
-- generated Databricks SDK models), oneof groups, and what the service does on create and delete.
-- Both sides validate with the same definitions, so they reject the same input in the same words;
-- adding a resource is adding an entry here.
--
-- What a resource answers is its `status` (spec is input only on the service): the emulator
-- derives status (lakebase/emulator/status.lua); the client never relies on `spec` in answers.
--
-- The vocabulary of a definition:
--   collection, id_field   "branches", "branch_id": the resource is COLLECTION/ID under its parent
--   singleton = "data-api" instead: one per parent, named PARENT/data-api, created without an ID
--   implicit = true        a singleton that always exists with its parent (GET never 404s; no
--                          create or delete, only update)
--   parent_kind            the kind it lives under (none: at the top, as projects and catalogs)
--   type_name              "Branch": the answer's @type and its <Kind>OperationMetadata
--   id_check, id_optional, id_prefix (generated IDs), id_default (a field the ID defaults to),
--   id_pattern (the regular expression the service names when it refuses an ID)
--   spec = F.object{...}   the input fields (lakebase.api.fields), with oneofs and `check`
--   top_level = true       those fields are the resource's own (no spec, no status: CDF configs)
--   read_only = true       get and list only (what the service makes: CDF statuses, computes)
--   no_list, no_update     methods the service does not have (catalogs, synced tables)
--   synchronous = true     an update answers with the resource itself, not an Operation
--   omit = {uid=true, ...} fields of the common envelope this kind does not have
--   uid_prefix = "br-"     the service's uids of this kind are prefixed words, not UUIDs
--   create_fields, delete_query, replace_existing, soft_delete, undelete, list_max, deleted_times
--   expires = true         spec's ttl | expire_time | no_expiry group; deleted when it is reached
local F = require "lakebase.api.fields"
local validate = require "lakebase.api.validate"

local M = {}

local ENDPOINT_TYPES = { "ENDPOINT_TYPE_READ_WRITE", "ENDPOINT_TYPE_READ_ONLY" }
local IDENTITY_TYPES = { "USER", "SERVICE_PRINCIPAL", "GROUP" }
local AUTH_METHODS = { "LAKEBASE_OAUTH_V1", "PG_PASSWORD_SCRAM_SHA_256", "NO_LOGIN" }
local MEMBERSHIP_ROLES = { "DATABRICKS_SUPERUSER" }

-- IDs. Projects, branches and endpoints: 1-63 characters, a lowercase letter first, lowercase
-- letters, digits and hyphens, no hyphen last. Roles: 4-63, may end with a hyphen (the service's
-- `[a-z][a-z0-9-]{3,62}`). Databases: the service's `^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`.
local function rfc1123(id) return validate.id_problem(id, 1) end
local function role_id(id)
  if type(id) ~= "string" then return "must be a string" end
  if #id < 4 or #id > 63 then return "must be 4-63 characters long" end
  if not id:match("^[a-z]") then return "must start with a lowercase letter" end
  if id:match("[^a-z0-9-]") then return "may contain only lowercase letters, digits and hyphens" end
end
-- Unity Catalog names: letters, digits, underscores (stored lowercase by UC).
local function uc_name(id)
  if type(id) ~= "string" then return "must be a string" end
  if #id < 1 or #id > 255 then return "must be 1-255 characters long" end
  if id:match("[^%w_%-]") then return "may contain only letters, digits, underscores and hyphens" end
end
local function uc_table(id)
  if type(id) ~= "string" then return "must be a string" end
  local parts = {}
  for p in (id .. "."):gmatch("([^.]*)%.") do parts[#parts + 1] = p end
  if #parts ~= 3 then return "must be a three-part name catalog.schema.table" end
  for _, p in ipairs(parts) do
    local why = uc_name(p)
    if why then return "each part of catalog.schema.table " .. why end
  end
end
local function cdf_id(id)
  if type(id) ~= "string" or not id:match("^[a-z][a-z0-9_]*$") or #id > 63 then
    return "must match [a-z][a-z0-9_]{0,62}"
  end
end
-- PostgreSQL names as the Data API takes them: [a-zA-Z_][a-zA-Z0-9_$]*, 1-63 characters.
local function pg_name(id)
  if type(id) ~= "string" then return "must be a string" end
  if #id < 1 or #id > 63 then return "must be 1-63 characters long" end
  if not id:match("^[%a_][%w_$]*$") then return "must match [a-zA-Z_][a-zA-Z0-9_$]*" end
end
-- Names the service gives (compute instances, CDF statuses' tables): 1-63 characters, no slash.
local function opaque(id)
  if type(id) ~= "string" then return "must be a string" end
  if #id < 1 or #id > 63 then return "must be 1-63 characters long" end
  if id:find("[/%c]") then return "must not contain '/' or control characters" end
end
M.id_checks = { rfc1123 = rfc1123, role = role_id, uc_name = uc_name, uc_table = uc_table, cdf = cdf_id,
  pg_name = pg_name, opaque = opaque }

-- Compute sizes (docs: manage-computes): 0.5 or a whole number of CU; an autoscaling range
-- (min < max) reaches at most 64 CU and spans at most 16; a fixed size (min == max) up to 112.
local function cu_value(v)
  if v ~= 0.5 and v ~= math.floor(v) then return "compute units are 0.5 or a whole number, got " .. v end
end
local function cu_range(spec, where)
  local min, max = spec.autoscaling_limit_min_cu, spec.autoscaling_limit_max_cu
  if not (min and max) then return end
  if max < min then
    return string.format("%sautoscaling_limit_max_cu (%s) must not be less than autoscaling_limit_min_cu (%s)", where, max, min)
  end
  if max > min then
    if max > 64 then return where .. "autoscaling_limit_max_cu must be at most 64 for an autoscaling compute (got " .. max .. "); fixed sizes (min = max) go to 112" end
    if max - min > 16 then
      return where .. "autoscaling_limit_max_cu - autoscaling_limit_min_cu must not exceed 16 (got " .. (max - min) .. ")"
    end
  end
end
local function cu(opts) opts = opts or {} opts.min, opts.max, opts.check = 0.5, 112, cu_value return F.number(opts) end
local function suspension(timeout_field)
  return { members = { timeout_field, "no_suspension" } }
end
local function branch_name_of(what)
  return function(v)
    if not v:match("^projects/[^/]+/branches/[^/]+$") then
      return what .. " must be a branch name such as projects/P/branches/B, got \"" .. v .. "\""
    end
  end
end

local pg_settings = F.map()
local group = F.object {
  min = F.integer { min = 1, required = true }, max = F.integer { min = 1, required = true },
  enable_readable_secondaries = F.boolean(),
}
local function group_check(g, where)
  if g and g.min and g.max and g.min ~= g.max then
    return where .. "group.max must equal group.min (got min " .. g.min .. ", max " .. g.max .. ")"
  end
end

-- A role's spec: a role's own (postgres_role required) and a project's initial_role_spec (the
-- caller's identity when postgres_role is not given).
local function role_spec(required)
  return F.object {
    postgres_role = F.string { min = 1, max = 63, immutable = true, required = required },
    identity_type = F.enum(IDENTITY_TYPES, { immutable = true }),
    auth_method = F.enum(AUTH_METHODS, { immutable = true }),
    membership_roles = F.list(F.enum(MEMBERSHIP_ROLES)),
    attributes = F.object { createdb = F.boolean(), createrole = F.boolean(), bypassrls = F.boolean() },
  }
end

M.project = {
  collection = "projects", id_field = "project_id", type_name = "Project", id_check = rfc1123,
  soft_delete = true, undelete = true, delete_query = { purge = "boolean" }, list_max = 100,
  deleted_times = "top",  -- delete_time and purge_time are fields of the project itself
  spec = F.object {
    display_name = F.string { min = 1, max = 256 },
    pg_version = F.integer { values = { 15, 16, 17, 18 }, immutable = true },
    history_retention_duration = F.duration { min = 172800, max = 3024000 },
    default_endpoint_settings = F.object({
      autoscaling_limit_min_cu = cu(), autoscaling_limit_max_cu = cu(),
      suspend_timeout_duration = F.duration { min = 60, max = 604800 },
      no_suspension = F.boolean { must_be_true = true },
      pg_settings = pg_settings,
    }, { oneofs = { suspension = suspension("suspend_timeout_duration") } }),
    enable_pg_native_login = F.boolean(),
    custom_tags = F.list(F.object { key = F.string { min = 1, max = 256 }, value = F.string { max = 256 } }, { max_items = 50 }),
    budget_policy_id = F.string(),
    -- Which provisioner makes the project's computes [Python SDK]; its values are not documented.
    compute_provisioner = F.string { min = 1 },
    default_branch = F.string { check = branch_name_of("spec.default_branch") },
  },
  -- Fields of the create body beside spec (create only, not stored in the spec).
  create_fields = {
    initial_endpoint_spec = F.object({
      autoscaling_limit_min_cu = cu(), autoscaling_limit_max_cu = cu(), group = group,
      suspend_timeout_duration = F.duration { min = 60, max = 604800 },
      no_suspension = F.boolean { must_be_true = true },
    }, { oneofs = { suspension = suspension("suspend_timeout_duration") } }),
    initial_branch_spec = F.object { is_protected = F.boolean() },
    -- The default branch's first role and database [Python SDK]: the role instead of one for the
    -- caller, a database owned by it.
    initial_role_spec = role_spec(false),
    initial_database_spec = F.object { postgres_database = F.string { min = 1, max = 63 } },
  },
  -- The SDK documents this mask path for the default settings' suspension group (sic); the
  -- emulator also takes the path that follows the field names.
  mask_aliases = { ["spec.project_default_settings.suspension"] = "spec.default_endpoint_settings.suspension" },
  check = function(spec)
    return spec.default_endpoint_settings and cu_range(spec.default_endpoint_settings, "spec.default_endpoint_settings.")
  end,
}

M.branch = {
  collection = "branches", id_field = "branch_id", parent_kind = "project", type_name = "Branch", id_check = rfc1123,
  soft_delete = true, undelete = true, replace_existing = true, expires = true,
  -- allow_missing [Python SDK]: deleting a branch that is not there succeeds and does nothing.
  delete_query = { purge = "boolean", allow_missing = "boolean" },
  uid_prefix = "br-",
  deleted_times = "status",  -- delete_time and purge_time are fields of status
  spec = F.object({
    source_branch = F.string { immutable = true, check = branch_name_of("spec.source_branch") },
    source_branch_lsn = F.string { immutable = true, max = 32, check = function(v)
      if not v:match("^%x+/%x+$") then return "an LSN such as 0/1A2B3C expected, got \"" .. v .. "\"" end
    end },
    source_branch_time = F.timestamp { immutable = true },
    -- A branch restored from a snapshot [Python SDK]: its data comes from there, not a branch.
    source_snapshot = F.string { immutable = true, check = function(v)
      if not v:match("^projects/[^/]+/snapshots/[^/]+$") then
        return "spec.source_snapshot must be a snapshot name such as projects/P/snapshots/S, got \"" .. v .. "\""
      end
    end },
    is_protected = F.boolean(),
    ttl = F.duration { min = 0 },
    expire_time = F.timestamp(),
    no_expiry = F.boolean { must_be_true = true },
  }, { oneofs = { expiration = { members = { "ttl", "expire_time", "no_expiry" }, required = true } } }),
  check = function(spec)
    if spec.source_branch_lsn and spec.source_branch_time then
      return "spec.source_branch_lsn and spec.source_branch_time are mutually exclusive"
    end
    if spec.source_snapshot then
      for _, k in ipairs { "source_branch", "source_branch_lsn", "source_branch_time" } do
        if spec[k] then return "spec.source_snapshot and spec." .. k .. " are mutually exclusive: a restored branch's data comes from the snapshot" end
      end
    end
  end,
}

M.endpoint = {
  collection = "endpoints", id_field = "endpoint_id", parent_kind = "branch", type_name = "Endpoint", id_check = rfc1123,
  replace_existing = true, uid_prefix = "ep-",
  spec = F.object({
    endpoint_type = F.enum(ENDPOINT_TYPES, { immutable = true, required = true }),
    autoscaling_limit_min_cu = cu(), autoscaling_limit_max_cu = cu(),
    suspend_timeout_duration = F.duration { min = 60, max = 604800 },
    no_suspension = F.boolean { must_be_true = true },
    disabled = F.boolean(),
    settings = F.object { pg_settings = pg_settings },
    group = group,
  }, { oneofs = { suspension = suspension("suspend_timeout_duration") } }),
  check = function(spec) return cu_range(spec, "spec.") or group_check(spec.group, "spec.") end,
}

M.role = {
  collection = "roles", id_field = "role_id", parent_kind = "branch", type_name = "Role", id_check = role_id,
  id_optional = true, id_prefix = "role-", replace_existing = true, delete_query = { reassign_owned_to = "string" },
  omit = { uid = true },
  spec = role_spec(true),
}

M.database = {
  collection = "databases", id_field = "database_id", parent_kind = "branch", type_name = "Database",
  id_check = rfc1123, id_pattern = "^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", id_optional = true, id_prefix = "db-", replace_existing = true, omit = { uid = true },
  spec = F.object {
    postgres_database = F.string { min = 1, max = 63, required = true },
    role = F.string { min = 1, required = true },
  },
}

-- A Postgres database registered in Unity Catalog [SDK]: one catalog per database. No list, no
-- update. `branch` is optional in the SDK model, but nothing else says where the database is.
M.catalog = {
  collection = "catalogs", id_field = "catalog_id", type_name = "Catalog", id_check = uc_name,
  no_list = true, no_update = true,
  spec = F.object {
    branch = F.string { required = true, immutable = true, check = branch_name_of("spec.branch") },
    postgres_database = F.string { min = 1, max = 63, required = true, immutable = true },
    create_database_if_missing = F.boolean { immutable = true },
  },
}

local function three_part(what)
  return function(v) return uc_table(v) and (what .. " must be a three-part name catalog.schema.table, got \"" .. v .. "\"") end
end

-- A Unity Catalog table synced into a Postgres table [SDK]; its ID is the destination's
-- catalog.schema.table. No list, no update.
M.synced_table = {
  collection = "synced_tables", id_field = "synced_table_id", type_name = "SyncedTable", id_check = uc_table,
  no_list = true, no_update = true, omit = { update_time = true },
  spec = F.object({
    source_table_full_name = F.string { required = true, immutable = true, check = three_part("spec.source_table_full_name") },
    branch = F.string { immutable = true, check = branch_name_of("spec.branch") },
    postgres_database = F.string { min = 1, max = 63, immutable = true },
    primary_key_columns = F.list(F.string { min = 1 }),
    timeseries_key = F.string { min = 1 },
    scheduling_policy = F.enum { "CONTINUOUS", "SNAPSHOT", "TRIGGERED" },
    create_database_objects_if_missing = F.boolean(),
    accelerated_sync = F.boolean(),
    existing_pipeline_id = F.string { min = 1 },
    new_pipeline_spec = F.object {
      budget_policy_id = F.string(), pipeline_channel = F.enum { "CURRENT", "PREVIEW" },
      storage_catalog = F.string { check = uc_name }, storage_schema = F.string { check = uc_name },
    },
    extra_columns = F.list(F.object {
      column_name = F.string { min = 1, required = true }, column_type = F.string { min = 1, required = true },
      compute = F.string(), maintenance = F.enum { "DEFAULT_VALUE", "STORED_GENERATED" },
    }),
    extra_index_definitions = F.list(F.object {
      name = F.string { min = 1, max = 63, required = true }, definition = F.string { min = 1, required = true },
      creation_point = F.enum { "CREATION_POINT_AFTER_DATA_LOAD" },
    }),
    type_overrides = F.list(F.object {
      column_name = F.string { min = 1, required = true },
      pg_type = F.enum({ "PG_SPECIFIC_TYPE_HALFVEC", "PG_SPECIFIC_TYPE_VARCHAR", "PG_SPECIFIC_TYPE_VECTOR" }, { required = true }),
      size = F.integer { min = 1 },
    }),
  }, { oneofs = { pipeline = { members = { "existing_pipeline_id", "new_pipeline_spec" } } } }),
}

local pg_names = function(opts) opts = opts or {} opts.check = pg_name return F.list(F.string(opts), { max_items = 100 }) end

-- The Data API (PostgREST) of a database [SDK]: at most one, named DATABASE/data-api; create
-- enables it, delete disables it.
M.data_api = {
  singleton = "data-api", parent_kind = "database", type_name = "DataApi", omit = { uid = true },
  spec = F.object {
    db_schemas = pg_names(),
    db_extra_search_path = pg_names(),
    db_anon_role = F.string { check = pg_name },
    db_max_rows = F.integer { min = 1 },
    db_aggregates_enabled = F.boolean(),
    jwt_cache_max_lifetime = F.duration { min = 0 },
    jwt_role_claim_key = F.string { min = 1 },
    openapi_mode = F.enum { "OPEN_API_MODE_DISABLED", "OPEN_API_MODE_IGNORE_PRIVILEGES" },
    server_cors_allowed_origins = F.list(F.string { min = 1 }),
    server_timing_enabled = F.boolean(),
  },
}

-- A change data feed of one Postgres schema into a Unity Catalog schema [SDK]: its fields are its
-- own (no spec, no status) and never change. The ID defaults to the Postgres schema's name.
M.cdf_config = {
  collection = "cdf-configs", id_field = "cdf_config_id", parent_kind = "database", type_name = "CdfConfig",
  id_check = cdf_id, id_optional = true, id_default = "postgres_schema", top_level = true, no_update = true,
  delete_query = { force = "boolean" }, omit = { uid = true, update_time = true, parent = true },
  spec = F.object {
    catalog = F.string { required = true, check = uc_name },
    schema = F.string { required = true, check = uc_name },
    postgres_schema = F.string { required = true, check = pg_name },
  },
}

-- The replication state of one table of a CDF config [SDK], made by the service; named by the
-- table, which is also its `postgres_table`.
M.cdf_status = {
  collection = "cdf-statuses", id_field = "postgres_table", parent_kind = "cdf_config", type_name = "CdfStatus",
  id_check = opaque, read_only = true, top_level = true, omit = { uid = true, update_time = true, parent = true },
  spec = F.object {},
}

local function expiration(required)
  return { members = { "ttl", "expire_time", "no_expiry" }, required = required }
end

-- A point-in-time copy of a branch's data in its project [Python SDK, docs]; every field is
-- immutable. A branch restores it (BranchSpec.source_snapshot).
M.snapshot = {
  collection = "snapshots", id_field = "snapshot_id", parent_kind = "project", type_name = "Snapshot",
  id_check = rfc1123, no_update = true, expires = true, omit = { update_time = true, parent = true },
  spec = F.object({
    source_branch = F.string { required = true, immutable = true, check = branch_name_of("spec.source_branch") },
    source_branch_lsn = F.string { immutable = true, max = 32, check = function(v)
      if not v:match("^%x+/%x+$") then return "an LSN such as 0/1A2B3C expected, got \"" .. v .. "\"" end
    end },
    source_branch_time = F.timestamp { immutable = true },
    ttl = F.duration { min = 0, immutable = true },
    expire_time = F.timestamp { immutable = true },
    no_expiry = F.boolean { must_be_true = true, immutable = true },
  }, { oneofs = { expiration = expiration(false) } }),
  check = function(spec)
    if spec.source_branch_lsn and spec.source_branch_time then
      return "spec.source_branch_lsn and spec.source_branch_time are mutually exclusive"
    end
  end,
}

local hour = F.integer { min = 0, max = 23 }
local DAYS = { "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY" }

-- A branch's automatic snapshot cadences [Python SDK, docs]: one per branch, always there (an
-- empty schedule until set); an update replaces the whole `schedule` and answers with it.
M.snapshot_schedule = {
  singleton = "snapshot-schedule", parent_kind = "branch", type_name = "SnapshotSchedule", implicit = true,
  top_level = true, synchronous = true, omit = { uid = true, create_time = true, update_time = true, parent = true },
  spec = F.object {
    schedule = F.list(F.object({
      daily_schedule = F.object { hour = hour },
      weekly_schedule = F.object { day_of_week = F.enum(DAYS, { required = true }), hour = hour },
      monthly_schedule = F.object { day = F.integer { min = 1, max = 31, required = true }, hour = hour },
      retention = F.duration { min = 3600, required = true },
    }, { oneofs = { cadence = { members = { "daily_schedule", "weekly_schedule", "monthly_schedule" }, required = true } } })),
  },
}

-- The computes running an endpoint [Python SDK], read-only: made and changed through the endpoint.
M.compute_instance = {
  collection = "compute-instances", id_field = "compute_instance_id", parent_kind = "endpoint",
  type_name = "ComputeInstance", id_check = opaque, read_only = true, top_level = true,
  omit = { uid = true, create_time = true, update_time = true, parent = true },
  spec = F.object {},
}

--- Kinds by collection name and singletons by their segment, for routing; every definition learns
-- its kind, its noun in command names ("synced-table") and the key of its listings ("cdf_configs").
M.by_collection = {}
M.singletons = {}
M.kinds = {}
for kind, d in pairs(M) do
  if type(d) == "table" and (d.collection or d.singleton) then
    d.kind = kind
    d.noun = kind:gsub("_", "-")
    d.omit = d.omit or {}
    if d.collection then
      M.by_collection[d.collection] = d
      d.list_key = d.collection:gsub("-", "_")
    else
      M.singletons[d.singleton] = d
    end
    M.kinds[#M.kinds + 1] = kind
  end
end
table.sort(M.kinds)

--- The name of the resource of `def` with `id` under `parent` (nil at the top; singletons take no id).
function M.name_of(def, parent, id)
  if def.singleton then return parent .. "/" .. def.singleton end
  return (parent and (parent .. "/") or "") .. def.collection .. "/" .. tostring(id)
end

--- The path creates and listings of `def` under `parent` go to.
function M.collection_path(def, parent)
  if def.singleton then return parent .. "/" .. def.singleton end
  return (parent and (parent .. "/") or "") .. def.collection
end

--- How messages name the fields of `def`: "spec" (spec.ttl), or the kind for resources whose
-- fields are their own (cdf_config.catalog).
function M.root_path(def) return def.top_level and def.kind or "spec" end

--- Checks a spec for resource `def` and returns the cleaned spec (fields it does not know left
-- out), or nil and the reason. opts.creating: required fields and groups must be there.
-- opts.unknown: a list that receives the paths of unknown fields. opts.lenient_enums: enum
-- values this version does not know pass (the client), else they are refused (the emulator).
function M.check_spec(def, spec, opts)
  opts = opts or {}
  if spec == nil then spec = {} end
  local ctx = { unknown = opts.unknown or {}, lenient_enums = opts.lenient_enums }
  local root = M.root_path(def)
  local clean, err = F.check(def.spec, spec, root, ctx)
  if not clean then return nil, err end
  if opts.creating then
    local missing = F.missing(def.spec, clean, root)
    if #missing > 0 then return nil, table.concat(missing, " and ") .. (#missing > 1 and " are" or " is") .. " required" end
  end
  local why = def.check and def.check(clean, opts.creating)
  if why then return nil, why end
  return clean
end

--- The problem with `id` as an ID of `def`, or nil.
function M.id_problem(def, id)
  return def.id_check(id)
end

return M
