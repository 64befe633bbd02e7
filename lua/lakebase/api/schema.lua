--- The Lakebase resources as data, shared by the client, the commands and the emulator: where each
-- lives, its ID rules, the fields of its spec (types from lakebase.api.fields, names from the
-- generated Databricks SDK models), oneof groups, and what the service does on create and delete.
-- Both sides validate with the same definitions, so they reject the same input in the same words;
-- adding a resource is adding an entry here.
--
-- What a resource answers is its `status` (spec is input only on the service): the emulator
-- derives status (lakebase/emulator/status.lua); the client never relies on `spec` in answers.
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
M.id_checks = { rfc1123 = rfc1123, role = role_id, uc_name = uc_name, uc_table = uc_table, cdf = cdf_id }

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
  soft_delete = true, undelete = true, replace_existing = true, delete_query = { purge = "boolean" },
  deleted_times = "status",  -- delete_time and purge_time are fields of status
  spec = F.object({
    source_branch = F.string { immutable = true, check = branch_name_of("spec.source_branch") },
    source_branch_lsn = F.string { immutable = true, max = 32, check = function(v)
      if not v:match("^%x+/%x+$") then return "an LSN such as 0/1A2B3C expected, got \"" .. v .. "\"" end
    end },
    source_branch_time = F.timestamp { immutable = true },
    is_protected = F.boolean(),
    ttl = F.duration { min = 0 },
    expire_time = F.timestamp(),
    no_expiry = F.boolean { must_be_true = true },
  }, { oneofs = { expiration = { members = { "ttl", "expire_time", "no_expiry" }, required = true } } }),
  check = function(spec)
    if spec.source_branch_lsn and spec.source_branch_time then
      return "spec.source_branch_lsn and spec.source_branch_time are mutually exclusive"
    end
  end,
}

M.endpoint = {
  collection = "endpoints", id_field = "endpoint_id", parent_kind = "branch", type_name = "Endpoint", id_check = rfc1123,
  replace_existing = true,
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
  no_uid = true,
  spec = F.object {
    postgres_role = F.string { min = 1, max = 63, immutable = true, required = true },
    identity_type = F.enum(IDENTITY_TYPES, { immutable = true }),
    auth_method = F.enum(AUTH_METHODS),
    membership_roles = F.list(F.enum(MEMBERSHIP_ROLES)),
    attributes = F.object { createdb = F.boolean(), createrole = F.boolean(), bypassrls = F.boolean() },
  },
}

M.database = {
  collection = "databases", id_field = "database_id", parent_kind = "branch", type_name = "Database",
  id_check = rfc1123, id_optional = true, id_prefix = "db-", replace_existing = true, no_uid = true,
  spec = F.object {
    postgres_database = F.string { min = 1, max = 63, required = true },
    role = F.string { min = 1, required = true },
  },
}

--- Kinds by collection name, for routing; every definition learns its kind.
M.by_collection = {}
M.kinds = {}
for kind, d in pairs(M) do
  if type(d) == "table" and d.collection then
    d.kind = kind
    M.by_collection[d.collection] = d
    M.kinds[#M.kinds + 1] = kind
  end
end
table.sort(M.kinds)

--- Checks a spec for resource `def` and returns the cleaned spec (fields it does not know left
-- out), or nil and the reason. opts.creating: required fields and groups must be there.
-- opts.unknown: a list that receives the paths of unknown fields. opts.lenient_enums: enum
-- values this version does not know pass (the client), else they are refused (the emulator).
function M.check_spec(def, spec, opts)
  opts = opts or {}
  if spec == nil then spec = {} end
  local ctx = { unknown = opts.unknown or {}, lenient_enums = opts.lenient_enums }
  local clean, err = F.check(def.spec, spec, "spec", ctx)
  if not clean then return nil, err end
  if opts.creating then
    local missing = F.missing(def.spec, clean, "spec")
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
