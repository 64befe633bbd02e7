--- The Lakebase REST API (`/api/2.0/postgres/...`) over the emulator's store: routing, request
-- validation, pagination, update masks and long-running operations. Side effects on real
-- PostgreSQL servers are delegated to the engine's compute (lakebase.emulator.compute).
local json = require "lakebase.base.json"
local validate = require "lakebase.api.validate"
local resources = require "lakebase.api.schema"
local views = require "lakebase.emulator.views"
local operations = require "lakebase.emulator.operations"

local M = {}
local PREFIX = "/api/2.0/postgres/"
local DEFAULT_PAGE, MAX_PAGE = 50, 1000

local function fail(status, code, message) return { views.error(status, code, message) } end
local function bad(message) return fail(400, "INVALID_PARAMETER_VALUE", message) end
local function not_found(what) return fail(404, "NOT_FOUND", what .. " does not exist") end

local function now_text(E) return validate.format_time(E.clock()) end

local function kind_label(kind) return kind end

-- Parses a boolean query parameter; returns value or nil, reason.
local function query_bool(q, key)
  local v = q[key]
  if v == nil or v == "" then return false end
  if v == "true" then return true elseif v == "false" then return false end
  return nil, "invalid value for " .. key .. ": expected true or false, got \"" .. v .. "\""
end

local function decode_body(req)
  if req.body == nil or req.body == "" then return {} end
  local body, err = json.decode(req.body)
  if body == nil then return nil, "request body is not valid JSON: " .. err end
  if type(body) ~= "table" or body == json.null then return nil, "request body must be a JSON object" end
  return body
end

local OUTPUT_ONLY = { name = true, uid = true, parent = true, create_time = true, update_time = true,
  status = true, delete_time = true, purge_time = true }

-- The body of a create/update: the resource object itself. Returns its spec or nil, reason.
local function body_spec(def, body, extra_allowed)
  for k in pairs(body) do
    if not OUTPUT_ONLY[k] and k ~= "spec" and k ~= def.id_field and not (extra_allowed and extra_allowed[k]) then
      return nil, "unknown field " .. tostring(k) .. " in the " .. def.kind .. " (fields belong under spec)"
    end
  end
  local spec = body.spec
  if spec == nil or spec == json.null then spec = {} end
  if type(spec) ~= "table" then return nil, "invalid value for spec: expected an object" end
  return views.copy(spec)
end

-----------------------------------------------------------------------------------------------
-- Routing: "projects/p/branches/b/endpoints" is a collection under a parent; an even number of
-- segments names a resource; ".../operations/ID" names an operation.

