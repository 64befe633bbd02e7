--- What the emulator's resources say about themselves, as the service says it: defaults materialised
-- into the spec when a resource is created or changed (the values the service fills in), and the
-- `status` every answer carries (spec is input only on the service, so answers have no spec).
local validate = require "lakebase.api.validate"
local masks = require "lakebase.api.masks"

local M = {}

local copy = masks.copy

local function array(t)
  return setmetatable(t or {}, require("lakebase.base.json").array_mt)
end

-- Service defaults [live, AWS 2026-06]: a project's computes get 1-1 CU and suspend after a day;
-- history is kept 7 days; branches may grow to 8 TiB.
M.PROJECT_DEFAULTS = { min_cu = 1, max_cu = 1, suspend = "86400s", retention = "604800s", pg_version = 17,
  size_limit = 8 * 1024 * 1024 * 1024 * 1024 }

local function fill_cu(s, dmin, dmax)
  -- A range given half: the other end follows it, so that the default never makes it invalid.
  if s.autoscaling_limit_min_cu == nil and s.autoscaling_limit_max_cu ~= nil then
    s.autoscaling_limit_min_cu = math.min(dmin, s.autoscaling_limit_max_cu)
  end
  s.autoscaling_limit_min_cu = s.autoscaling_limit_min_cu or dmin
  s.autoscaling_limit_max_cu = s.autoscaling_limit_max_cu or math.max(dmax, s.autoscaling_limit_min_cu)
end

--- Fills in what the service fills in when a spec leaves it out. `project` is the record of the
-- project the resource belongs to (nil for a project itself).
function M.defaults(E, kind, spec, id, project)
  local P = M.PROJECT_DEFAULTS
  if kind == "project" then
    spec.display_name = spec.display_name or id
    spec.pg_version = spec.pg_version or P.pg_version
    spec.history_retention_duration = spec.history_retention_duration or P.retention
    if spec.enable_pg_native_login == nil then spec.enable_pg_native_login = false end
    local d = spec.default_endpoint_settings or {}
    spec.default_endpoint_settings = d
    fill_cu(d, P.min_cu, P.max_cu)
    if not d.no_suspension then d.suspend_timeout_duration = d.suspend_timeout_duration or P.suspend end
  elseif kind == "endpoint" then
    local d = project and project.spec.default_endpoint_settings or {}
    fill_cu(spec, d.autoscaling_limit_min_cu or P.min_cu, d.autoscaling_limit_max_cu or P.max_cu)
    if not spec.no_suspension and not spec.suspend_timeout_duration then
      if d.no_suspension then spec.no_suspension = true
      else spec.suspend_timeout_duration = d.suspend_timeout_duration or P.suspend end
    end
    spec.group = spec.group or { min = 1, max = 1 }
    if spec.disabled == nil then spec.disabled = false end
  elseif kind == "branch" then
    if spec.is_protected == nil then spec.is_protected = false end
  elseif kind == "role" then
    -- auth_method follows the identity when left out [SDK, live]: managed identities sign in with
    -- OAuth tokens (groups too, per the SDK), plain Postgres roles with passwords.
    if not spec.auth_method then
      spec.auth_method = spec.identity_type and "LAKEBASE_OAUTH_V1" or "PG_PASSWORD_SCRAM_SHA_256"
    end
  elseif kind == "data_api" then
    -- The SDK's documented defaults.
    spec.db_schemas = spec.db_schemas or array { "public" }
    if spec.db_aggregates_enabled == nil then spec.db_aggregates_enabled = true end
    spec.jwt_role_claim_key = spec.jwt_role_claim_key or ".sub"
    spec.db_anon_role = spec.db_anon_role or "anonymous"
  elseif kind == "synced_table" then
    -- "Defaults to true if omitted" [SDK].
    if spec.create_database_objects_if_missing == nil then spec.create_database_objects_if_missing = true end
  end
  return spec
end

-- The expiry a branch's spec gives, as a timestamp (nil: never).
local function expire_time_of(spec, created)
  if spec.ttl then return validate.format_time(created + validate.duration(spec.ttl)) end
  return spec.expire_time
end
M.expire_time_of = expire_time_of

--- The full name of a project's default branch (cheap: a branch's status and every branch create
-- need it, where deriving the project's whole status would walk all its branches).
function M.default_branch_of(project)
  return project.spec.default_branch or (project.name .. "/branches/" .. ((project.runtime or {}).root_branch or "production"))
end

local derive = {}

