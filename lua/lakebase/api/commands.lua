--- The one-line commands of `lakebase postgres`, generated from the resource schema (the same
-- definitions the client and the emulator use), named and shaped like the Databricks CLI's
-- `databricks postgres` group: create-KIND, get-KIND, list-COLLECTION, update-KIND, delete-KIND,
-- undelete-KIND for soft-deleted kinds, plus get-operation and generate-database-credential.
--
-- Each command: name, args (positional names, an optional one ends in "?"), flags it accepts,
-- help, and run(client, a) where `a` holds the positional values by name and the flags; run
-- returns what to print (a resource, a list, an Operation when not waiting) or nil.
local schema = require "lakebase.api.schema"
local resource = require "lakebase.api.resource"
local validate = require "lakebase.api.validate"
local kind_of = function(name) return require("lakebase.api.client").kind_of(name) end

local M = {}

-- Columns of the text table printed by list commands.
local COLUMNS = {
  project = { "name", "status.display_name", "status.pg_version", "status.default_branch" },
  branch = { "name", "status.current_state", "status.default", "status.source_branch", "status.expire_time" },
  endpoint = { "name", "status.endpoint_type", "status.current_state", "status.hosts.host", "status.hosts.port" },
  role = { "name", "status.postgres_role", "status.identity_type", "status.auth_method" },
  database = { "name", "status.postgres_database", "status.role" },
}
M.COLUMNS = COLUMNS

local ORDER = { "project", "branch", "endpoint", "role", "database" }

local function article(word) return (word:match("^[aeiou]") and "an " or "a ") .. word end

-- Waits for op unless --no-wait; returns what the command prints.
local function finish(op, a)
  if a.no_wait then return op end
  return op:wait { timeout = a.timeout }
end

local function body_of(a)
  local body = a.json or {}
  if type(body) ~= "table" then error({ usage = "--json must be a JSON object" }, 0) end
  return body
end

