--- The Lakebase REST API (`/api/2.0/postgres/...`) over the emulator's store, answering as the
-- service answers (../shared/lakebase-fidelity.md): routing, request checks, pagination, update
-- masks, soft delete, purge and undelete, and long-running operations. Relations between
-- resources are in rules.lua, defaults and status in status.lua, side effects on PostgreSQL in
-- operations.lua and the compute.
local json = require "lakebase.base.json"
local log = require "lakebase.base.log"
local resources = require "lakebase.api.schema"
local F = require "lakebase.api.fields"
local masks = require "lakebase.api.masks"
local validate = require "lakebase.api.validate"
local views = require "lakebase.emulator.views"
local status = require "lakebase.emulator.status"
local rules = require "lakebase.emulator.rules"
local operations = require "lakebase.emulator.operations"
local records = require "lakebase.emulator.records"
local names = require "lakebase.api.names"
local derived = require "lakebase.emulator.derived"

local M = {}
local PREFIX = "/api/2.0/postgres/"
local DEFAULT_PAGE, MAX_PAGE = 50, 1000
-- Request bodies nested deeper than this are refused before anything is read from them.
M.MAX_DEPTH = 32

local fail, bad = rules.fail, rules.bad

local function now_text(E) return validate.format_time(E.clock()) end

-- "Field 'x' is required, expected non-default value (not "")!", as the service words it.
local function required(field)
  return bad("Field '" .. field .. "' is required, expected non-default value (not \"\")!")
end

-- A spec refused by the schema's check; a missing field in the service's words
-- ("Field 'catalog.spec.branch' is required ...").
local function spec_refused(def, why)
  local field = why:match("^([%w_%.%[%]]+) is required$")
  if field then return required(def.kind .. "." .. field:gsub("^" .. def.kind .. "%.", "")) end
  return bad(why)
end

-- Parses a boolean query parameter; returns value or nil, reason.
local function query_bool(q, key)
  local v = q[key]
  if v == nil or v == "" then return false end
  if v == "true" then return true elseif v == "false" then return false end
  return nil, "invalid value for " .. key .. ": expected true or false, got \"" .. v .. "\""
end

local function depth_of(v, limit)
  if type(v) ~= "table" then return 0 end
  local deepest = 0
  for _, x in pairs(v) do
    local d = depth_of(x, limit - 1)
    if d > deepest then deepest = d end
    if deepest > limit then break end
  end
  return deepest + 1
end

local function decode_body(req)
  if req.body == nil or req.body == "" then return {} end
  local body, err = json.decode(req.body)
  if body == nil then return nil, "request body is not valid JSON: " .. err end
  if not F.is_object(body) then return nil, "request body must be a JSON object" end
  if depth_of(body, M.MAX_DEPTH) > M.MAX_DEPTH then
    return nil, "request body is nested deeper than " .. M.MAX_DEPTH .. " levels"
  end
  return body
end

