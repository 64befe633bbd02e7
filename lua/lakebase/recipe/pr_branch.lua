--- The branch of a pull request across CI runs: found (also in the trash), reused when healthy,
-- recreated from its parent when reset or broken, deleted when the pull request closes. The
-- service keeps a deleted branch's ID reserved until it is purged (the emulator answers 409 naming
-- undelete and purge), so a branch whose ID is to be used again is purged, not soft-deleted.
local M = {}

local function id_of(b) return b.branch_id or (type(b.status) == "table" and b.status.branch_id) or b.name:match("([^/]+)$") end

--- The live branch `id` and the deleted one (in the trash), either may be nil; and, for the delete
-- action, the branches `pr-N-TIME` of ci-branch 1.x.
local function find(project, id, legacy_prefix)
  local live, trashed, legacy = nil, nil, {}
  for b in project:branches { show_deleted = true } do
    local bid, deleted = id_of(b), b.delete_time or (type(b.status) == "table" and b.status.delete_time)
    if bid == id then
      if deleted then trashed = b else live = b end
    elseif legacy_prefix and not deleted and bid:sub(1, #legacy_prefix) == legacy_prefix
        and bid:sub(#legacy_prefix + 1):match("^%d+$") then
      legacy[#legacy + 1] = b
    end
  end
  return live, trashed, legacy
end

--- Why a live branch cannot be reused as it is (nil when it can): it must be READY with nothing
-- pending, and its read-write compute must exist and not be disabled.
local function unhealthy(client, b)
  local s = type(b.status) == "table" and b.status or {}
  if s.current_state ~= "READY" or s.pending_state then
    return "state " .. tostring(s.current_state) .. (s.pending_state and (" -> " .. tostring(s.pending_state)) or "")
  end
  for ep in client:list(b.name, "endpoint") do
    local es = type(ep.status) == "table" and ep.status or {}
    if es.endpoint_type == "ENDPOINT_TYPE_READ_WRITE" then
      if es.disabled then return "its read-write compute " .. ep.name .. " is disabled" end
      return nil
    end
  end
  return "it has no read-write compute"
end

--- The branch `id` of `project`, ready to use, and whether it was (re)created. p: reset, ttl,
-- source (the ci-branch parameters).
function M.ensure(ctx, project, id, p)
  local client = ctx.client
  local live, trashed = find(project, id)
  local ttl = string.format("%ds", p.ttl)
  local source = p.source
  if live then
    local why = p.reset and "--reset" or unhealthy(client, live)
    if not why then
      if not ctx.dry_run then live = live:update { ttl = ttl }:wait() end  -- expiry pushed ttl ahead
      return live, false
    end
    -- Recreated from the branch it came from, unless --source says otherwise.
    source = source or (type(live.status) == "table" and live.status.source_branch) or nil
    ctx.print("recreating " .. live.name .. " (" .. why .. ")")
    live:delete { purge = true }:wait()
  elseif trashed then
    ctx.print("purging the deleted " .. trashed.name .. " to use its ID again")
    trashed:delete { purge = true }:wait()
  end
  return project:create_branch(id, { ttl = ttl, source_branch = source }):wait(), true
end

--- Soft-deletes the branch `id` (restorable until purged) and any `pr-N-TIME` branches that
-- ci-branch 1.x made for the same pull request.
function M.delete(ctx, project, id, pr)
  local live, _, legacy = find(project, id, "pr-" .. pr .. "-")
  local victims = legacy
  if live then table.insert(victims, 1, live) end
  if #victims == 0 then ctx.print("no branch of pull request " .. pr .. ": nothing to delete") end
  local fns = {}
  for i, b in ipairs(victims) do fns[i] = function() b:delete():wait() ctx.print("deleted " .. b.name) end end
  if #fns > 0 then ctx.lakebase.all(fns) end
  ctx.output("branch", project.name .. "/branches/" .. id)
  ctx.output("deleted", live ~= nil)
  return #victims
end

return M
