--- Resource names for shell completion (cli/complete.lua): listed from the API within DEADLINE
-- seconds with the auth the typed command line names, and quietly nothing when that fails or takes
-- longer, or under --local (a TAB never starts an emulator). `ctx` is the completion's context:
-- ctx.auth (host, profile, auth_type), ctx.local_mode, and the --project and --branch typed.
local M = {}

M.DEADLINE = 1.5

local function resource_client(ctx)
  local cfg = ctx.auth
  return require("lakebase").client { host = cfg.host, profile = cfg.profile, auth_type = cfg.auth_type,
    retry_timeout = M.DEADLINE, request_timeout = M.DEADLINE }
end

-- Lists `kind` under `parent` (nil at the top) within the deadline; {} when that fails.
local function list_names(ctx, parent, kind)
  if ctx.local_mode then return {} end  -- never start an emulator for a TAB
  local ok, out = pcall(require("lakebase.runtime.sched").timeout, M.DEADLINE, function()
    local names = {}
    for r in resource_client(ctx):list(parent, kind, { page_size = 100 }) do
      names[#names + 1] = r.name
      if #names >= 500 then break end
    end
    return names
  end)
  return ok and out or {}
end

-- The kinds from the top down to `kind`.
local function chain_to(kind)
  local schema = require "lakebase.api.schema"
  local chain, def = {}, schema[kind]
  while def do
    table.insert(chain, 1, def)
    def = def.parent_kind and schema[def.parent_kind]
  end
  return chain
end

--- Names completing `prefix` toward a resource of `kind`, one level at a time: "pro" gives
-- "projects/", "projects/" the projects, "projects/p/" its "branches/", and so on. A name short of
-- `kind` ends with "/" (go on typing), unless `any_level` (psql and query take projects/P too).
function M.resource_names(prefix, kind, ctx, any_level)
  local chain = chain_to(kind)
  local segs = {}
  for s in (prefix .. "/"):gmatch("([^/]*)/") do segs[#segs + 1] = s end
  local level = 1
  while #segs > 2 * level do  -- collection/ID pairs typed whole
    if segs[2 * level - 1] ~= chain[level].collection or not chain[level + 1] then return {} end
    level = level + 1
  end
  local def = chain[level]
  if not def.collection or def.no_list then return {} end  -- a singleton (data-api) or not listable
  local typing_collection = #segs == 2 * level - 1
  if typing_collection then  -- "" or "proj": list what is there, so one TAB shows the projects
    if def.collection:sub(1, #segs[#segs]) ~= segs[#segs] then return {} end
    segs[#segs], segs[#segs + 1] = def.collection, ""
  end
  if segs[2 * level - 1] ~= def.collection then return {} end
  local parent = level > 1 and table.concat(segs, "/", 1, 2 * level - 2) or nil
  local out = {}
  for _, name in ipairs(list_names(ctx, parent, def.kind)) do
    out[#out + 1] = { (level < #chain and not any_level) and (name .. "/") or name }
  end
  if typing_collection and #out == 0 then return { { def.collection .. "/" } } end
  return out
end

function M.resources_of(kind, any_level)
  return function(prefix, ctx) return M.resource_names(prefix, kind, ctx, any_level) end
end

local function ids_of(names)
  local out = {}
  for _, name in ipairs(names) do out[#out + 1] = { name:match("([^/]+)$") } end
  return out
end

-- IDs (not names), for --project, and --branch and --endpoint under the --project (and --branch) given.
function M.project_ids(_, ctx) return ids_of(list_names(ctx, nil, "project")) end
function M.branch_ids(_, ctx)
  return ctx.project and ids_of(list_names(ctx, "projects/" .. ctx.project, "branch")) or {}
end
function M.endpoint_ids(_, ctx)
  if not (ctx.project and ctx.branch) then return {} end
  return ids_of(list_names(ctx, "projects/" .. ctx.project .. "/branches/" .. ctx.branch, "endpoint"))
end

return M
