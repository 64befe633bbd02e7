--- The one-line commands of `lakebase postgres`, generated from the resource schema (the same
-- definitions the client and the emulator use), named and shaped like the Databricks CLI's
-- `databricks postgres` group: create-KIND, get-KIND, list-COLLECTION, update-KIND, delete-KIND,
-- plus get-operation and generate-database-credential.
--
-- Each command: name, args (positional names, an optional one ends in "?"), flags it accepts,
-- help, and run(client, a) where `a` holds the positional values by name and the flags; run
-- returns what to print (a resource, a list, an Operation when not waiting) or nil.
local schema = require "lakebase.api.schema"
local resource = require "lakebase.api.resource"
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

for _, kind in ipairs(ORDER) do
  local def = schema[kind]
  local parent_arg = def.parent_kind and "PARENT" or nil
  local id_arg = def.id_field:upper()
  local parent_help = def.parent_kind and (" under PARENT (" .. (def.parent_kind == "project" and "projects/P"
    or "projects/P/branches/B") .. ")") or ""

  local create_args = {}
  if parent_arg then create_args[#create_args + 1] = parent_arg end
  create_args[#create_args + 1] = id_arg .. (def.id_optional and "?" or "")
  add { name = "create-" .. kind, args = create_args, kind = kind, long_running = true,
    flags = { "json", "no_wait", "timeout", def.parent_kind and "replace_existing" or nil },
    help = "Create " .. article(kind) .. parent_help .. "; --json gives the body ({\"spec\": {...}}).",
    run = function(client, a)
      resource.check_id(def, a[id_arg], "create-" .. kind)
      if a.PARENT then M.check_name(a.PARENT, def.parent_kind) end
      local opts = { replace_existing = a.replace_existing }
      local body = body_of(a)
      local why = require("lakebase.api.input").spec_problem(kind, body.spec or {}, true)
      if why then error("bad argument #1 to 'create-" .. kind .. "' (" .. why .. ")", 0) end
      return finish(client:create(a.PARENT, kind, a[id_arg], body, opts), a)
    end }

  add { name = "get-" .. kind, args = { "NAME" }, kind = kind, flags = {},
    help = "Get " .. article(kind) .. " by its resource name.",
    run = function(client, a)
      local name = M.check_name(a.NAME, kind)
      return client:get(name, kind)
    end }

  add { name = "list-" .. def.collection, args = parent_arg and { parent_arg } or {}, kind = kind, list = true,
    flags = { "page_size", def.soft_delete and "show_deleted" or nil },
    help = "List " .. def.collection .. (parent_arg and (" under PARENT") or "") .. ", following every page.",
    run = function(client, a)
      if a.PARENT then M.check_name(a.PARENT, def.parent_kind) end
      local out = {}
      for r in client:list(a.PARENT, kind, { page_size = a.page_size, show_deleted = a.show_deleted }) do
        out[#out + 1] = r
      end
      return out
    end }

  add { name = "update-" .. kind, args = { "NAME", "UPDATE_MASK?" }, kind = kind, long_running = true,
    flags = { "json", "no_wait", "timeout" },
    help = "Update " .. article(kind) .. "; --json gives the new values ({\"spec\": {...}}), UPDATE_MASK the " ..
      "fields to change (default: the fields --json gives).",
    run = function(client, a)
      local body = body_of(a)
      local obj = resource.wrap(client, kind, { name = M.check_name(a.NAME, kind) })
      return finish(obj:update(body.spec or body, { mask = a.UPDATE_MASK }), a)
    end }

  add { name = "delete-" .. kind, args = { "NAME" }, kind = kind, long_running = true,
    flags = { "no_wait", "timeout" },
    help = "Delete " .. article(kind) .. (def.soft_delete and " (soft: restorable until its purge_time)" or "") .. ".",
    run = function(client, a)
      local result = finish(resource.wrap(client, kind, { name = M.check_name(a.NAME, kind) }):delete(), a)
      return a.no_wait and result or nil
    end }
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

add { name = "generate-database-credential", args = { "ENDPOINT" }, flags = {},
  help = "Mint a database credential (token, expire_time) for ENDPOINT; the token is the Postgres password.",
  run = function(client, a)
    local name = M.check_name(a.ENDPOINT, "endpoint")
    return client:generate_database_credential(name)
  end }

return M
