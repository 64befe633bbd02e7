--- LuaLS annotations for the resource objects, generated from the resource description
-- (lakebase.api.schema) the client builds its classes from, so the definitions follow the API:
-- each kind's class with its fields and methods (as resource.lua gives them: children, update,
-- delete, undelete only where the kind has them), its spec, its status, its Operation, the
-- client's methods for kinds at the top, and the schema module's definition tables.
local schema = require "lakebase.api.schema"

local M = {}

local function class_of(kind) return "lakebase." .. schema[kind].type_name end
local function spec_class(kind) return class_of(kind) .. "Spec" end
local function op_class(kind) return class_of(kind) .. "Operation" end
local function plural(def) return (def.collection:gsub("[-_]", " ")) end
local function noun(kind) return (kind:gsub("_", " ")) end
local function a(kind) return (noun(kind):match("^[aeiou]") and "an " or "a ") .. noun(kind) end
-- A name such as projects/PROJECT/branches/BRANCH, for the descriptions.
local function example_name(kind)
  local def = schema[kind]
  return schema.name_of(def, def.parent_kind and example_name(def.parent_kind), kind:upper())
end
-- What a create takes: the spec, or for kinds with fields beside it a body {spec=, ...} too.
local function create_type(kind)
  return spec_class(kind) .. (schema[kind].create_fields and ("|" .. class_of(kind) .. "CreateBody") or "")
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

local function quoted_union(values)
  local parts = {}
  for i, v in ipairs(values) do parts[i] = type(v) == "string" and string.format("%q", v) or tostring(v) end
  return table.concat(parts, "|")
end