local function route(rest)
  local segs = {}
  for s in rest:gmatch("[^/]+") do segs[#segs + 1] = s end
  if #segs == 0 then return nil end
  local expected_parent = nil
  for i = 1, #segs, 2 do
    local coll = segs[i]
    if coll == "operations" then
      if i + 1 ~= #segs then return nil end
      return { op = table.concat(segs, "/") }
    end
    local def = resources.by_collection[coll]
    if not def or def.parent_kind ~= expected_parent then return nil end
    expected_parent = def.kind
    if i == #segs then
      return { def = def, parent = i > 1 and table.concat(segs, "/", 1, i - 1) or nil }
    end
  end
  return { def = resources.by_collection[segs[#segs - 1]], name = table.concat(segs, "/") }
end

-----------------------------------------------------------------------------------------------
-- Derived status.

local function expire_time_of(spec, created)
  if spec.ttl then return validate.format_time(created + validate.duration(spec.ttl)) end
  return spec.expire_time
end

--- Recomputes rec.status from its spec and runtime state (kept in rec.runtime).
function M.refresh_status(E, rec)
  local s, spec, rt = rec.status or {}, rec.spec, rec.runtime or {}
  rec.status = s
  if rec.kind == "project" then
    for _, k in ipairs { "display_name", "pg_version", "history_retention_duration", "enable_pg_native_login",
      "custom_tags", "budget_policy_id" } do s[k] = views.copy(spec[k]) end
    s.default_endpoint_settings = views.copy(spec.default_endpoint_settings)
    s.owner = E.opts.user
    s.default_branch = rec.name .. "/branches/" .. (rt.default_branch or "production")
    s.branch_logical_size_limit_bytes = 8 * 1024 ^ 4 // 1
    s.synthetic_storage_size_bytes = rt.storage_bytes or 0
  elseif rec.kind == "branch" then
    s.current_state = rt.state or "INIT"
    s.pending_state = rt.pending_state
    s.default = rt.default or false
    s.logical_size_bytes = rt.size_bytes or 0
    s.source_branch = spec.source_branch
    s.source_branch_lsn = spec.source_branch_lsn
    s.source_branch_time = spec.source_branch_time
    s.is_protected = spec.is_protected or false
    s.expire_time = expire_time_of(spec, rt.created_at or E.clock())
  elseif rec.kind == "endpoint" then
    for _, k in ipairs { "endpoint_type", "autoscaling_limit_min_cu", "autoscaling_limit_max_cu",
      "suspend_timeout_duration", "settings", "group", "no_suspension" } do s[k] = views.copy(spec[k]) end
    s.disabled = spec.disabled or false
    s.current_state = rt.state or "INIT"
    s.pending_state = rt.pending_state
    s.hosts = rt.port and { host = E.opts.pg_host, port = rt.port } or nil
    s.last_active_time = rt.last_active_time
    s.endpoint_id = rec.id
  elseif rec.kind == "role" then
    for k, v in pairs(spec) do s[k] = views.copy(v) end
    s.auth_method = spec.auth_method or "LAKEBASE_OAUTH_V1"
    s.identity_type = spec.identity_type or "USER"
  elseif rec.kind == "database" then
    for k, v in pairs(spec) do s[k] = views.copy(v) end
  end
end

-----------------------------------------------------------------------------------------------
-- Create.

local function new_record(E, def, parent, id, spec)
  local t = now_text(E)
  local rec = { kind = def.kind, id = id, parent = parent,
    name = (parent and (parent .. "/") or "") .. def.collection .. "/" .. id,
    uid = string.format("%08x-%04x-4%03x-8%03x-%012x", math.floor(E.clock()) & 0xffffffff,
      E.store:next_seq() & 0xffff, E.rng(0xfff), E.rng(0xfff), E.rng(0xffffffffff)),
    create_time = t, update_time = t, spec = spec, runtime = { created_at = E.clock() } }
  if def.defaults then def.defaults(spec, id) end
  return rec
end

local function check_create_rules(E, def, parent, spec, existing)
  if def.kind == "branch" then
    local project = E.store:get(parent)
    local default = parent .. "/branches/" .. ((project.runtime or {}).default_branch or "production")
    spec.source_branch = spec.source_branch or default
    local src = E.store:get(spec.source_branch)
    if not src or src.parent ~= parent then
      return bad("source branch " .. spec.source_branch .. " does not exist in " .. parent)
    end
    if spec.source_branch_time then
      local t = validate.timestamp(spec.source_branch_time)
      local window = validate.duration(project.spec.history_retention_duration) or 604800
      if t > E.clock() + 1 then return bad("spec.source_branch_time " .. spec.source_branch_time .. " is in the future") end
      if t < E.clock() - window then
        return bad("spec.source_branch_time " .. spec.source_branch_time .. " is outside the project's history retention window")
      end
    end
  elseif def.kind == "endpoint" then
    if spec.endpoint_type == "ENDPOINT_TYPE_READ_WRITE" then
      for _, ep in ipairs(E.store:children(parent, "endpoint")) do
        if ep.spec.endpoint_type == "ENDPOINT_TYPE_READ_WRITE" and ep ~= existing then
          return fail(409, "RESOURCE_CONFLICT", "branch " .. parent .. " already has a read-write endpoint: " .. ep.name)
        end
      end
    end
    local project = E.store:get(parent:match("^(projects/[^/]+)"))
    local d = project.spec.default_endpoint_settings or {}
    spec.autoscaling_limit_min_cu = spec.autoscaling_limit_min_cu or d.autoscaling_limit_min_cu or 0.5
    spec.autoscaling_limit_max_cu = spec.autoscaling_limit_max_cu or
      math.max(d.autoscaling_limit_max_cu or 4, spec.autoscaling_limit_min_cu)
    spec.suspend_timeout_duration = spec.suspend_timeout_duration or d.suspend_timeout_duration or "300s"
    local why = def.check(spec)
    if why then return bad(why) end
  elseif def.kind == "database" then
    spec.postgres_database = spec.postgres_database
    if not spec.postgres_database then return bad("spec.postgres_database is required") end
    if spec.role then
      local found = false
      for _, r in ipairs(E.store:children(parent, "role")) do
        if r.name == spec.role or r.spec.postgres_role == spec.role then found = true end
      end
      if not found then return bad("spec.role " .. spec.role .. " is not a role of branch " .. parent) end
    end
  end
end

local function create(E, def, parent, req)
  if parent then
    local p = E.store:get(parent)
    if not p then return not_found(parent) end
  end
  local id = req.query[def.id_field]
  if (id == nil or id == "") and def.id_optional then
    id = string.format("role-%06x", E.rng(0xffffff))
  end
  if id == nil or id == "" then return bad(def.id_field .. " is required (a query parameter)") end
  local why = validate.id_problem(id, def.id_min)
  if why then return bad("invalid " .. def.id_field .. " \"" .. id .. "\": " .. why) end
  local replace, rerr = query_bool(req.query, "replace_existing")
  if replace == nil then return bad(rerr) end
  if replace and not def.replace_existing then return bad("replace_existing is not supported for " .. def.kind .. "s") end
  local body, berr = decode_body(req)
  if not body then return bad(berr) end
  local spec, serr = body_spec(def, body, def.kind == "project" and { initial_endpoint_spec = true } or nil)
  if not spec then return bad(serr) end
  local name = (parent and (parent .. "/") or "") .. def.collection .. "/" .. id
  local existing = E.store:get(name, true)
  if existing and not (replace and not existing.delete_time) then
    return fail(409, "ALREADY_EXISTS", def.kind .. " " .. name .. " already exists" ..
      (existing.delete_time and " (deleted; it can be restored until " .. tostring(existing.purge_time) .. ")" or ""))
  end
  why = resources.check_spec(def, spec, not existing)
  if why then return bad(why) end
  if existing then
    if existing.busy then return fail(409, "RESOURCE_CONFLICT", "an operation is in progress on " .. name .. ": " .. existing.busy) end
    for k, f in pairs(def.spec) do
      if f.immutable and spec[k] ~= nil and json.encode(spec[k]) ~= json.encode(existing.spec[k]) then
        return bad("field spec." .. k .. " is immutable")
      end
    end
    local merged = views.copy(existing.spec)
    for k, v in pairs(spec) do merged[k] = v end
    local r = check_create_rules(E, def, parent, merged, existing)
    if r then return r end
    existing.spec = merged
    existing.update_time = now_text(E)
    return { 200, views.operation(operations.start(E, existing, "update")) }
  end
  local initial = nil
  if def.kind == "project" and body.initial_endpoint_spec ~= nil then
    initial = body.initial_endpoint_spec
    local ierr = resources.check_spec(resources.endpoint, initial, false)
    if ierr then return bad("initial_endpoint_spec: " .. ierr) end
  end
  local r = check_create_rules(E, def, parent, spec, nil)
  if r then return r end
  local rec = new_record(E, def, parent, id, spec)
  rec.runtime.initial_endpoint_spec = initial
  M.refresh_status(E, rec)
  E.store:put(rec)
  return { 200, views.operation(operations.start(E, rec, "create")) }
end

-----------------------------------------------------------------------------------------------
-- Update.

local function split_mask(mask)
  local out = {}
  for p in mask:gmatch("[^,]+") do out[#out + 1] = p:match("^%s*(.-)%s*$") end
  return out
end

local function update(E, def, rec, req)
  local mask = req.query.update_mask
  if mask == nil or mask == "" then return bad("update_mask is required (for example update_mask=spec.display_name)") end
  local body, berr = decode_body(req)
  if not body then return bad(berr) end
  local spec, serr = body_spec(def, body)
  if not spec then return bad(serr) end
  local why = resources.check_spec(def, spec, false)
  if why then return bad(why) end
  local paths = split_mask(mask)
  local fields = {}
  if #paths == 1 and paths[1] == "*" then
    for k in pairs(spec) do
      if def.spec[k].immutable and json.encode(spec[k]) ~= json.encode(rec.spec[k]) then
        return bad("field spec." .. k .. " is immutable")
      end
      fields[#fields + 1] = { k }
    end
  else
    for _, p in ipairs(paths) do
      local f, name = resources.mask_field(def, p)
      if not f then return bad(name) end
      local sub = {}
      for part in p:gmatch("[^.]+") do sub[#sub + 1] = part end
      table.remove(sub, 1)  -- "spec"
      fields[#fields + 1] = sub
    end
  end
  if rec.busy then return fail(409, "RESOURCE_CONFLICT", "an operation is in progress on " .. rec.name .. ": " .. rec.busy) end
  local merged = views.copy(rec.spec)
  for _, path in ipairs(fields) do
    local src, dst = spec, merged
    for i = 1, #path - 1 do
      src = type(src) == "table" and src[path[i]] or nil
      dst[path[i]] = type(dst[path[i]]) == "table" and dst[path[i]] or {}
      dst = dst[path[i]]
    end
    local last = path[#path]
    dst[last] = views.copy(type(src) == "table" and src[last] or nil)
  end
  if def.kind == "branch" and (merged.ttl or merged.expire_time or merged.no_expiry) then
    -- Setting one expiry policy replaces the others.
    for _, path in ipairs(fields) do
      if path[1] == "ttl" or path[1] == "expire_time" or path[1] == "no_expiry" then
        for _, k in ipairs { "ttl", "expire_time", "no_expiry" } do
          if k ~= path[1] and not spec[k] then merged[k] = nil end
        end
      end
    end
  end
  why = def.check and def.check(merged, false)
  if why then return bad(why) end
  rec.spec = merged
  rec.update_time = now_text(E)
  M.refresh_status(E, rec)
  E.store:save()
  return { 200, views.operation(operations.start(E, rec, "update")) }
end

-----------------------------------------------------------------------------------------------
-- Delete.

local function delete(E, def, rec)
  if rec.busy then return fail(409, "RESOURCE_CONFLICT", "an operation is in progress on " .. rec.name .. ": " .. rec.busy) end
  if def.kind == "branch" then
    if rec.spec.is_protected then return fail(400, "BAD_REQUEST", "branch " .. rec.name .. " is protected and cannot be deleted") end
    if (rec.runtime or {}).default then
      return fail(400, "BAD_REQUEST", "branch " .. rec.name .. " is the project's default branch and cannot be deleted")
    end
  elseif def.kind == "project" then
    for _, b in ipairs(E.store:children(rec.name, "branch")) do
      if b.spec.is_protected then
        return fail(400, "BAD_REQUEST", "project " .. rec.name .. " has a protected branch (" .. b.name .. ") and cannot be deleted")
      end
    end
  end
  return { 200, views.operation(operations.start(E, rec, "delete")) }
end

-----------------------------------------------------------------------------------------------
-- List.

local function encode_token(name) return (name:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
local function decode_token(t)
  if not t:match("^%x*$") or #t % 2 == 1 then return nil end
  return (t:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end

local function list(E, def, parent, req)
  if parent and not E.store:get(parent) then return not_found(parent) end
  local size = req.query.page_size
  local n = DEFAULT_PAGE
  if size and size ~= "" then
    n = tonumber(size)
    if not n or n ~= math.floor(n) or n < 0 then
      return bad("invalid page_size \"" .. size .. "\": expected a non-negative integer")
    end
    if n == 0 then n = DEFAULT_PAGE end
    n = math.min(n, MAX_PAGE)
  end
  local after = nil
  if req.query.page_token and req.query.page_token ~= "" then
    after = decode_token(req.query.page_token)
    if not after then return bad("invalid page_token") end
  end
  local show_deleted, serr = query_bool(req.query, "show_deleted")
  if show_deleted == nil then return bad(serr) end
  local recs, more = E.store:page(parent, def.kind, show_deleted and def.soft_delete, after, n)
  local items = {}
  for i, rec in ipairs(recs) do items[i] = views.resource(rec) end
  local out = { [def.collection] = json.array(items) }
  if more then out.next_page_token = encode_token(recs[#recs].name) end
  return { 200, out }
end

-----------------------------------------------------------------------------------------------
-- Credentials.

local function credentials(E, req, identity)
  local body, berr = decode_body(req)
  if not body then return bad(berr) end
  for k in pairs(body) do
    if k ~= "endpoint" and k ~= "claims" then return bad("unknown field " .. tostring(k)) end
  end
  if type(body.endpoint) ~= "string" or body.endpoint == "" then
    return bad("endpoint is required: the endpoint's resource name, projects/{p}/branches/{b}/endpoints/{e}")
  end
  local ep = E.store:get(body.endpoint)
  if not ep or ep.kind ~= "endpoint" then return not_found("endpoint " .. body.endpoint) end
  local tok = E.credentials(ep, identity)
  return { 200, { token = tok.token, expire_time = validate.format_time(tok.expires) } }
end

-----------------------------------------------------------------------------------------------

--- Handles a request whose path starts with /api/2.0/postgres/. Returns status, body table.
function M.handle(E, req, identity)
  local rest = req.path:sub(#PREFIX + 1)
  if rest == "credentials" then
    if req.method ~= "POST" then return views.error(405, "BAD_REQUEST", "use POST for credentials") end
    return table.unpack(credentials(E, req, identity))
  end
  local r = route(rest)
  if not r then return views.error(404, "NOT_FOUND", "no such API path: " .. req.path) end
  local m = req.method
  local result
  if r.op then
    if m ~= "GET" then return views.error(405, "BAD_REQUEST", "operations only support GET") end
    local op = E.store.operations[r.op]
    if not op then return views.error(404, "NOT_FOUND", "operation " .. r.op .. " does not exist") end
    return 200, views.operation(op)
  elseif r.name then
    local rec = E.store:get(r.name)
    if not rec then return views.error(404, "NOT_FOUND", r.def.kind .. " " .. r.name .. " does not exist") end
    if m == "GET" then return 200, views.resource(rec)
    elseif m == "PATCH" then result = update(E, r.def, rec, req)
    elseif m == "DELETE" then result = delete(E, r.def, rec)
    else return views.error(405, "BAD_REQUEST", "method " .. m .. " is not allowed on " .. r.name) end
  else
    if m == "GET" then result = list(E, r.def, r.parent, req)
    elseif m == "POST" then result = create(E, r.def, r.parent, req)
    else return views.error(405, "BAD_REQUEST", "method " .. m .. " is not allowed on a collection") end
  end
  return result[1], result[2]
end

M.PREFIX = PREFIX
M.kind_label = kind_label
return M
