--- The one-line commands of `lakebase postgres`, generated from the resource schema (the same
-- definitions the client and the emulator use), named and shaped like the Databricks CLI's
-- `databricks postgres` group: create-KIND, get-KIND, list-COLLECTION, update-KIND, delete-KIND
-- as the API has them for each kind (catalogs are not listed, CDF statuses only read),
-- undelete-KIND for kinds the service restores, plus get-operation and
-- generate-database-credential.
--
-- Each command: name, args (positional names, an optional one ends in "?"), flags it accepts,
-- help, and run(client, a) where `a` holds the positional values by name and the flags; run
-- returns what to print (a resource, a list, an Operation when not waiting) or nil.
local schema = require "lakebase.api.schema"
local resource = require "lakebase.api.resource"
local names = require "lakebase.api.names"
local validate = require "lakebase.api.validate"

local M = {}

-- Columns of the text table printed by list commands.
local COLUMNS = {
  project = { "name", "status.display_name", "status.pg_version", "status.default_branch" },
  branch = { "name", "status.current_state", "status.default", "status.source_branch", "status.expire_time" },
  endpoint = { "name", "status.endpoint_type", "status.current_state", "status.hosts.host", "status.hosts.port" },
  role = { "name", "status.postgres_role", "status.identity_type", "status.auth_method" },
  database = { "name", "status.postgres_database", "status.role" },
  cdf_config = { "name", "catalog", "schema", "postgres_schema" },
  cdf_status = { "name", "state", "uc_table", "committed_lsn", "last_sync_time" },
  snapshot = { "name", "status.source_branch", "status.expire_time", "status.full_size_bytes" },
  compute_instance = { "name", "role", "current_state", "compute_host", "start_time" },
}
M.COLUMNS = COLUMNS

local ORDER = { "project", "branch", "endpoint", "role", "database", "catalog", "synced_table", "data_api",
  "cdf_config", "cdf_status", "snapshot", "snapshot_schedule", "compute_instance" }

-- Command shapes of the Databricks CLI that the schema does not say: create-cdf-config takes its
-- fields as arguments (PARENT CATALOG SCHEMA POSTGRES_SCHEMA, or PARENT and --json) and its ID only
-- as --cdf-config-id; delete-cdf-config takes --force.
local FIELD_ARGS = { cdf_config = { "catalog", "schema", "postgres_schema" } }
local ID_ONLY_AS_FLAG = { cdf_config = true }
-- The Databricks CLI names these IDs with a flag (create-role PARENT --role-id R); lakebase also
-- takes them as the argument after PARENT.
local ID_AS_FLAG = { role = true, database = true }

local words, article = names.display, names.with_article

-- Waits for op unless --no-wait; returns what the command prints. An operation already done with
-- its resource in hand (an update the service answers at once) prints the resource.
local function finish(op, a)
  if a.no_wait and not op.resource then return op end
  return op:wait { timeout = a.timeout }
end

-- The --json body of a create or update of `def`, its values converted to the fields' types as the
-- Databricks CLI converts them ("17" for an integer; cli/json_body.lua).
local function body_of(a, def)
  local body = a.json or {}
  if type(body) ~= "table" then error({ usage = "--json must be a JSON object" }, 0) end
  return require("lakebase.cli.json_body").resource_body(def, body)
end

--- Checks that `name` is the resource name of a `kind` (projects/P/branches/B for a branch, ...),
-- with IDs an existing resource may have (also the service's generated ones, such as a UUID
-- project ID); returns it or raises a "bad argument" message.
function M.check_name(name, kind)
  local def = names.parse(name, true)
  if not def or def.kind ~= kind then
    error(string.format("bad argument #1 to '%s' (%s name such as %s expected, got \"%s\")", kind, article(kind),
      names.shape(kind), tostring(name)), 0)
  end
  return name
end

