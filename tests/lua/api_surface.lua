--- Compares lakebase's one description of the API (lakebase.api.schema and the commands made from
-- it) with the surface derived from the generated SDKs, CLI and Terraform provider
-- (tests/api_surface/sdk.json, made by scripts/sdk-surface). Returns rows
-- { key, same = bool, detail }: one per SDK method, query parameter, body field, model field (type,
-- enum values, required, immutable) and CLI command, argument and flag.
local schema = require "lakebase.api.schema"
local commands = require "lakebase.api.commands"
local json = lakebase.json

local M = {}

function M.load(path)
  local f = assert(io.open(path))
  local s = f:read("a")
  f:close()
  return json.decode(s)
end

local function set(list)
  local t = {}
  for _, v in ipairs(list or {}) do t[v] = true end
  return t
end
local function keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- What lakebase does for each action of a kind: verb, path template, query parameters, whether it
-- answers an Operation; nil when the kind has no such method.
local function ours(def, action)
  local coll = def.singleton or def.collection
  local under = def.parent_kind and ("{parent}/" .. coll) or coll
  if action == "create" and not (def.read_only or def.implicit) then
    local q = {}
    if def.id_field and not def.singleton then q[#q + 1] = def.id_field end
    if def.replace_existing then q[#q + 1] = "replace_existing" end
    return { verb = "POST", path = under, query = q, lro = true }
  elseif action == "get" then
    return { verb = "GET", path = "{name}", query = {} }
  elseif action == "list" and def.collection and not def.no_list then
    return { verb = "GET", path = under, query = { "page_size", "page_token", def.soft_delete and "show_deleted" or nil } }
  elseif action == "update" and not (def.read_only or def.no_update) then
    return { verb = "PATCH", path = "{name}", query = { "update_mask" }, lro = not def.synchronous }
  elseif action == "delete" and not (def.read_only or def.implicit) then
    return { verb = "DELETE", path = "{name}", query = keys(def.delete_query or {}), lro = true }
  elseif action == "undelete" and def.undelete then
    return { verb = "POST", path = "{name}/undelete", query = {}, lro = true }
  end
end

-- The kind a method is about, by its name (create_branch, list_cdf_configs, get_data_api), and
-- the SDK type it is about (its body, answer, listing's item or operation's), which must agree.
local by_noun = {}
for _, kind in ipairs(schema.kinds) do
  by_noun[kind] = schema[kind]
  if schema[kind].list_key then by_noun[schema[kind].list_key] = schema[kind] end
end
local function type_of(m)
  return m.body or (m.returns and m.returns:match("^Iterator%[(%w+)%]$")) or
    (m.returns ~= "None" and m.returns) or (m.operation and m.operation:match("^(%w+)OperationMetadata$"))
end

local function cmp_list(rows, key, sdk_list, our_list, what)
  local s, o = set(sdk_list), set(our_list)
  for _, k in ipairs(keys(s)) do
    rows[#rows + 1] = { key = key .. " " .. what .. " " .. k, same = o[k] == true,
      detail = o[k] and "taken" or "not taken by lakebase" }
  end
  for _, k in ipairs(keys(o)) do
    if not s[k] then rows[#rows + 1] = { key = key .. " " .. what .. " " .. k, same = false, detail = "lakebase sends it; the SDK has no such " .. what } end
  end
end

local SPECIAL = { get_operation = true, generate_database_credential = true }

function M.methods(sdk, rows)
  for _, m in ipairs(sdk.methods) do
    local action, noun = m.sdk:match("^(%a+)_(.+)$")
    local t = type_of(m)
    local def = by_noun[noun]
    local key = "method " .. m.sdk
    if SPECIAL[m.sdk] then
      rows[#rows + 1] = { key = key, same = true, detail = m.verb .. " " .. m.path .. " (client and command by hand)" }
      if m.body_fields then  -- the fields the client's request may carry
        local ep, sent = "projects/p/branches/b/endpoints/e", {}
        local soon = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 900)
        for _, opts in ipairs { { ttl = "900s", claims = {}, group_name = "g" }, { expire_time = soon } } do
          for k in pairs(require("lakebase.api.client").credential_request(ep, opts)) do sent[k] = true end
        end
        cmp_list(rows, key, m.body_fields, keys(sent), "body field")
      end
    elseif not def then
      rows[#rows + 1] = { key = key, same = false, detail = m.verb .. " " .. m.path .. ": no such kind in the schema (" .. tostring(t) .. ")" }
    elseif def.type_name ~= t then
      rows[#rows + 1] = { key = key, same = false, detail = "SDK type " .. tostring(t) .. ", the schema's " .. def.kind .. " is " .. def.type_name }
    else
      local o = ours(def, action)
      if not o then
        rows[#rows + 1] = { key = key, same = false, detail = "the schema's " .. def.kind .. " has no " .. action }
      else
        local same = o.verb == m.verb and o.path == m.path
        rows[#rows + 1] = { key = key, same = same, detail = same and (m.verb .. " " .. m.path) or
          ("SDK " .. m.verb .. " " .. m.path .. ", lakebase " .. o.verb .. " " .. o.path) }
        cmp_list(rows, key, m.query, o.query, "query")
        local lro = m.operation ~= nil
        local op_same = lro == (o.lro == true) and (not lro or m.operation == def.type_name .. "OperationMetadata")
        rows[#rows + 1] = { key = key .. " answer", same = op_same,
          detail = "SDK " .. (m.operation or ("a " .. tostring(m.returns))) .. ", lakebase " ..
            (o.lro and (def.type_name .. "OperationMetadata") or "the resource") }
      end
    end
  end
end

-- Our field definition's type in the SDK's words, for comparing.
local PY = { str = "string", bool = "boolean", int = "integer", float = "number", Duration = "duration",
  Timestamp = "timestamp", ["Dict[str, str]"] = "map" }

-- fixed: the kind has no update, so nothing about it is mutable and immutability is not compared.
local function cmp_field(sdk, rows, key, sdk_t, ours_f, tf, fixed)
  if not ours_f then
    rows[#rows + 1] = { key = key, same = false, detail = "not in the schema (SDK " .. sdk_t.type .. ")" }
    return
  end
  local ty = sdk_t.type
  local item = ty:match("^List%[(.+)%]$")
  if item then
    if ours_f.type ~= "list" then
      rows[#rows + 1] = { key = key, same = false, detail = "SDK a list, lakebase " .. ours_f.type }
      return
    end
    return cmp_field(sdk, rows, key .. "[]", { type = item }, ours_f.item, nil, fixed)
  end
  local want = PY[ty] or (sdk.enums[ty] and "enum") or (sdk.models[ty] and "object") or ty
  local same = want == ours_f.type or (want == "string" and ours_f.type == "enum")
  rows[#rows + 1] = { key = key .. " type", same = same, detail = "SDK " .. ty .. ", lakebase " .. ours_f.type }
  if sdk_t.required ~= nil then
    local req = (tf and tf.required) or false
    if tf == nil then req = sdk_t.required end
    rows[#rows + 1] = { key = key .. " required", same = req == (ours_f.required == true),
      detail = "SDK " .. (req and "required" or "optional") .. ", lakebase " .. (ours_f.required and "required" or "optional") }
  end
  if tf and not fixed then
    rows[#rows + 1] = { key = key .. " immutable", same = (tf.immutable or false) == (ours_f.immutable == true),
      detail = "Terraform " .. (tf.immutable and "replaces" or "updates") .. ", lakebase " .. (ours_f.immutable and "immutable" or "mutable") }
  end
  if want == "enum" and ours_f.type == "enum" then
    cmp_list(rows, key, sdk.enums[ty], ours_f.values, "value")
  elseif want == "object" and ours_f.type == "object" then
    M.model(sdk, rows, ty, ours_f, key, nil, fixed)
  end
end

-- Terraform's markers of a model's field: required, computed (output only), immutable.
local function tf_marks(sdk, model, field)
  local m = sdk.terraform[model]
  if not m or not m[field] then return nil end
  return set(m[field])
end

--- Compares the fields of SDK model `name` with our object definition `obj`; `skip` names fields
-- that are not input (output-only, or the envelope's).
function M.model(sdk, rows, name, obj, key, skip, fixed)
  local fields = sdk.models[name] or {}
  for _, f in ipairs(keys(fields)) do
    local tf = tf_marks(sdk, name, f)
    local output = tf and tf.computed and not tf.required and not tf.optional
    if not (skip and skip[f]) and not output then
      cmp_field(sdk, rows, key .. "." .. f, fields[f], obj.fields[f], tf, fixed)
    end
  end
  for _, f in ipairs(keys(obj.fields)) do
    if not fields[f] then rows[#rows + 1] = { key = key .. "." .. f, same = false, detail = "in the schema, not in SDK " .. name } end
  end
end

-- The envelope every resource has; a top-level kind's own fields are the rest.
local ENVELOPE = set { "name", "uid", "parent", "create_time", "update_time", "delete_time", "purge_time", "spec", "status" }

function M.models(sdk, rows)
  for _, kind in ipairs(schema.kinds) do
    local def = schema[kind]
    local model = sdk.models[def.type_name]
    if not model then
      rows[#rows + 1] = { key = "model " .. def.type_name, same = false, detail = "not in the Python SDK" }
    elseif def.top_level then
      if not def.read_only then
        local skip = set { def.id_field }
        for k in pairs(ENVELOPE) do skip[k] = true end
        M.model(sdk, rows, def.type_name, def.spec, "model " .. def.type_name, skip, def.no_update)
      end
    else
      M.model(sdk, rows, model.spec.type, def.spec, "model " .. model.spec.type, nil, def.no_update)
      for f, t in pairs(model) do  -- fields of the create body beside spec (a project's initial_*_spec)
        if f:match("^initial_") then
          cmp_field(sdk, rows, "model " .. def.type_name .. "." .. f, t, (def.create_fields or {})[f], nil, true)
        end
      end
    end
  end
end

local function arg_names(list)
  local out = {}
  for _, a in ipairs(list or {}) do out[#out + 1] = (a:gsub("%?$", "")) end
  return out
end

--- The `databricks postgres` commands: each must exist with the CLI's positional arguments (lakebase
-- may take more, all optional after them) and every flag the CLI has.
function M.cli(sdk, rows)
  for _, name in ipairs(keys(sdk.cli)) do
    local c, o = sdk.cli[name], commands[name]
    local key = "cli " .. name
    if not o then
      rows[#rows + 1] = { key = key, same = false, detail = "no such lakebase postgres command" }
    else
      local ours_args = arg_names(o.args)
      local same = true
      for i, a in ipairs(c.args) do if ours_args[i] ~= a then same = false end end
      for i = #c.args + 1, #(o.args or {}) do if not o.args[i]:match("%?$") then same = false end end
      rows[#rows + 1] = { key = key .. " args", same = same,
        detail = "CLI " .. table.concat(c.args, " ") .. ", lakebase " .. table.concat(o.args or {}, " ") }
      if c.args_with_json then  -- with --json: the first N arguments, the rest optional or none
        local with_json, required = o.json_args or o.args or {}, 0
        for _, a in ipairs(with_json) do if not a:match("%?$") then required = required + 1 end end
        rows[#rows + 1] = { key = key .. " args with --json", same = required <= c.args_with_json and #with_json >= c.args_with_json,
          detail = "CLI " .. c.args_with_json .. ", lakebase " .. table.concat(with_json, " ") }
      end
      local flags = {}
      for _, f in ipairs(o.flags or {}) do flags[#flags + 1] = (f:gsub("_", "-")) end
      local mine = set(flags)
      for _, f in ipairs(c.flags) do
        rows[#rows + 1] = { key = key .. " --" .. f, same = mine[f] == true, detail = mine[f] and "taken" or "not taken" }
      end
    end
  end
end

local JSON_TYPE = { str = "string", bool = "boolean", int = "number", float = "number", Duration = "string",
  Timestamp = "string", ["Dict[str, str]"] = "table", Any = nil }

--- Compares an answer `value` (a resource as GET returns it, an operation) with SDK model `name`:
-- every field it carries must be one of the model's, of its type, an enum's value one of the
-- enum's; a field of the model it does not carry is a row too (same, "not sent").
function M.answer(sdk, rows, name, value, key)
  local fields = sdk.models[name]
  if not fields then return end
  for _, f in ipairs(keys(fields)) do
    if value[f] == nil then rows[#rows + 1] = { key = key .. "." .. f, same = true, absent = true, detail = "not sent" } end
  end
  for _, f in ipairs(keys(value)) do
    local v, t = value[f], fields[f]
    local k = key .. "." .. f
    if f == "@type" then  -- the Any wrapper's type of an operation's response
    elseif not t then
      rows[#rows + 1] = { key = k, same = false, detail = "sent, not in SDK " .. name }
    else
      local ty = t.type
      local item = ty:match("^List%[(.+)%]$")
      if item then
        for i, x in ipairs(type(v) == "table" and v or {}) do
          if sdk.models[item] and type(x) == "table" then M.answer(sdk, rows, item, x, k .. "[" .. i .. "]") end
          if sdk.enums[item] then
            local ok = set(sdk.enums[item])[x] == true
            rows[#rows + 1] = { key = k .. "[]", same = ok, detail = "value " .. tostring(x) .. (ok and "" or (" not in " .. item)) }
          end
        end
      elseif sdk.enums[ty] then
        local ok = set(sdk.enums[ty])[v] == true
        rows[#rows + 1] = { key = k, same = ok, detail = "value " .. tostring(v) .. (ok and "" or (" not in " .. ty)) }
      elseif sdk.models[ty] then
        if type(v) == "table" then M.answer(sdk, rows, ty, v, k)
        else rows[#rows + 1] = { key = k, same = false, detail = "SDK object " .. ty .. ", sent " .. type(v) } end
      elseif JSON_TYPE[ty] then
        rows[#rows + 1] = { key = k, same = type(v) == JSON_TYPE[ty], detail = "SDK " .. ty .. ", sent " .. type(v) }
      end
    end
  end
end

function M.compare(sdk)
  local rows = {}
  M.methods(sdk, rows)
  M.models(sdk, rows)
  M.cli(sdk, rows)
  return rows
end

return M
