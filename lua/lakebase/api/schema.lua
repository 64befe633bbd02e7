--- The Lakebase resources as data, shared by the client and the emulator: where each lives, its
-- ID rules, the fields of its spec with their types and ranges, and which are immutable. Both
-- sides validate with the same functions, so they reject the same input in the same words;
-- adding a resource is adding an entry here.
local validate = require "lakebase.api.validate"

local M = {}

local ENDPOINT_TYPES = { "ENDPOINT_TYPE_READ_WRITE", "ENDPOINT_TYPE_READ_ONLY" }
local IDENTITY_TYPES = { "USER", "SERVICE_PRINCIPAL", "GROUP" }
local AUTH_METHODS = { "LAKEBASE_OAUTH_V1", "PG_PASSWORD_SCRAM_SHA_256", "NO_LOGIN" }
local MEMBERSHIP_ROLES = { "DATABRICKS_SUPERUSER" }

local endpoint_settings = {
  autoscaling_limit_min_cu = { type = "number", min = 0.5, max = 64 },
  autoscaling_limit_max_cu = { type = "number", min = 0.5, max = 64 },
  suspend_timeout_duration = { type = "duration", min = 60, max = 604800 },
  pg_settings = { type = "map" },
}

local function cu_range(spec, where)
  local min, max = spec.autoscaling_limit_min_cu, spec.autoscaling_limit_max_cu
  if min and max then
    if max < min then
      return where .. "autoscaling_limit_max_cu (" .. max .. ") must not be less than autoscaling_limit_min_cu (" .. min .. ")"
    end
    if max - min > 16 then
      return where .. "autoscaling_limit_max_cu - autoscaling_limit_min_cu must not exceed 16 (got " .. (max - min) .. ")"
    end
  end
end

M.project = {
  collection = "projects", id_field = "project_id", type_name = "Project", soft_delete = true,
  spec = {
    display_name = { type = "string", min = 1, max = 256 },
    pg_version = { type = "integer", values = { 15, 16, 17 }, immutable = true },
    history_retention_duration = { type = "duration", min = 172800, max = 3024000 },
    default_endpoint_settings = { type = "object", fields = endpoint_settings },
    enable_pg_native_login = { type = "boolean" },
    custom_tags = { type = "array" },
    budget_policy_id = { type = "string" },
    default_branch = { type = "string" },
  },
  check = function(spec)
    return spec.default_endpoint_settings and cu_range(spec.default_endpoint_settings, "spec.default_endpoint_settings.")
  end,
  defaults = function(spec, id)
    spec.display_name = spec.display_name or id
    spec.pg_version = spec.pg_version or 17
    spec.history_retention_duration = spec.history_retention_duration or "604800s"
    spec.default_endpoint_settings = spec.default_endpoint_settings or {}
    local d = spec.default_endpoint_settings
    d.autoscaling_limit_min_cu = d.autoscaling_limit_min_cu or 0.5
    d.autoscaling_limit_max_cu = d.autoscaling_limit_max_cu or 4
    d.suspend_timeout_duration = d.suspend_timeout_duration or "300s"
    if spec.enable_pg_native_login == nil then spec.enable_pg_native_login = false end
  end,
}

M.branch = {
  collection = "branches", id_field = "branch_id", parent_kind = "project", type_name = "Branch",
  soft_delete = true, replace_existing = true,
  spec = {
    source_branch = { type = "string", immutable = true },
    source_branch_lsn = { type = "string", immutable = true },
    source_branch_time = { type = "timestamp", immutable = true },
    is_protected = { type = "boolean" },
    ttl = { type = "duration", min = 0 },
    expire_time = { type = "timestamp" },
    no_expiry = { type = "boolean" },
  },
  check = function(spec, creating)
    local n = (spec.ttl and 1 or 0) + (spec.expire_time and 1 or 0) + (spec.no_expiry and 1 or 0)
    if creating and n == 0 then
      return "a branch needs an expiry policy: exactly one of spec.ttl, spec.expire_time or spec.no_expiry"
    end
    if n > 1 then return "exactly one of spec.ttl, spec.expire_time or spec.no_expiry may be set" end
    if spec.no_expiry == false and n == 1 then
      return "spec.no_expiry must be true when it is the expiry policy"
    end
  end,
}

M.endpoint = {
  collection = "endpoints", id_field = "endpoint_id", parent_kind = "branch", type_name = "Endpoint",
  replace_existing = true,
  spec = {
    endpoint_type = { type = "enum", values = ENDPOINT_TYPES, immutable = true, required = true },
    autoscaling_limit_min_cu = endpoint_settings.autoscaling_limit_min_cu,
    autoscaling_limit_max_cu = endpoint_settings.autoscaling_limit_max_cu,
    suspend_timeout_duration = endpoint_settings.suspend_timeout_duration,
    no_suspension = { type = "boolean" },
    disabled = { type = "boolean" },
    settings = { type = "object", fields = { pg_settings = { type = "map" } } },
    group = { type = "map" },
  },
  check = function(spec) return cu_range(spec, "spec.") end,
}