local function add(cmd)
  M[#M + 1] = cmd
  M[cmd.name] = cmd
end

local function usage(msg) error({ usage = msg }, 0) end

-- The ID a create command got, from its argument or its --ID flag (both: they must agree).
local function create_id(def, a, id_arg)
  local positional, flag = a[id_arg], a[def.id_field]
  if positional and flag and positional ~= flag then
    usage(string.format("%s '%s' and --%s '%s' differ: give the ID once", id_arg, positional,
      def.id_field:gsub("_", "-"), flag))
  end
  return positional or flag
end

-- The flag names given, without the nils (flags a kind does not have).
local function flag_list(...)
  local t = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if v then t[#t + 1] = v end
  end
  return t
end

for _, kind in ipairs(ORDER) do
  local def = schema[kind]
  local noun = def.noun
  local parent_arg = def.parent_kind and "PARENT" or nil
  local id_arg = def.id_field and def.id_field:upper()
  local parent_help = def.parent_kind and (" under PARENT (" .. names.shape(def.parent_kind) .. ")") or ""
  local fields = {}
  for f in pairs(def.spec.fields) do fields[#fields + 1] = f end
  table.sort(fields)
  -- The fields, named in --help (the skills in Databricks' repositories send people to `-h` for them).
  local field_list = table.concat(fields, ", ")
  local body_help = def.top_level and ("its fields (" .. field_list .. ")") or
    ("the body ({\"spec\": {...}}; spec fields: " .. field_list .. ")")

  if not (def.read_only or def.implicit) then
    local create_args, field_args = {}, FIELD_ARGS[kind] or {}
    if parent_arg then create_args[#create_args + 1] = parent_arg end
    if id_arg and not ID_ONLY_AS_FLAG[kind] then
      create_args[#create_args + 1] = id_arg .. ((def.id_optional or ID_AS_FLAG[kind]) and "?" or "")
    end
    local json_args = #field_args > 0 and { table.unpack(create_args) } or nil
    for _, f in ipairs(field_args) do create_args[#create_args + 1] = f:upper() end
    add { name = "create-" .. noun, args = create_args, json_args = json_args, kind = kind, long_running = true,
      flags = flag_list("json", "no_wait", "timeout", def.replace_existing and "replace_existing", "name",
        (ID_ONLY_AS_FLAG[kind] or ID_AS_FLAG[kind]) and def.id_field),
      help = "Create " .. article(kind) .. parent_help .. "; --json gives " .. body_help ..
        (#field_args > 0 and (", or give " .. table.concat(field_args, ", "):upper() .. " as arguments") or "") ..
        (ID_ONLY_AS_FLAG[kind] and (", --" .. def.id_field:gsub("_", "-") .. " its ID (default: " .. def.id_default .. ")") or "") ..
        (ID_AS_FLAG[kind] and (", --" .. def.id_field:gsub("_", "-") .. " (or " .. id_arg .. ") the ID" ..
          (def.id_optional and ", generated when not given" or "")) or "") .. ".",
      run = function(client, a)
        local id = id_arg and create_id(def, a, id_arg)
        if id_arg and id == nil and not def.id_optional then
          usage("create-" .. noun .. " needs the ID: " .. id_arg .. " or --" .. def.id_field:gsub("_", "-") .. " ID")
        end
        resource.check_id(def, id, "create-" .. noun)
        if a.PARENT then M.check_name(a.PARENT, def.parent_kind) end
        local opts = { replace_existing = a.replace_existing }
        local body = body_of(a, def)
        if kind == "role" and body.role ~= nil then  -- as the Databricks CLI refuses it
          usage("--json gives the role itself, not wrapped in {\"role\": ...}: for example --json " ..
            "'{\"spec\": {\"postgres_role\": \"app\", \"identity_type\": \"SERVICE_PRINCIPAL\"}}'")
        end
        for _, f in ipairs(field_args) do body[f] = a[f:upper()] or body[f] end
        local input = require "lakebase.api.input"
        local why = input.spec_problem(kind, def.top_level and body or body.spec or {}, true) or
          input.create_fields_problem(kind, body)
        if why then error("bad argument #1 to 'create-" .. noun .. "' (" .. why .. ")", 0) end
        return finish(client:create(a.PARENT, kind, id, body, opts), a)
      end }
  end

  add { name = "get-" .. noun, args = { "NAME" }, kind = kind, flags = {},
    help = "Get " .. article(kind) .. " by its resource name (" .. names.shape(kind) .. ")" ..
      (def.implicit and "; one that was never set is empty" or "") .. ".",
    run = function(client, a)
      local name = M.check_name(a.NAME, kind)
      return client:get(name, kind)
    end }

  if def.collection and not def.no_list then
    add { name = "list-" .. def.collection:gsub("_", "-"), args = parent_arg and { parent_arg } or {}, kind = kind, list = true,
      flags = flag_list("page_size", "page_token", "limit", def.soft_delete and "show_deleted"),
      help = "List " .. words(def.list_key):gsub("cdf", "CDF") .. (parent_arg and (" under PARENT (" .. names.shape(def.parent_kind) .. ")") or "") ..
        ", following every page.",
      run = function(client, a)
        if a.PARENT then M.check_name(a.PARENT, def.parent_kind) end
        local out = {}
        if a.limit == 0 then a.limit = nil end
        for r in client:list(a.PARENT, kind, { page_size = a.page_size, page_token = a.page_token,
          show_deleted = a.show_deleted }) do
          out[#out + 1] = r
          if a.limit and #out >= a.limit then break end  -- no further page is fetched
        end
        return out
      end }
  end

  if not (def.read_only or def.no_update) then
    add { name = "update-" .. noun, args = { "NAME", "UPDATE_MASK?" }, kind = kind, long_running = not def.synchronous,
      flags = { "json", "no_wait", "timeout", "name" },
      help = "Update " .. article(kind) .. "; --json gives the new values (" ..
        (def.top_level and "its fields: " or "{\"spec\": {...}}; spec fields: ") .. field_list .. "), UPDATE_MASK the " ..
        "fields to change, comma-separated, as the service names them (a oneof by its group: " ..
        "spec.expiration, spec.suspension, spec.project_default_settings.suspension; default: the fields --json gives)" ..
        (def.synchronous and "; the service answers with the " .. words(kind) .. " at once" or "") .. ".",
      run = function(client, a)
        local body = body_of(a, def)
        local obj = resource.wrap(client, kind, { name = M.check_name(a.NAME, kind) })
        -- An empty UPDATE_MASK is no mask, as in the Databricks CLI: the fields --json gives.
        local mask = a.UPDATE_MASK ~= "" and a.UPDATE_MASK or nil
        return finish(obj:update((not def.top_level and body.spec) or body, { mask = mask }), a)
      end }
  end

  if not (def.read_only or def.implicit) then
    local extra = {}  -- the query parameters its deletion takes: purge, reassign_owned_to, force
    for k in pairs(def.delete_query or {}) do extra[#extra + 1] = k end
    table.sort(extra)
    local notes = { purge = "; --purge deletes for good", reassign_owned_to = "; --reassign-owned-to ROLE first " ..
      "gives what it owns to another role", force = "; --force also drops what it wrote to Unity Catalog" }
    local help = "Delete " .. article(kind) .. (def.soft_delete and (" (soft: restorable" ..
      (def.undelete and (" with undelete-" .. noun) or "") .. " until its purge_time)") or "")
    for _, f in ipairs(extra) do help = help .. (notes[f] or "") end
    add { name = "delete-" .. noun, args = { "NAME" }, kind = kind, long_running = true,
      flags = flag_list("no_wait", "timeout", table.unpack(extra)), help = help .. ".",
      run = function(client, a)
        local opts = {}
        for _, f in ipairs(extra) do opts[f] = a[f] end
        local result = finish(resource.wrap(client, kind, { name = M.check_name(a.NAME, kind) }):delete(opts), a)
        return a.no_wait and result or nil
      end }
  end

  if def.undelete then
    add { name = "undelete-" .. noun, args = { "NAME" }, kind = kind, long_running = true,
      flags = { "no_wait", "timeout" },
      help = "Restore a soft-deleted " .. words(kind) .. " (before its purge_time).",
      run = function(client, a)
        local obj = resource.wrap(client, kind, { name = M.check_name(a.NAME, kind) })
        return finish(obj:undelete(), a)
      end }
  end
end

add { name = "get-operation", args = { "NAME" }, flags = {},
  help = "Get a long-running operation by its name (as printed by --no-wait).",
  run = function(client, a)
    if not a.NAME:match("/operations/[^/]+$") then
      error("bad argument #1 to 'get-operation' (an operation name such as projects/P/operations/ID expected, got \"" ..
        a.NAME .. "\")", 0)
    end
    return client:get_operation(a.NAME).raw
  end }

-- --ttl as the API takes it ("900s"), also from a human duration ("15m").
local function ttl_of(v)
  if v == nil or validate.duration(v) then return v end
  local secs = validate.human_duration(v)
  if not secs then usage("--ttl needs a duration such as 900s or 15m (300s to 3600s), got '" .. v .. "'") end
  return string.format("%gs", secs)
end

add { name = "generate-database-credential", args = { "ENDPOINT" }, flags = { "json", "ttl", "expire_time" },
  json_args = { "ENDPOINT?" },
  help = "Mint a database credential (token, expire_time) for ENDPOINT; the token is the Postgres password. " ..
    "--json gives the whole request ({endpoint, claims, ttl, expire_time}), ENDPOINT then optional.",
  run = function(client, a)
    local body = a.json or {}
    local endpoint = body.endpoint
    -- The CLI takes ENDPOINT or the JSON's endpoint, never both; its own docs' "All Options" line
    -- gives both (ENDPOINT --json '{}'), so lakebase takes the two when they agree.
    if a.ENDPOINT and endpoint ~= nil and endpoint ~= a.ENDPOINT then
      usage("ENDPOINT '" .. a.ENDPOINT .. "' and the endpoint in --json '" .. tostring(endpoint) .. "' differ: give it once")
    end
    endpoint = a.ENDPOINT or endpoint
    if endpoint == nil then usage("--json needs the endpoint: {\"endpoint\": \"projects/P/branches/B/endpoints/E\"}") end
    if type(endpoint) ~= "string" then usage("the endpoint in --json must be a string") end
    local name = M.check_name(endpoint, "endpoint")
    return client:generate_database_credential(name, { claims = body.claims, group_name = body.group_name,
      ttl = ttl_of(a.ttl) or body.ttl, expire_time = a.expire_time or body.expire_time })
  end }

return M
