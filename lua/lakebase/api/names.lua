--- Resource names as the schema defines them, read the same way by the client, the commands and
-- the emulator's routing: "projects/p/branches/b" is a branch, ".../databases/d/data-api" the
-- database's Data API (a singleton: one segment, no ID), "synced_tables/cat.sch.tbl" a synced table.
local schema = require "lakebase.api.schema"

local M = {}

local function split(path)
  local segs = {}
  for s in path:gmatch("[^/]+") do segs[#segs + 1] = s end
  return segs
end
M.split = split

--- Walks `path` from the top. Returns the resources it names, outermost first (each
-- { def =, id = (nil for singletons), name = }), and the segments left over (a collection, an
-- operation, a method such as "undelete").
function M.walk(path)
  local segs = split(path)
  local steps, parent_kind, i = {}, nil, 1
  while i <= #segs do
    local seg = segs[i]
    local single = parent_kind and schema.singletons[seg]
    if single and single.parent_kind == parent_kind then
      steps[#steps + 1] = { def = single, name = table.concat(segs, "/", 1, i) }
      i = i + 1
    else
      local def = schema.by_collection[seg]
      if not def or def.parent_kind ~= parent_kind or i == #segs then break end
      steps[#steps + 1] = { def = def, id = segs[i + 1], name = table.concat(segs, "/", 1, i + 1) }
      i = i + 2
    end
    parent_kind = steps[#steps].def.kind
  end
  return steps, table.move(segs, i, #segs, 1, {})
end

--- The problem with `id` in the name of a resource that exists already, or nil: the rule for IDs
-- chosen at creation, except that an ID the service generated itself passes (lowercase letters,
-- digits and hyphens, 1-63): a project made in the workspace UI is named by a UUID, which may start
-- with a digit (projects/9e2e7ee4-bc9e-...), its branches br-..., its databases db-....
function M.existing_id_problem(def, id)
  local why = schema.id_problem(def, id)
  if why and type(id) == "string" and #id <= 63 and id:match("^[a-z0-9][a-z0-9-]*$") then return nil end
  return why
end

--- The definition of the resource `name` designates, or nil and why not. With `check_ids`, every
-- ID on the way must be valid for its kind (as an existing resource's: existing_id_problem).
function M.parse(name, check_ids)
  if type(name) ~= "string" or name == "" or name:find("//", 1, true) or name:sub(-1) == "/" or name:sub(1, 1) == "/" then
    return nil, "not a resource name"
  end
  local steps, rest = M.walk(name)
  if #steps == 0 or #rest > 0 then return nil, "not a Lakebase resource name" end
  if check_ids then
    for _, st in ipairs(steps) do
      local why = st.id and M.existing_id_problem(st.def, st.id)
      if why then return nil, st.def.id_field .. " \"" .. st.id .. "\" " .. why end
    end
  end
  return steps[#steps].def, steps
end

--- The shape of a name of `kind`, for messages ("projects/P/branches/B/databases/D/data-api").
function M.shape(kind)
  local parts, def = {}, schema[kind]
  while def do
    local letter = def.kind:sub(1, 1):upper()
    table.insert(parts, 1, def.singleton or (def.collection .. "/" .. letter))
    def = def.parent_kind and schema[def.parent_kind]
  end
  return table.concat(parts, "/")
end

local DISPLAY = { data_api = "Data API", cdf_config = "CDF config", cdf_status = "CDF status" }

--- A kind as messages name it: "synced table", "Data API".
function M.display(kind) return DISPLAY[kind] or (kind:gsub("_", " ")) end

--- The same with its article: "an endpoint", "a CDF config".
function M.with_article(kind)
  local w = M.display(kind)
  return (w:match("^[aeiou]") and "an " or "a ") .. w
end

--- The parent of a resource name (nil at the top).
function M.parent_of(name)
  local _, steps = M.parse(name)
  return steps and #steps > 1 and steps[#steps - 1].name or nil
end

return M
