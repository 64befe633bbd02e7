--- Resource objects: a table holding the API's own fields (name, uid, spec, status, branch_id, ...)
-- whose metatable gives methods built from the schema: a project knows its branches, a branch its
-- endpoints, roles and databases. Objects print as their resource name.
local schema = require "lakebase.api.schema"
local masks = require "lakebase.api.masks"
local input = require "lakebase.api.input"

local M = {}

local owner = setmetatable({}, { __mode = "k" })   -- resource object -> client (kept out of the fields)
local classes = {}

local function singular(def) return def.kind end

local function check_id(def, id, fname)
  if id == nil and def.id_optional then return end
  local why = schema.id_problem(def, id)
  if why then
    error(string.format("bad argument #1 to '%s' (invalid %s %s: %s)", fname, def.id_field,
      type(id) == "string" and ("\"" .. id .. "\"") or tostring(id), why), 3)
  end
end

local function make_class(kind)
  local def = schema[kind]
  local C = { kind = kind }
  C.__index = C
  C.__name = "lakebase." .. def.type_name
  C.__tostring = function(self) return "lakebase." .. def.type_name .. "(" .. tostring(self.name) .. ")" end

  --- Fetches the resource again; updates this object's fields in place and returns it.
  function C:refresh()
    local body = owner[self]:get(self.name, kind)
    for k in pairs(self) do self[k] = nil end
    for k, v in pairs(body) do self[k] = v end
    return self
  end

  --- The resource's id (the last component of its name).
  function C:id() return self[def.id_field] or self.name:match("([^/]+)$") end

  --- Updates spec fields: `r:update{display_name = "x"}` computes the update mask from the fields
  -- given (a member of a oneof group — a branch's ttl, expire_time or no_expiry, an endpoint's
  -- suspend_timeout_duration or no_suspension — is masked by its group, spec.expiration or
  -- spec.suspension, as the service wants); opts.mask sets it explicitly ("spec.a,spec.b" or a
  -- list). Returns an Operation.
  function C:update(fields, opts)
    if type(fields) ~= "table" then
      error("bad argument #1 to 'update' (table of spec fields expected, got " .. type(fields) .. ")", 2)
    end
    local spec = fields.spec or fields
    opts = opts or {}
    if opts.mask == nil and next(spec) == nil then error("bad argument #1 to 'update' (no fields to update)", 2) end
    local mask = input.mask(kind, opts.mask ~= nil and opts.mask or masks.from_fields(def, spec), "update", 2,
      opts.mask ~= nil and 2 or 1)
    input.spec(kind, spec, false, "update", 2)
    return owner[self]:mutate("PATCH", self.name, { update_mask = mask }, { spec = spec }, kind)
  end

  --- Marks the resource for deletion (awaited) when the <close> variable holding it goes out of
  -- scope, or when the script ends however it ends. Returns the resource.
  function C:ephemeral()
    require("lakebase.runtime.cleanup").ephemeral(self)
    return self
  end
  C.__close = function(self) require("lakebase.runtime.cleanup").close(self) end

  --- Deletes the resource. Returns an Operation.
  function C:delete()
    return owner[self]:mutate("DELETE", self.name, nil, nil, kind)
  end

  -- Child collections: list iterator, handle, create.
  for _, child in pairs(schema) do
    if type(child) == "table" and child.parent_kind == kind then
      local ckind = child.kind
      C[child.collection] = function(self, opts)
        return owner[self]:list(self.name, ckind, opts)
      end
      C["get_" .. singular(child)] = function(self, id)
        check_id(child, id, "get_" .. singular(child))
        return owner[self]:get(self.name .. "/" .. child.collection .. "/" .. id, ckind)
      end
      C["create_" .. singular(child)] = function(self, id, spec, opts)
        check_id(child, id, "create_" .. singular(child))
        return owner[self]:create(self.name, ckind, id, spec, opts)
      end
    end
  end
  return C
end

for kind, def in pairs(schema) do
  if type(def) == "table" and def.collection then classes[kind] = make_class(kind) end
end

--- Gives an API body of `kind` its class; returns it.
function M.wrap(client, kind, body)
  owner[body] = client
  return setmetatable(body, classes[kind])
end

--- The client behind a resource object.
function M.client_of(obj) return owner[obj] end

M.classes = classes
require("lakebase.api.endpoint_sql").install(classes.endpoint, M.client_of)
require("lakebase.api.branch_compute").install(classes.branch, M.client_of)
M.check_id = check_id
return M