-- When a project's computes were last active, given once none of them is: a project whose compute
-- runs answers without it [live: the CLI's recorded GETs of fresh projects].
local function last_active(E, project)
  local last
  for _, b in ipairs(E.store:children(project.name, "branch")) do
    for _, ep in ipairs(E.store:children(b.name, "endpoint")) do
      local rt = ep.runtime or {}
      if rt.state == "ACTIVE" then return nil end
      for _, t in ipairs { rt.last_active_time or "", rt.suspend_time or "" } do
        if t ~= "" and (not last or t > last) then last = t end
      end
    end
  end
  return last
end

function derive.project(E, rec, s)
  local spec = rec.spec
  for _, k in ipairs { "display_name", "pg_version", "history_retention_duration", "enable_pg_native_login",
    "budget_policy_id", "compute_provisioner" } do s[k] = copy(spec[k]) end
  s.custom_tags = spec.custom_tags and #spec.custom_tags > 0 and array(copy(spec.custom_tags)) or nil
  s.default_endpoint_settings = copy(spec.default_endpoint_settings)
  s.project_id = rec.id
  s.owner = (rec.runtime or {}).owner or E.opts.user
  s.default_branch = M.default_branch_of(rec)
  s.branch_logical_size_limit_bytes = M.PROJECT_DEFAULTS.size_limit
  s.synthetic_storage_size_bytes = (rec.runtime or {}).storage_bytes or 0
  s.compute_last_active_time = last_active(E, rec)
end

function derive.branch(E, rec, s)
  local spec, rt = rec.spec, rec.runtime or {}
  local project = E.store.resources[rec.parent]
  s.branch_id = rec.id
  s.current_state = rt.state or "INIT"
  s.pending_state = rt.pending_state
  s.state_change_time = rt.state_change_time or rec.create_time
  s.default = project ~= nil and M.default_branch_of(project) == rec.name
  s.is_protected = spec.is_protected or false
  s.logical_size_bytes = rt.size_bytes or 0
  s.expire_time = expire_time_of(spec, rt.created_at or E.clock())
  -- A branch made from another always says from where and from which moment [live].
  s.source_branch = spec.source_branch
  s.source_branch_lsn = spec.source_branch and (spec.source_branch_lsn or rt.source_lsn) or nil
  s.source_branch_time = spec.source_branch and (spec.source_branch_time or rec.create_time) or nil
  s.source_snapshot = spec.source_snapshot
  s.delete_time, s.purge_time = rec.delete_time, rec.purge_time
end

function derive.endpoint(E, rec, s)
  local spec, rt = rec.spec, rec.runtime or {}
  for _, k in ipairs { "endpoint_type", "autoscaling_limit_min_cu", "autoscaling_limit_max_cu",
    "suspend_timeout_duration", "no_suspension", "disabled" } do s[k] = copy(spec[k]) end
  s.endpoint_id = rec.id
  s.settings = copy(spec.settings) or {}
  local g = spec.group or { min = 1, max = 1 }
  s.group = { min = g.min, max = g.max, enable_readable_secondaries = g.enable_readable_secondaries or false }
  s.current_state = rt.state or "INIT"
  s.pending_state = rt.pending_state
  s.last_active_time = rt.last_active_time
  if rt.port then
    -- hosts.port is the emulator's own: its computes listen on local ports, the service's on 5432.
    local host = E.opts.pg_host
    -- The SDK says the pooled host is always there (read_write_ for a read-write endpoint,
    -- read_only_ for a replica); the emulator has no PgBouncer, so it names the same relay.
    s.hosts = spec.endpoint_type == "ENDPOINT_TYPE_READ_ONLY"
      and { host = host, read_only_host = host, read_only_pooled_host = host, port = rt.port }
      or { host = host, read_write_pooled_host = host, port = rt.port }
  else
    s.hosts = nil
  end
end

function derive.role(_, rec, s)
  local spec = rec.spec
  s.role_id = rec.id
  s.postgres_role = spec.postgres_role
  s.identity_type = spec.identity_type or "IDENTITY_TYPE_UNSPECIFIED"
  s.auth_method = spec.auth_method
  s.membership_roles = spec.membership_roles and #spec.membership_roles > 0 and array(copy(spec.membership_roles)) or nil
  local a = spec.attributes or {}
  s.attributes = { createdb = a.createdb or false, createrole = a.createrole or false, bypassrls = a.bypassrls or false }
end

function derive.database(_, rec, s)
  s.database_id = rec.id
  s.postgres_database = rec.spec.postgres_database
  s.role = rec.spec.role
end

local function project_of_branch(branch) return branch and branch:match("^(projects/[^/]+)/") end

function derive.catalog(_, rec, s)
  s.branch = rec.spec.branch
  s.postgres_database = rec.spec.postgres_database
  s.project = project_of_branch(rec.spec.branch)
end

-- A synced table is provisioned by its create operation, then comes online [SDK states]: no data
-- moves (there is no Unity Catalog behind the emulator), which its message says.
local ONLINE = { CONTINUOUS = "SYNCED_TABLE_ONLINE_CONTINUOUS_UPDATE", TRIGGERED = "SYNCED_TABLE_ONLINE_NO_PENDING_UPDATE",
  SNAPSHOT = "SYNCED_TABLE_ONLINE_NO_PENDING_UPDATE" }
function derive.synced_table(E, rec, s)
  local spec, rt = rec.spec, rec.runtime or {}
  s.project = project_of_branch(spec.branch)
  s.pipeline_id = rt.pipeline_id
  if not rt.online_at then
    s.detailed_state = "SYNCED_TABLE_PROVISIONING_PIPELINE_RESOURCES"
    s.unity_catalog_provisioning_state = "PROVISIONING"
    s.message = "Provisioning the synced table's pipeline resources."
  elseif E.clock() < rt.online_at then
    s.detailed_state = "SYNCED_TABLE_PROVISIONING_INITIAL_SNAPSHOT"
    s.unity_catalog_provisioning_state = "ACTIVE"
    s.provisioning_phase = "PROVISIONING_PHASE_MAIN"
    -- How far the snapshot has got [live: shown right after a create; no rows to count here].
    local from = rt.snapshot_from or E.clock()
    s.ongoing_sync_progress = { estimated_completion_time_seconds = rt.online_at - E.clock(),
      sync_progress_completion = math.min(0.99, (E.clock() - from) / math.max(rt.online_at - from, 1e-3)) }
    s.message = "Taking the initial snapshot of the source table."
  else
    s.detailed_state = ONLINE[spec.scheduling_policy] or "SYNCED_TABLE_ONLINE"
    s.unity_catalog_provisioning_state = "ACTIVE"
    s.message = "Online (emulated: no rows are synchronised, as there is no Unity Catalog source table)."
  end
end

function derive.data_api(E, rec, s)
  for k, v in pairs(copy(rec.spec)) do
    if type(v) ~= "table" or #v > 0 then s[k] = v end  -- empty lists are left out
  end
  s.available_schemas = rec.runtime and rec.runtime.available_schemas and array(copy(rec.runtime.available_schemas))
  -- Served by the emulator, which answers that it does not emulate PostgREST.
  s.url = E.url and (E.url .. "/api/2.0/data-api/" .. rec.parent) or nil
end

function derive.cdf_status(_, rec, s)
  local rt = rec.runtime or {}
  s.state, s.status_detail = rt.state, rt.status_detail
  s.uc_table, s.committed_lsn, s.last_sync_time = rt.uc_table, rt.committed_lsn, rt.last_sync_time
end

function derive.snapshot(E, rec, s)
  local spec, rt = rec.spec, rec.runtime or {}
  s.source_branch = spec.source_branch
  s.expire_time = expire_time_of(spec, rt.created_at or E.clock())
  s.no_expiry = s.expire_time == nil or nil
  s.full_size_bytes = rt.size_bytes
end

-- A compute instance is the endpoint's compute, as the endpoint reports it.
local INSTANCE_STATE = { INIT = "INIT", ACTIVE = "ACTIVE", IDLE = "IDLE", DEGRADED = "ACTIVE" }
function derive.compute_instance(E, rec, s)
  local ep = E.store:get(rec.parent, true)
  local rt = ep and ep.runtime or {}
  s.compute_host = E.opts.pg_host
  s.current_state = INSTANCE_STATE[rt.state or "INIT"]
  s.pending_state = rt.pending_state and INSTANCE_STATE[rt.pending_state]
  s.role = ep and ep.spec.endpoint_type == "ENDPOINT_TYPE_READ_ONLY" and "READ_ONLY" or "READ_WRITE"
  s.start_time, s.suspend_time = rt.start_time, rt.suspend_time
end

--- Recomputes rec.status from its spec and runtime state.
function M.refresh(E, rec)
  local s = {}
  local fn = derive[rec.kind]
  if fn then fn(E, rec, s) end
  rec.status = s
  return s
end

return M
