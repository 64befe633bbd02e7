--- Resource objects: a table holding the API's own fields (name, uid, spec, status, branch_id, ...)
-- whose metatable gives methods built from the schema: a project knows its branches and snapshots,
-- a branch its endpoints, roles, databases and snapshot schedule, a database its Data API and CDF
-- configs, and so on. Only the methods the API has for a kind exist (CDF statuses and compute
-- instances are read-only, catalogs are not listed or updated). Objects print as their name.
local schema = require "lakebase.api.schema"
local masks = require "lakebase.api.masks"
local input = require "lakebase.api.input"
local shape = require "lakebase.api.shape"
local operation = require "lakebase.api.operation"

local M = {}

local owner = setmetatable({}, { __mode = "k" })   -- resource object -> client (kept out of the fields)
local classes = {}

local function singular(def) return def.kind end

local function check_id(def, id, fname)
  if def.singleton or (id == nil and def.id_optional) then return end
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
  -- list). Kinds whose fields are their own take them as they are (a snapshot schedule's
  -- `schedule`). Returns an Operation (already done for updates the service answers at once).
  local function update(self, fields, opts)
    if type(fields) ~= "table" then
      error("bad argument #1 to 'update' (table of spec fields expected, got " .. type(fields) .. ")", 2)
    end
    local spec = (not def.top_level and fields.spec) or fields
    opts = opts or {}
    if opts.mask == nil and next(spec) == nil then error("bad argument #1 to 'update' (no fields to update)", 2) end
    local mask = input.mask(kind, opts.mask ~= nil and opts.mask or masks.from_fields(def, spec), "update", 2,
      opts.mask ~= nil and 2 or 1)
    input.spec(kind, spec, false, "update", 2)
    return owner[self]:mutate("PATCH", self.name, { update_mask = mask }, def.top_level and spec or { spec = spec }, kind)
  end
  if not (def.read_only or def.no_update) then C.update = update end

  --- Marks the resource for deletion (awaited) when the <close> variable holding it goes out of
  -- scope, or when the script ends however it ends. Returns the resource.
  function C:ephemeral()
    require("lakebase.runtime.cleanup").ephemeral(self)
    return self
  end
  C.__close = function(self) require("lakebase.runtime.cleanup").close(self) end

  --- Deletes the resource; opts are the query parameters its kind takes (a CDF config's force).
  -- Returns an Operation.
  local function delete(self, opts)
    local query = nil
    for k, v in pairs(opts or {}) do
      local t = (def.delete_query or {})[k]
      if not t then error("bad argument #1 to 'delete' (" .. def.kind .. " deletion takes no option '" .. tostring(k) .. "')", 2) end
      if type(v) ~= t then error("bad argument #1 to 'delete' (option '" .. k .. "' must be a " .. t .. ")", 2) end
      query = query or {}
      query[k] = tostring(v)
    end
    return owner[self]:mutate("DELETE", self.name, query, nil, kind)
  end
  if not (def.read_only or def.implicit) then C.delete = delete end

  if def.undelete then
    --- Restores a soft-deleted project or branch (POST {name}/undelete). Returns an Operation
    -- whose wait gives the restored resource.
    function C:undelete()
      local client, path = owner[self], self.name .. "/undelete"
      local raw = client:request("POST", path, nil, {})
      return operation.new(client, shape.operation(raw, "POST", path), kind, self.name)
    end
  end

  -- Children: a collection's list iterator (named as its listings: cdf_configs), handle and
  -- create; a singleton's handle and create (no id); as the API has them.
  for _, child in pairs(schema) do
    if type(child) == "table" and child.parent_kind == kind and child.kind then
      local ckind, noun = child.kind, singular(child)
      if child.singleton then
        C["get_" .. noun] = function(self) return owner[self]:get(schema.name_of(child, self.name), ckind) end
        if not child.implicit then
          C["create_" .. noun] = function(self, spec, opts) return owner[self]:create(self.name, ckind, nil, spec, opts) end
        end
      else
        if not child.no_list then
          C[child.list_key] = function(self, opts) return owner[self]:list(self.name, ckind, opts) end
        end
        C["get_" .. noun] = function(self, id)
          check_id(child, id, "get_" .. noun)
          return owner[self]:get(schema.name_of(child, self.name, id), ckind)
        end
        if not child.read_only then
          C["create_" .. noun] = function(self, id, spec, opts)
            check_id(child, id, "create_" .. noun)
            return owner[self]:create(self.name, ckind, id, spec, opts)
          end
        end
      end
    end
  end
  return C
end

for _, kind in ipairs(schema.kinds) do classes[kind] = make_class(kind) end

--- Gives an API body of `kind` its class; returns it.
function M.wrap(client, kind, body)
  owner[body] = client
  return setmetatable(body, classes[kind])
end

--- The client behind a resource object.
function M.client_of(obj) return owner[obj] end

M.classes = classes
require("lakebase.api.endpoint_sql").install(classes.endpoint, M.client_of)
require("lakebase.api.connection_uri").install(classes.endpoint)
require("lakebase.api.branch_compute").install(classes.branch, M.client_of)
M.check_id = check_id
return M