-- The spec of a create/update body (the resource object itself, not wrapped), checked and cleaned:
-- fields the emulator does not know are ignored, as the service ignores what it does not know.
local function body_spec(def, body, what)
  local spec = body.spec
  if def.top_level then spec = body end  -- the fields are the resource's own
  if spec == nil or spec == json.null then spec = {} end
  local unknown = {}
  local clean, err = resources.check_spec(def, spec, { unknown = unknown })
  if not clean then return nil, err end
  for k in pairs(def.top_level and {} or body) do
    if k ~= "spec" and not (def.create_fields and def.create_fields[k]) then unknown[#unknown + 1] = k end
  end
  if #unknown > 0 then log.debug("emulator: %s ignores unknown fields %s", what, table.concat(unknown, ", ")) end
  return clean
end

-----------------------------------------------------------------------------------------------
-- Routing, by the resource names of the schema (lakebase.api.names): a name designates a resource
-- (a singleton such as ".../data-api" too); a name and a collection ("projects/p/branches") a
-- listing or a create; ".../operations/ID" an operation; ".../undelete" a method.

local function route(rest)
  local steps, left = names.walk(rest)
  local last = steps[#steps]
  local parent = #steps > 1 and steps[#steps - 1].name or nil
  if #left == 0 then
    return last and { def = last.def, name = last.name, parent = parent } or nil
  end
  if last and #left == 2 and left[1] == "operations" then return { op = rest } end
  if last and #left == 1 and left[1] == "undelete" and last.def.collection then
    return { def = last.def, name = last.name, verb = "undelete" }
  end
  local def = #left == 1 and resources.by_collection[left[1]]
  if def and def.parent_kind == (last and last.def.kind) then return { def = def, parent = last and last.name } end
  return nil
end

--- The live record called `name`, or nil and the 404 the service gives (a missing parent project
-- or branch is reported as such).
local function lookup(E, name)
  local rec, missing = E.store:find(name)
  if rec then return rec end
  return nil, rules.not_found(rules.kind_of(missing))
end

local function busy(rec)
  if rec.busy then
    return fail(409, "RESOURCE_CONFLICT", "an operation is in progress on " .. rec.name .. ": " .. rec.busy)
  end
end

-----------------------------------------------------------------------------------------------
-- Create (and replace_existing).

-- A generated id for kinds whose id is optional ("role-1a2b3c4d").
local function generated_id(E, def)
  return def.id_prefix .. string.format("%08x", E.rng(0xffffffff))
end

local function replace(E, def, existing, spec)
  local why = busy(existing)
  if why then return why end
  local merged, err = masks.apply(def, existing.spec, spec, { "spec" })
  if not merged then return bad(err) end
  local project = rules.project_of(E, existing.name)
  status.defaults(E, def.kind, merged, existing.id, project ~= existing and project or nil)
  local _, cerr = resources.check_spec(def, merged, { creating = true })
  if cerr then return spec_refused(def, cerr) end
  why = rules.create(E, def, existing.parent, merged, existing, existing.id)
  if why then return why end
  local previous = existing.spec
  existing.spec = merged
  existing.update_time = now_text(E)
  return { 200, views.operation(operations.start(E, existing, "update", { previous = previous })) }
end

-- What a create of `def` stores beside the spec: the body's create-only fields, checked.
local function create_extras(def, body)
  local extra = {}
  for k, f in pairs(def.create_fields or {}) do
    if body[k] ~= nil and body[k] ~= json.null then
      local v, err = F.check(f, body[k], k, { unknown = {} })
      if not v then return nil, err end
      extra[k] = v
    end
  end
  if extra.initial_endpoint_spec then
    local ierr = resources.endpoint.check(extra.initial_endpoint_spec)
    if ierr then return nil, (ierr:gsub("^spec%.", "initial_endpoint_spec.")) end
  end
  return extra
end

-- The ID of a new resource: from the query, else the field it defaults to, else generated.
local function new_id(E, def, req, spec)
  if def.singleton then return nil end
  local id = req.query[def.id_field]
  if (id == nil or id == "") and def.id_default then id = spec[def.id_default] end
  if (id == nil or id == "") and def.id_optional and def.id_prefix then id = generated_id(E, def) end
  if id == nil or id == "" then return nil, required(def.id_field) end
  local why = resources.id_problem(def, id)
  if why and def.id_pattern then  -- the service's words [live: databases]
    return nil, bad("Field " .. def.id_field .. " must match pattern " .. def.id_pattern .. ", got '" .. id .. "'.")
  end
  if why then return nil, bad("Field " .. def.id_field .. " is invalid: " .. why .. ", got '" .. id .. "'.") end
  return id
end

local function already_exists(def, name)
  if def.kind == "role" or def.kind == "database" then
    return rules.conflict(def.kind .. " with that name already exists")
  end
  if def.singleton then return fail(409, "ALREADY_EXISTS", name .. " already exists") end
  return fail(409, "ALREADY_EXISTS", rules.noun(def.kind) .. " with such id already exists" ..
    (def.kind == "project" and " in the workspace" or ""))
end

local function create(E, def, parent, req, identity)
  if parent then
    local _, missing = lookup(E, parent)
    if missing then return missing end
  end
  local replace_existing, rerr = query_bool(req.query, "replace_existing")
  if replace_existing == nil then return bad(rerr) end
  if replace_existing and not def.replace_existing then
    return bad("replace_existing is not supported for " .. (def.collection or def.singleton))
  end
  local body, berr = decode_body(req)
  if not body then return bad(berr) end
  local spec, serr = body_spec(def, body, "create " .. def.kind)
  if not spec then return bad(serr) end
  local id, iwhy = new_id(E, def, req, spec)
  if iwhy then return iwhy end
  local name = resources.name_of(def, parent, id)
  local existing = E.store:get(name, true)
  if existing and existing.delete_time then
    return fail(409, "ALREADY_EXISTS", def.kind .. " " .. name .. " was deleted and its id stays reserved until " ..
      tostring(existing.purge_time or (existing.status or {}).purge_time) .. ": undelete it, or delete it with purge=true first")
  end
  if existing and replace_existing then return replace(E, def, existing, spec) end
  if existing then return already_exists(def, name) end
  local extra, xerr = create_extras(def, body)
  if not extra then return bad(xerr) end
  local project = parent and rules.project_of(E, parent) or nil
  status.defaults(E, def.kind, spec, id, project)
  local _, cerr = resources.check_spec(def, spec, { creating = true })
  if cerr then return spec_refused(def, cerr) end
  local why = rules.create(E, def, parent, spec, nil, id)
  if why then return why end
  local rec = records.new(E, def.kind, parent, id, spec, { creator = identity })
  rec.runtime.initial = next(extra) and extra or nil
  if def.kind == "project" then rec.runtime.owner = identity end
  E.store:put(rec)
  return { 200, views.operation(operations.start(E, rec, "create")) }
end

-----------------------------------------------------------------------------------------------
-- Update.

local function update(E, def, rec, req)
  local body, berr = decode_body(req)
  if not body then return bad(berr) end
  local spec, serr = body_spec(def, body, "update " .. rec.name)
  if not spec then return bad(serr) end
  -- No update_mask updates every field the body gives ("all fields ... when possible").
  local paths = masks.split(req.query.update_mask or "")
  if #paths == 0 then paths = { "*" } end
  local merged, err = masks.apply(def, rec.spec, spec, paths)
  if not merged then return bad(err) end
  local why = busy(rec)
  if why then return why end
  local project = rules.project_of(E, rec.name)
  status.defaults(E, def.kind, merged, rec.id, project ~= rec and project or nil)
  local _, cerr = resources.check_spec(def, merged, { creating = true })
  if cerr then return spec_refused(def, cerr) end
  why = rules.update(E, def, rec, merged)
  if why then return why end
  local previous = rec.spec
  rec.spec = merged
  rec.update_time = now_text(E)
  if def.synchronous then  -- answered with the resource itself, once stored
    E.store:put(rec)
    E.store:save()
    return { 200, views.resource(E, rec) }
  end
  return { 200, views.operation(operations.start(E, rec, "update", { previous = previous })) }
end

-----------------------------------------------------------------------------------------------
-- Delete, purge and undelete.

local function delete(E, def, name, req)
  local purge, perr = query_bool(req.query, "purge")
  if purge == nil then return bad(perr) end
  if purge and not (def.delete_query or {}).purge then return bad("purge is not supported for " .. def.collection) end
  local force, ferr = query_bool(req.query, "force")
  if force == nil then return bad(ferr) end
  local allow_missing, aerr = query_bool(req.query, "allow_missing")
  if allow_missing == nil then return bad(aerr) end
  if allow_missing and not (def.delete_query or {}).allow_missing then
    return bad("allow_missing is not supported for " .. (def.collection or def.singleton))
  end
  local rec, missing = lookup(E, name)
  if not rec and purge then
    -- Purging what is already in the trash: the deleted record itself (its parent must be live).
    local raw = E.store:get(name, true)
    if raw and raw.delete_time and (not raw.parent or E.store:get(raw.parent)) then rec, missing = raw, nil end
  end
  -- allow_missing: a branch that is not there (or only in the trash) is deleted already; its
  -- project must be there [?: the SDK says only "if branch does not exist"].
  local parent = name:match("^(.*)/[^/]+/[^/]+$")
  if not rec and allow_missing and parent and E.store:find(parent) then
    return { 200, views.operation(operations.already_done(E, name, def.kind)) }
  end
  if not rec then return missing end
  local why = busy(rec)
  if why then return why end
  if not rec.delete_time then
    why = rules.delete(E, def, rec)
    if why then return why end
  end
  local opts = { purge = purge, force = force or nil }
  if def.kind == "role" and req.query.reassign_owned_to and req.query.reassign_owned_to ~= "" then
    local to = req.query.reassign_owned_to
    local target = E.store:get(to)
    if not target or target.kind ~= "role" or target.parent ~= rec.parent then
      for _, r in ipairs(E.store:children(rec.parent, "role")) do
        if r.spec.postgres_role == to then target = r end
      end
    end
    if not target or target.kind ~= "role" or target.parent ~= rec.parent or target == rec then
      return bad("reassign_owned_to must name another role of " .. rec.parent .. " (its resource name or Postgres role), got '" .. to .. "'")
    end
    opts.reassign_to = target.name
  elseif def.kind == "role" then
    for _, d in ipairs(E.store:children(rec.parent, "database")) do
      if d.spec.role == rec.name then
        return rules.conflict("role " .. rec.name .. " owns database " .. d.name ..
          ": give the database another owner first, or delete the role with reassign_owned_to")
      end
    end
  end
  return { 200, views.operation(operations.start(E, rec, "delete", opts)) }
end

local function undelete(E, def, name)
  local raw = E.store:get(name, true)
  if raw and raw.parent then
    local _, missing = lookup(E, raw.parent)
    if missing then return missing end
  end
  if not raw then return rules.not_found(def.kind) end
  if not raw.delete_time then return rules.conflict(def.kind .. " " .. name .. " is not deleted") end
  local why = busy(raw)
  if why then return why end
  return { 200, views.operation(operations.start(E, raw, "undelete")) }
end

-----------------------------------------------------------------------------------------------
-- List.

local function encode_token(name) return (name:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
local function decode_token(t)
  if not t:match("^%x*$") or #t % 2 == 1 then return nil end
  return (t:gsub("%x%x", function(h) return string.char(tonumber(h, 16)) end))
end

-- Page size and position of a listing request; or nil and the 400.
local function page_request(def, req)
  local size = req.query.page_size
  local n = DEFAULT_PAGE
  if size and size ~= "" then
    n = tonumber(size)
    if not n or n ~= math.floor(n) or n < 0 then
      return nil, bad("invalid page_size \"" .. size .. "\": expected a non-negative integer")
    end
    if n == 0 then n = DEFAULT_PAGE end
    n = math.min(n, def.list_max or MAX_PAGE)
  end
  local after = nil
  if req.query.page_token and req.query.page_token ~= "" then
    after = decode_token(req.query.page_token)
    if not after then return nil, bad("invalid page_token") end
  end
  return { size = n, after = after }
end

-- Up to `n` of `all` (sorted by name) after the name `after`; and whether more follow.
local function page_of(all, after, n)
  local items = {}
  for _, rec in ipairs(all) do
    if not after or rec.name > after then
      if #items == n then return items, true end
      items[#items + 1] = rec
    end
  end
  return items, false
end

local function list(E, def, parent, req)
  local parent_rec
  if parent then
    local missing
    parent_rec, missing = lookup(E, parent)
    if missing then return missing end
  end
  local pg, perr = page_request(def, req)
  if not pg then return perr end
  local show_deleted, serr = query_bool(req.query, "show_deleted")
  if show_deleted == nil then return bad(serr) end
  local recs, more
  local made = derived.children(E, def, parent_rec)  -- what the service makes: computes, CDF statuses
  if made then
    recs, more = page_of(made, pg.after, pg.size)
  else
    recs, more = E.store:page(parent, def.kind, show_deleted and def.soft_delete, pg.after, pg.size)
  end
  local out = {}
  -- An empty list leaves the field out, as the service's answers do.
  if #recs > 0 then
    local items = {}
    for i, rec in ipairs(recs) do items[i] = views.resource(E, rec) end
    out[def.list_key] = json.array(items)
  end
  if more then out.next_page_token = encode_token(recs[#recs].name) end
  return { 200, out }
end

-----------------------------------------------------------------------------------------------
-- Credentials: {endpoint, claims, ttl (300-3600 s), expire_time (5 min to 1 h ahead), group_name}.

local credential_body = F.object {
  endpoint = F.string { min = 1, required = true },
  claims = F.list(F.object {
    permission_set = F.enum { "READ_ONLY" },
    resources = F.list(F.object { table_name = F.string { min = 1 } }),
  }),
  ttl = F.duration { min = 300, max = 3600 },
  expire_time = F.timestamp(),
  group_name = F.string { min = 1 },
}

local function credentials(E, req, identity)
  local body, berr = decode_body(req)
  if not body then return bad(berr) end
  local c, err = F.check(credential_body, body, "credential", { unknown = {} })
  if not c then return bad((err:gsub("credential%.", ""))) end
  if not c.endpoint then return required("endpoint") end
  if c.ttl and c.expire_time then return bad("ttl and expire_time are mutually exclusive: give one of them") end
  local ttl = c.ttl and validate.duration(c.ttl)
  if c.expire_time then
    ttl = validate.timestamp(c.expire_time) - E.clock()
    if ttl < 300 - 1 or ttl > 3600 + 1 then
      return bad("expire_time must be at least 5 minutes and at most 1 hour from now, got " .. c.expire_time)
    end
  end
  if not c.endpoint:match("^projects/[^/]+/branches/[^/]+/endpoints/[^/]+$") then
    return bad("endpoint must be an endpoint's resource name, projects/{p}/branches/{b}/endpoints/{e}, got '" .. c.endpoint .. "'")
  end
  local ep, missing = lookup(E, c.endpoint)
  if not ep then return missing end
  local tok = E.credentials(ep, c.group_name or identity, ttl)
  return { 200, { token = tok.token, expire_time = validate.format_time(tok.expires) } }
end

-----------------------------------------------------------------------------------------------

local function operation(E, name)
  local op = E.store.operations[name]
  if not op then return rules.not_found("operation") end
  return { 200, views.operation(op) }
end

-- The record `r` names, as GET sees it: stored, made by the service (computes, CDF statuses), or
-- for a singleton that always exists, an empty one; or nil and the 404.
local function find(E, r)
  if r.def.read_only or r.def.implicit then
    local parent_rec, missing = lookup(E, r.parent)
    if not parent_rec then return nil, missing end
    local made = derived.children(E, r.def, parent_rec)
    if made then
      for _, rec in ipairs(made) do if rec.name == r.name then return rec end end
      return nil, rules.not_found(r.def.kind)
    end
    if r.def.implicit then return E.store:get(r.name) or derived.empty(E, r.def, parent_rec) end
  end
  local rec, missing = lookup(E, r.name)
  if rec and E.lagging and E.lagging(rec) then rec, missing = nil, rules.not_found(r.def.kind) end
  return rec, missing
end

-- A method the API does not have for this kind (catalogs are not listed, CDF statuses not made).
local function no_method(def, what)
  return views.error(405, "BAD_REQUEST", rules.noun(def.kind) .. " resources cannot be " .. what ..
    ": the API has no such method")
end

--- Handles a request whose path starts with /api/2.0/postgres/. Returns status, body table.
function M.handle(E, req, identity)
  local rest = req.path:sub(#PREFIX + 1)
  local m = req.method
  if rest == "credentials" then
    if m ~= "POST" then return views.error(405, "BAD_REQUEST", "use POST for credentials") end
    return table.unpack(credentials(E, req, identity))
  end
  local r = route(rest)
  if not r then return views.error(404, "NOT_FOUND", "no such API path: " .. req.path) end
  local def, result = r.def, nil
  if r.op then
    if m ~= "GET" then return views.error(405, "BAD_REQUEST", "operations only support GET") end
    result = operation(E, r.op)
  elseif r.verb == "undelete" then
    if m ~= "POST" then return views.error(405, "BAD_REQUEST", "use POST for undelete") end
    if not def.undelete then return views.error(404, "NOT_FOUND", "no such API path: " .. req.path) end
    result = undelete(E, def, r.name)
  elseif r.name then
    if m == "GET" then
      local rec, missing = find(E, r)
      result = rec and { 200, views.resource(E, rec) } or missing
    elseif m == "PATCH" then
      if def.read_only or def.no_update then return no_method(def, "updated") end
      local rec, missing = find(E, r)
      result = rec and update(E, def, rec, req) or missing
    elseif m == "DELETE" then
      if def.read_only or def.implicit then return no_method(def, "deleted") end
      result = delete(E, def, r.name, req)
    elseif m == "POST" and def.singleton then
      if def.implicit then return no_method(def, "created (it always exists: update it)") end
      result = create(E, def, r.parent, req, identity)
    else
      return views.error(405, "BAD_REQUEST", "method " .. m .. " is not allowed on " .. r.name)
    end
  else
    if m == "GET" then
      if def.no_list then return no_method(def, "listed") end
      result = list(E, def, r.parent, req)
    elseif m == "POST" then
      if def.read_only then return no_method(def, "created (the service makes them)") end
      result = create(E, def, r.parent, req, identity)
    else return views.error(405, "BAD_REQUEST", "method " .. m .. " is not allowed on a collection") end
  end
  return result[1], result[2]
end

--- Kept for the computes, which refresh an endpoint's status after starting or stopping it.
function M.refresh_status(E, rec) return status.refresh(E, rec) end

M.PREFIX = PREFIX
return M