M.role = {
  collection = "roles", id_field = "role_id", parent_kind = "branch", type_name = "Role",
  id_min = 4, id_optional = true, replace_existing = true,
  spec = {
    postgres_role = { type = "string", min = 1, max = 63, immutable = true },
    identity_type = { type = "enum", values = IDENTITY_TYPES, immutable = true },
    auth_method = { type = "enum", values = AUTH_METHODS },
    membership_roles = { type = "array", values = MEMBERSHIP_ROLES },
    attributes = { type = "object", fields = {
      createdb = { type = "boolean" }, createrole = { type = "boolean" }, bypassrls = { type = "boolean" } } },
  },
  check = function(spec, creating)
    if creating and not spec.postgres_role then return "spec.postgres_role is required" end
  end,
}

M.database = {
  collection = "databases", id_field = "database_id", parent_kind = "branch", type_name = "Database",
  spec = {
    postgres_database = { type = "string", min = 1, max = 63, immutable = true },
    role = { type = "string", min = 1 },
  },
}

--- Kinds by collection name, for routing.
M.by_collection = {}
for kind, def in pairs(M) do
  if type(def) == "table" and def.collection then
    def.kind = kind
    M.by_collection[def.collection] = def
  end
end

--- Checks `value` against field definition `f`; returns nil or the reason (naming `path`).
local function check_field(f, value, path)
  local t = f.type
  local function bad(expected)
    local shown = type(value) == "string" and ("\"" .. value .. "\"") or tostring(value)
    return "invalid value for " .. path .. ": expected " .. expected .. ", got " .. shown
  end
  if t == "string" then
    if type(value) ~= "string" then return bad("a string") end
    if f.min and #value < f.min then return bad("at least " .. f.min .. " characters") end
    if f.max and #value > f.max then return bad("at most " .. f.max .. " characters") end
  elseif t == "boolean" then
    if type(value) ~= "boolean" then return bad("true or false") end
  elseif t == "number" or t == "integer" then
    if type(value) ~= "number" then return bad("a number") end
    if t == "integer" and math.type(value) ~= "integer" and value ~= math.floor(value) then return bad("an integer") end
    if f.min and value < f.min then return bad("a number >= " .. f.min) end
    if f.max and value > f.max then return bad("a number <= " .. f.max) end
    if f.values then
      local ok = false
      for _, v in ipairs(f.values) do if v == value then ok = true end end
      if not ok then return bad("one of " .. table.concat(f.values, ", ")) end
    end
  elseif t == "duration" then
    local secs, why = validate.duration(value)
    if not secs then return "invalid value for " .. path .. ": " .. why end
    if f.min and secs < f.min then return bad("a duration of at least " .. f.min .. "s") end
    if f.max and secs > f.max then return bad("a duration of at most " .. f.max .. "s") end
  elseif t == "timestamp" then
    local secs, why = validate.timestamp(value)
    if not secs then return "invalid value for " .. path .. ": " .. why end
  elseif t == "enum" then
    local ok = false
    for _, v in ipairs(f.values) do if v == value then ok = true end end
    if not ok then return bad("one of " .. table.concat(f.values, ", ")) end
  elseif t == "map" then
    if type(value) ~= "table" then return bad("an object") end
  elseif t == "array" then
    if type(value) ~= "table" then return bad("an array") end
    if f.values then
      for _, item in ipairs(value) do
        local ok = false
        for _, v in ipairs(f.values) do if v == item then ok = true end end
        if not ok then return path .. " may contain only " .. table.concat(f.values, ", ") .. ", got \"" .. tostring(item) .. "\"" end
      end
    end
  elseif t == "object" then
    if type(value) ~= "table" then return bad("an object") end
    for k, v in pairs(value) do
      local sub = f.fields[k]
      if not sub then return "unknown field " .. path .. "." .. tostring(k) end
      local why = check_field(sub, v, path .. "." .. k)
      if why then return why end
    end
  end
  return nil
end
M.check_field = check_field

--- Validates a spec table for resource `def`; returns nil or the reason.
function M.check_spec(def, spec, creating)
  if spec == nil then spec = {} end
  if type(spec) ~= "table" then return "invalid value for spec: expected an object" end
  for k, v in pairs(spec) do
    local f = def.spec[k]
    if not f then return "unknown field spec." .. tostring(k) end
    local why = check_field(f, v, "spec." .. k)
    if why then return why end
  end
  if creating then
    for k, f in pairs(def.spec) do
      if f.required and spec[k] == nil then return "spec." .. k .. " is required" end
    end
  end
  return def.check and def.check(spec, creating) or nil
end

--- Resolves an update-mask path ("spec.display_name") to its field definition, or nil and the reason.
function M.mask_field(def, path)
  local top, rest = path:match("^([%w_]+)%.?(.*)$")
  if top ~= "spec" then
    if top == "name" or top == "uid" or top == "create_time" or top == "update_time" or top == "status"
      or top == "parent" or top == def.id_field then
      return nil, "field " .. path .. " is output only and cannot be updated"
    end
    return nil, "unknown field " .. path .. " in update_mask"
  end
  local name = rest:match("^([%w_]+)")
  local f = name and def.spec[name]
  if not f then return nil, "unknown field " .. path .. " in update_mask" end
  if f.immutable then return nil, "field " .. path .. " is immutable" end
  return f, name
end

return M
