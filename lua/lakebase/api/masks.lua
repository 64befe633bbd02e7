--- Update masks as the service reads them, shared by the client (which computes and checks them)
-- and the emulator (which applies them). A mask is a comma-separated list of paths:
--   `*` or `spec`            the whole spec is replaced by the body's (absent fields are cleared;
--                            immutable ones keep their value whatever the body says, as the
--                            service silently keeps a role's postgres_role [live]; `*` keeps
--                            custom tags the body leaves empty)
--   `initial_endpoint_spec`  fields a create takes beside the spec (a project's
--                            initial_branch_spec too): accepted, and change nothing, as
--                            Terraform's `initial_branch_spec,initial_endpoint_spec,spec` [live]
--   `spec.a.b`               one field at any depth; absent from the body means cleared
--   `spec.expiration`        a oneof group (branch expiry: ttl | expire_time | no_expiry;
--   `spec.suspension`        endpoint suspension: suspend_timeout_duration | no_suspension); the
--                            body must set one member. The members' own paths are refused, as
--                            the service refuses them ("Unknown field path in update_mask").
-- Resources whose fields are their own (schema `top_level`, such as a snapshot schedule) name
-- them without the `spec.` prefix: `schedule`.
local M = {}

local OUTPUT_ONLY = { name = true, uid = true, parent = true, create_time = true, update_time = true,
  status = true, delete_time = true, purge_time = true }