-- What a field's value must be, in words, for its description.
local function describe(f, name, oneof_required)
  local words = {}
  if f.type == "duration" then words[#words + 1] = 'a duration such as "3600s"' end
  if f.type == "timestamp" then words[#words + 1] = "an RFC 3339 timestamp" end
  local unit = ({ string = " characters", duration = "s" })[f.type]
  if f.min and f.type ~= "list" then
    words[#words + 1] = unit and ("at least " .. f.min .. unit) or ("min " .. f.min)
  end
  if f.max and f.type ~= "list" then
    words[#words + 1] = unit and ("at most " .. f.max .. unit) or ("max " .. f.max)
  end
  if f.must_be_true then words[#words + 1] = "only true (leave it out instead of false)" end
  if f.required then words[#words + 1] = "required on create" end
  if f.immutable then words[#words + 1] = "immutable" end
  if f.oneof then
    words[#words + 1] = "one of the " .. f.oneof .. " group" .. (oneof_required[f.oneof] and " (required on create)" or "")
  end
  return #words > 0 and (" " .. table.concat(words, "; ")) or ""
end

-- Emits the class `cname` for object definition `obj` into `out`, nested objects first as their
-- own classes (cname.field); `extra` lines go at the end of the class.
local function emit_object(out, cname, obj, doc, parents, extra)
  local lines = {}
  local required_groups = {}
  for group, g in pairs(obj.oneofs or {}) do required_groups[group] = g.required end
  local function type_of(f, path)
    local t = f.type
    if t == "string" or t == "duration" or t == "timestamp" then return "string"
    elseif t == "boolean" then return "boolean"
    elseif t == "integer" then return f.values and quoted_union(f.values) or "integer"
    elseif t == "number" then return "number"
    elseif t == "enum" then return quoted_union(f.values)
    elseif t == "map" then return "table<string, string>"
    elseif t == "list" then
      local item = type_of(f.item, path)
      return (item:find("|", 1, true) and ("(" .. item .. ")") or item) .. "[]"
    elseif t == "object" then
      emit_object(out, path, f, nil)
      return path
    end
    return "any"
  end
  for _, name in ipairs(sorted_keys(obj.fields)) do
    local f = obj.fields[name]
    lines[#lines + 1] = string.format("---@field %s? %s%s", name, type_of(f, cname .. "." .. name),
      describe(f, name, required_groups))
  end
  if doc then out[#out + 1] = "--- " .. doc end
  out[#out + 1] = "---@class " .. cname .. (parents and (": " .. parents) or "")
  for _, l in ipairs(lines) do out[#out + 1] = l end
  for _, l in ipairs(extra or {}) do out[#out + 1] = l end
  out[#out + 1] = ""
end

local function id_param(def)
  return string.format("---@param id %s%s the %s", def.id_optional and "string?" or "string", "", def.id_field) ..
    (def.id_optional and " (nil: the service generates one)" or "")
end

-- The methods a class gets for its child kind `child` (resource.lua's make_class loop), or the
-- client for a kind at the top; `var` is the Lua variable the class is bound to.
local function child_methods(out, var, child)
  local ckind, cclass = child.kind, class_of(child.kind)
  if child.singleton then
    out[#out + 1] = "--- Fetches the " .. noun(ckind) .. " (" .. example_name(ckind) .. ")."
    out[#out + 1] = "---@return " .. cclass
    out[#out + 1] = "function " .. var .. ":get_" .. ckind .. "() end"
    out[#out + 1] = ""
    if not child.implicit then
      out[#out + 1] = "--- Creates the " .. noun(ckind) .. "; wait on the Operation for it."
      out[#out + 1] = "---@param spec? " .. create_type(ckind)
      out[#out + 1] = "---@param opts? lakebase.CreateOptions"
      out[#out + 1] = "---@return " .. op_class(ckind)
      out[#out + 1] = "function " .. var .. ":create_" .. ckind .. "(spec, opts) end"
      out[#out + 1] = ""
    end
    return
  end
  if not child.no_list then
    out[#out + 1] = "--- Iterates over the " .. plural(child) .. ", fetching pages lazily: `for x in obj:" ..
      child.list_key .. "() do ... end`."
    out[#out + 1] = "---@param opts? lakebase.ListOptions"
    out[#out + 1] = "---@return fun(): " .. cclass .. "?"
    out[#out + 1] = "function " .. var .. ":" .. child.list_key .. "(opts) end"
    out[#out + 1] = ""
  end
  out[#out + 1] = "--- Fetches one of the " .. plural(child) .. " by its ID."
  out[#out + 1] = "---@param id string the " .. child.id_field
  out[#out + 1] = "---@return " .. cclass
  out[#out + 1] = "function " .. var .. ":get_" .. ckind .. "(id) end"
  out[#out + 1] = ""
  if not child.read_only then
    out[#out + 1] = "--- Creates one of the " .. plural(child) .. "; wait on the Operation for it."
    out[#out + 1] = id_param(child)
    out[#out + 1] = "---@param spec? " .. create_type(ckind)
    out[#out + 1] = "---@param opts? lakebase.CreateOptions"
    out[#out + 1] = "---@return " .. op_class(ckind)
    out[#out + 1] = "function " .. var .. ":create_" .. ckind .. "(id, spec, opts) end"
    out[#out + 1] = ""
  end
end

local function children_of(kind)
  local list = {}
  for _, k in ipairs(schema.kinds) do
    if schema[k].parent_kind == kind then list[#list + 1] = schema[k] end
  end
  return list
end

local function delete_opts(def)
  local parts = {}
  for _, k in ipairs(sorted_keys(def.delete_query or {})) do parts[#parts + 1] = k .. "?: " .. def.delete_query[k] end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function emit_kind(out, kind)
  local def = schema[kind]
  local cname, var = class_of(kind), def.type_name
  local top = def.top_level
  -- Spec (input) and status (what is in effect) classes.
  emit_object(out, spec_class(kind), def.spec, (top and "The fields of " or "The spec of ") .. a(kind) ..
    " (input: create and update take it)")
  if def.create_fields then
    emit_object(out, class_of(kind) .. "CreateBody", { fields = def.create_fields },
      "A create body: the spec and the fields a create takes beside it", nil,
      { "---@field spec? " .. spec_class(kind) })
  end
  if not top then
    local extra = { "---@field current_state? string", "---@field [string] any" }
    if def.id_field then table.insert(extra, 1, "---@field " .. def.id_field .. "? string") end
    emit_object(out, cname .. "Status", { fields = {} },
      "What is in effect for " .. a(kind) .. ": the spec's fields the service reports, and more", spec_class(kind), extra)
  end
  -- The resource class: the common envelope, then methods.
  out[#out + 1] = "--- " .. a(kind):gsub("^a", "A") .. " resource object (" .. example_name(kind) ..
    "), as the API answers it. Prints as its name."
  out[#out + 1] = "---@class " .. cname .. ": lakebase.Resource" .. (top and (", " .. spec_class(kind)) or "")
  local envelope = { uid = "string", create_time = "string", update_time = "string", parent = "string" }
  for _, k in ipairs(sorted_keys(envelope)) do
    if not def.omit[k] and (k ~= "parent" or def.parent_kind) then
      out[#out + 1] = "---@field " .. k .. "? " .. envelope[k]
    end
  end
  if def.id_field and not (top and def.spec.fields[def.id_field]) then
    out[#out + 1] = "---@field " .. def.id_field .. "? string"
  end
  if not top then out[#out + 1] = "---@field status " .. cname .. "Status" end
  if def.deleted_times == "top" then
    out[#out + 1] = "---@field delete_time? string set while soft-deleted"
    out[#out + 1] = "---@field purge_time? string when a soft-deleted one goes for good"
  end
  if top then out[#out + 1] = "---@field [string] any" end
  out[#out + 1] = "local " .. var .. " = {}"
  out[#out + 1] = ""
  out[#out + 1] = "--- Fetches the resource again; updates this object's fields in place and returns it."
  out[#out + 1] = "---@return " .. cname
  out[#out + 1] = "function " .. var .. ":refresh() end"
  out[#out + 1] = ""
  out[#out + 1] = "--- The resource's id (the last component of its name)."
  out[#out + 1] = "---@return string"
  out[#out + 1] = "function " .. var .. ":id() end"
  out[#out + 1] = ""
  out[#out + 1] = "--- Deletes it (awaited) when the <close> variable holding it goes out of scope, or when the script ends."
  out[#out + 1] = "---@return " .. cname
  out[#out + 1] = "function " .. var .. ":ephemeral() end"
  out[#out + 1] = ""
  if not (def.read_only or def.no_update) then
    out[#out + 1] = "--- Updates fields; the update mask is computed from the fields given (a oneof member by its group)."
    out[#out + 1] = "---@param fields " .. spec_class(kind)
    out[#out + 1] = "---@param opts? {mask?: string|string[]}"
    out[#out + 1] = "---@return " .. op_class(kind)
    out[#out + 1] = "function " .. var .. ":update(fields, opts) end"
    out[#out + 1] = ""
  end
  if not (def.read_only or def.implicit) then
    out[#out + 1] = "--- Deletes it; opts are the query parameters this kind takes. Wait on the Operation."
    out[#out + 1] = "---@param opts? " .. delete_opts(def)
    out[#out + 1] = "---@return " .. op_class(kind)
    out[#out + 1] = "function " .. var .. ":delete(opts) end"
    out[#out + 1] = ""
  end
  if def.undelete then
    out[#out + 1] = "--- Restores it while soft-deleted; the Operation gives the restored " .. noun(kind) .. "."
    out[#out + 1] = "---@return " .. op_class(kind)
    out[#out + 1] = "function " .. var .. ":undelete() end"
    out[#out + 1] = ""
  end
  for _, child in ipairs(children_of(kind)) do child_methods(out, var, child) end
  -- The Operation whose wait gives this kind.
  out[#out + 1] = "--- An Operation on " .. a(kind) .. ": wait() gives the " .. noun(kind) .. " (nil after a delete)."
  out[#out + 1] = "---@class " .. op_class(kind) .. ": lakebase.Operation"
  out[#out + 1] = "local " .. var .. "Operation = {}"
  out[#out + 1] = ""
  out[#out + 1] = "---@param opts? lakebase.WaitOptions"
  out[#out + 1] = "---@return " .. cname .. "?"
  out[#out + 1] = "function " .. var .. "Operation:wait(opts) end"
  out[#out + 1] = ""
end

--- The text of the generated definitions file (resources.lua).
function M.text()
  local out = { "---@meta", "-- Generated by `lakebase types` from lakebase.api.schema: do not edit.", "" }
  for _, kind in ipairs(schema.kinds) do emit_kind(out, kind) end
  -- The client's methods for kinds at the top (client.lua's loop), added to lakebase.Client.
  out[#out + 1] = "---@class lakebase.Client"
  out[#out + 1] = "local Client = {}"
  out[#out + 1] = ""
  for _, kind in ipairs(schema.kinds) do
    local def = schema[kind]
    if not def.parent_kind then
      child_methods(out, "Client", def)
    end
  end
  -- The schema module's definition tables, one per kind.
  out[#out + 1] = "---@class lakebase.schema"
  for _, kind in ipairs(schema.kinds) do
    out[#out + 1] = "---@field " .. kind .. " lakebase.schema.Definition the " .. schema[kind].type_name .. " definition"
  end
  out[#out + 1] = "lakebase.schema = {}"
  out[#out + 1] = ""
  return table.concat(out, "\n")
end

return M