--- Checks that `name` is the resource name of a `kind` (projects/P/branches/B for a branch, ...),
-- with valid IDs; returns it or raises a "bad argument" message.
function M.check_name(name, kind)
  local ok, got = pcall(kind_of, name)
  local valid = ok and got == kind
  if valid then
    local parts = {}
    for seg in name:gmatch("[^/]+") do parts[#parts + 1] = seg end
    valid = #parts % 2 == 0 and name:sub(-1) ~= "/" and not name:find("//", 1, true)
    local parent_kind = nil
    for k = 1, #parts, 2 do
      local def = schema.by_collection[parts[k]]
      if not def or def.parent_kind ~= parent_kind or schema.id_problem(def, parts[k + 1]) then
        valid = false
        break
      end
      parent_kind = def.kind
    end
  end
  if not valid then
    local shape = ({ project = "projects/P", branch = "projects/P/branches/B",
      endpoint = "projects/P/branches/B/endpoints/E", role = "projects/P/branches/B/roles/R",
      database = "projects/P/branches/B/databases/D" })[kind]
    error(string.format("bad argument #1 to '%s' (a %s name such as %s expected, got \"%s\")", kind, kind, shape, name), 0)
  end
  return name
end

local function add(cmd)
  M[#M + 1] = cmd
  M[cmd.name] = cmd
end

local function usage(msg) error({ usage = msg }, 0) end

-- A list of the flag names given, leaving out the nil ones (flags a kind does not have).
local function flag_list(...)
  local t = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if v then t[#t + 1] = v end
  end
  return t
end

-- The Databricks CLI names these IDs with a flag (create-role PARENT --role-id R); lakebase also
-- takes them as a second argument.
local ID_AS_FLAG = { role = true, database = true }

-- The ID a create command got, from its argument or its --ID flag (both: they must agree).
local function create_id(def, a, id_arg)
  local positional, flag = a[id_arg], a[def.id_field]
  if positional and flag and positional ~= flag then
    usage(string.format("%s '%s' and --%s '%s' differ: give the ID once", id_arg, positional,
      def.id_field:gsub("_", "-"), flag))
  end
  return positional or flag
end

for _, kind in ipairs(ORDER) do
  local def = schema[kind]
  local parent_arg = def.parent_kind and "PARENT" or nil
  local id_arg = def.id_field:upper()
  local parent_help = def.parent_kind and (" under PARENT (" .. (def.parent_kind == "project" and "projects/P"
    or "projects/P/branches/B") .. ")") or ""

  local create_args = {}
  if parent_arg then create_args[#create_args + 1] = parent_arg end
  local id_optional = def.id_optional or ID_AS_FLAG[kind]
  create_args[#create_args + 1] = id_arg .. (id_optional and "?" or "")
  add { name = "create-" .. kind, args = create_args, kind = kind, long_running = true,
    flags = flag_list("json", "no_wait", "timeout", def.parent_kind and "replace_existing", "name",
      ID_AS_FLAG[kind] and def.id_field),
    help = "Create " .. article(kind) .. parent_help .. "; --json gives the body ({\"spec\": {...}})" ..
      (ID_AS_FLAG[kind] and (", --" .. def.id_field:gsub("_", "-") .. " (or " .. id_arg .. ") the ID" ..
        (def.id_optional and ", generated when not given" or "")) or "") .. ".",
    run = function(client, a)
      local id = create_id(def, a, id_arg)
      if id == nil and not def.id_optional then
        usage("create-" .. kind .. " needs the ID: " .. id_arg .. " or --" .. def.id_field:gsub("_", "-") .. " ID")
      end
      resource.check_id(def, id, "create-" .. kind)
      if a.PARENT then M.check_name(a.PARENT, def.parent_kind) end
      local body = body_of(a)
      if kind == "role" and body.role ~= nil then  -- as the Databricks CLI refuses it
        usage("--json gives the role itself, not wrapped in {\"role\": ...}: for example --json " ..
          "'{\"spec\": {\"postgres_role\": \"app\", \"identity_type\": \"SERVICE_PRINCIPAL\"}}'")
      end
      local opts = { replace_existing = a.replace_existing }
      local why = require("lakebase.api.input").spec_problem(kind, body.spec or {}, true)
      if why then error("bad argument #1 to 'create-" .. kind .. "' (" .. why .. ")", 0) end
      return finish(client:create(a.PARENT, kind, id, body, opts), a)
    end }

  add { name = "get-" .. kind, args = { "NAME" }, kind = kind, flags = {},
    help = "Get " .. article(kind) .. " by its resource name.",
    run = function(client, a)
      local name = M.check_name(a.NAME, kind)
      return client:get(name, kind)
    end }

  add { name = "list-" .. def.collection, args = parent_arg and { parent_arg } or {}, kind = kind, list = true,
    flags = flag_list("page_size", "page_token", "limit", def.soft_delete and "show_deleted"),
    help = "List " .. def.collection .. (parent_arg and (" under PARENT") or "") .. ", following every page.",
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

  add { name = "update-" .. kind, args = { "NAME", "UPDATE_MASK?" }, kind = kind, long_running = true,
    flags = { "json", "no_wait", "timeout", "name" },
    help = "Update " .. article(kind) .. "; --json gives the new values ({\"spec\": {...}}), UPDATE_MASK the " ..
      "fields to change, comma-separated, as the service names them (spec.display_name; a oneof by its group: " ..
      "spec.expiration, spec.suspension, spec.project_default_settings.suspension); default: the fields --json gives.",
    run = function(client, a)
      local body = body_of(a)
      local obj = resource.wrap(client, kind, { name = M.check_name(a.NAME, kind) })
      -- An empty UPDATE_MASK is no mask, as in the Databricks CLI: the fields --json gives.
      local mask = a.UPDATE_MASK ~= "" and a.UPDATE_MASK or nil
      return finish(obj:update(body.spec or body, { mask = mask }), a)
    end }

  add { name = "delete-" .. kind, args = { "NAME" }, kind = kind, long_running = true,
    flags = flag_list("no_wait", "timeout", def.soft_delete and "purge", kind == "role" and "reassign_owned_to"),
    help = "Delete " .. article(kind) .. (def.soft_delete and " (soft: restorable with undelete-" .. kind ..
      " until its purge_time; --purge deletes for good)" or "") ..
      (kind == "role" and "; --reassign-owned-to ROLE first gives what it owns to another role" or "") .. ".",
    run = function(client, a)
      local obj = resource.wrap(client, kind, { name = M.check_name(a.NAME, kind) })
      local result = finish(obj:delete { purge = a.purge, reassign_owned_to = a.reassign_owned_to }, a)
      return a.no_wait and result or nil
    end }

  if def.soft_delete then
    add { name = "undelete-" .. kind, args = { "NAME" }, kind = kind, long_running = true,
      flags = { "no_wait", "timeout" },
      help = "Restore a soft-deleted " .. kind .. " (before its purge_time).",
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
  json_args = {}, json_args_message = "with --json, ENDPOINT goes in the JSON ({\"endpoint\": \"projects/P/...\"}), " ..
    "not as an argument",
  help = "Mint a database credential (token, expire_time) for ENDPOINT; the token is the Postgres password. " ..
    "--json gives the whole request ({endpoint, claims, ttl, expire_time}) instead of ENDPOINT.",
  run = function(client, a)
    local body = a.json or {}
    local endpoint = a.ENDPOINT or body.endpoint
    if endpoint == nil then usage("--json needs the endpoint: {\"endpoint\": \"projects/P/branches/B/endpoints/E\"}") end
    if type(endpoint) ~= "string" then usage("the endpoint in --json must be a string") end
    local name = M.check_name(endpoint, "endpoint")
    return client:generate_database_credential(name, { claims = body.claims,
      ttl = ttl_of(a.ttl) or body.ttl, expire_time = a.expire_time or body.expire_time })
  end }

return M