--- Splits "a, b,c" into trimmed paths.
function M.split(mask)
  local out = {}
  for p in tostring(mask):gmatch("[^,]+") do
    p = p:match("^%s*(.-)%s*$")
    if p ~= "" then out[#out + 1] = p end
  end
  return out
end

local function segments(path)
  local out = {}
  for s in path:gmatch("[^.]+") do out[#out + 1] = s end
  return out
end

--- Resolves one mask path of resource `def`. Returns a descriptor:
--   { kind = "all" } for `*`, { kind = "spec" } for `spec`, { kind = "create_only" } for a field
--   of the create body beside the spec,
--   { kind = "field", path = {...}, field = fdef } for a field (path below spec),
--   { kind = "group", path = {...}, group = g } for a oneof group (path to the object holding it),
-- or nil, the reason, and whether the path is merely unknown (a field this version may not know).
local function prefix(def) return def.top_level and "" or "spec." end

function M.resolve(def, path)
  if path == "*" then return { kind = "all" } end
  if path == "spec" and not def.top_level then return { kind = "spec" } end
  if (def.create_fields or {})[path] then return { kind = "create_only" } end
  path = (def.mask_aliases or {})[path] or path
  local segs = segments(path)
  if #segs == 0 or path:find("..", 1, true) or path:sub(-1) == "." then
    return nil, "invalid path \"" .. path .. "\" in update_mask"
  end
  local P = prefix(def)
  if OUTPUT_ONLY[segs[1]] or segs[1] == def.id_field then
    return nil, "field " .. path .. " is output only and cannot be updated"
  end
  if P ~= "" and segs[1] ~= "spec" then
    return nil, "Unknown field path in update_mask: " .. path .. " (fields to update are under spec.)", true
  end
  local obj, walked = def.spec, {}
  for i = P == "" and 1 or 2, #segs do
    local seg, last = segs[i], i == #segs
    local f = obj.fields[seg]
    if not f and obj.oneofs[seg] then
      if not last then return nil, "Unknown field path in update_mask: " .. path end
      return { kind = "group", path = walked, group = obj.oneofs[seg] }
    end
    if not f or f.output_only then
      -- Below a field this version knows, an unknown name is a mistake (spec.ttl.x); beside one it
      -- may be a field the service has gained since.
      return nil, "Unknown field path in update_mask: " .. path, true
    end
    walked[#walked + 1] = seg
    if not last and f.type ~= "object" then
      return nil, "Unknown field path in update_mask: " .. path .. " (" .. P .. table.concat(walked, ".") ..
        " has no fields below it)"
    end
    if f.oneof then
      local group = P .. table.concat(walked, ".", 1, #walked - 1) .. (#walked > 1 and "." or "") .. f.oneof
      local documented = group
      for alias, real in pairs(def.mask_aliases or {}) do if real == group then documented = alias end end
      return nil, "Unknown field path in update_mask: " .. path .. " (it belongs to the oneof group " ..
        documented .. ": name the group in update_mask, with the member set in the body)"
    end
    if f.immutable then
      -- The service lists only the paths it can update; the others are unknown to it [live].
      return nil, "Unknown field path in update_mask: " .. path .. " (the field is immutable: it cannot be changed once created)"
    end
    if last then return { kind = "field", path = walked, field = f } end
    obj = f
  end
end

--- The mask for a spec of changed fields, as the service wants it: leaves of known objects, oneof
-- members by their group's (documented) path, lists and maps whole, unknown fields by their path.
function M.from_fields(def, spec)
  local out, seen = {}, {}
  local function add(p)
    if not seen[p] then seen[p] = true out[#out + 1] = p end
  end
  local function walk(obj, t, prefix)
    for k, v in pairs(t) do
      local f = obj and obj.fields[k]
      if f and f.oneof then
        local group = prefix .. f.oneof
        for alias, real in pairs(def.mask_aliases or {}) do if real == group then group = alias end end
        add(group)
      elseif f and f.type == "object" and type(v) == "table" and next(v) ~= nil then
        walk(f, v, prefix .. k .. ".")
      else
        add(prefix .. k)
      end
    end
  end
  walk(def.spec, spec, prefix(def))
  table.sort(out)
  return table.concat(out, ",")
end

local function copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = copy(x) end
  return setmetatable(out, getmetatable(v))
end

-- Walks `t` along `path` (creating objects when `create`); returns the table holding the last key.
local function holder(t, path, create)
  for i = 1, #path - 1 do
    local k = path[i]
    if type(t[k]) ~= "table" then
      if not create then return nil end
      t[k] = {}
    end
    t = t[k]
  end
  return t
end

local function get(t, path)
  for _, k in ipairs(path) do
    if type(t) ~= "table" then return nil end
    t = t[k]
  end
  return t
end

-- The whole spec replaced by `body`: immutable fields keep their value; a oneof group the body
-- leaves empty keeps its member; `keep_empty_tags` keeps tags the body gives as [].
local function replace(obj, current, body, keep_empty_tags)
  local out = {}
  for k, f in pairs(obj.fields) do
    local cur, new = current and current[k], body and body[k]
    if f.immutable then
      out[k] = copy(cur)
    elseif f.type == "object" and new ~= nil then
      out[k] = replace(f, cur, new, keep_empty_tags)
    elseif k == "custom_tags" and keep_empty_tags and (new == nil or #new == 0) then
      out[k] = copy(cur)
    else
      out[k] = copy(new)
    end
  end
  for _, g in pairs(obj.oneofs) do
    local any = false
    for _, m in ipairs(g.members) do if body and body[m] ~= nil then any = true end end
    if not any then
      for _, m in ipairs(g.members) do out[m] = copy(current and current[m]) end
    end
  end
  return out
end

--- Applies the mask `paths` (already split) with values from `body` (a checked spec) to
-- `current` (the resource's spec). Returns the new spec, or nil and the reason (400).
function M.apply(def, current, body, paths)
  local new = copy(current)
  for _, p in ipairs(paths) do
    local r, why = M.resolve(def, p)
    if not r then return nil, why end
    if r.kind == "all" or r.kind == "spec" then
      new = replace(def.spec, new, body, r.kind == "all")
    elseif r.kind == "create_only" then
      -- nothing: those fields take effect at creation only
    elseif r.kind == "field" then
      local dst = holder(new, r.path, true)
      dst[r.path[#r.path]] = copy(get(body, r.path))
    else  -- a oneof group: exactly one member comes from the body, the others are cleared
      local src, dst = get(body, r.path), new
      for _, k in ipairs(r.path) do
        if type(dst[k]) ~= "table" then dst[k] = {} end
        dst = dst[k]
      end
      local given = nil
      for _, m in ipairs(r.group.members) do
        if type(src) == "table" and src[m] ~= nil then given = m end
      end
      if not given then
        local members = {}
        local where = prefix(def) .. (#r.path > 0 and (table.concat(r.path, ".") .. ".") or "")
        for i, m in ipairs(r.group.members) do members[i] = where .. m end
        return nil, "update_mask names " .. p .. " but the body sets none of " .. table.concat(members, ", ")
      end
      for _, m in ipairs(r.group.members) do dst[m] = nil end
      dst[given] = copy(src[given])
    end
  end
  return new
end

M.copy = copy
return M
