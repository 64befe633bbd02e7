-- The Lua client's delete options, undelete, listing from a page token and credential options,
-- against the emulator (simulated computes): what each does to the resources, seen through the
-- API, and bad options refused before any request.
local T = require "testlib"
local emulator = require "lakebase.emulator"
local lb = lakebase

local emu = emulator.start { postgres = false, token = "lifecycle-pat-0123456789", op_latency = 0.05 }
local c = lb.client { host = emu.url, token = emu.token }
-- Another client sees a deletion at once: the one that created something retries a 404 of it for
-- a while (the service is eventually consistent).
local other = lb.client { host = emu.url, token = emu.token }
local requests_seen = function() return emu.engine.requests end
local project = c:create_project("life", {}):wait()

local function listed(parent, kind, opts)
  local names = {}
  for r in c:list(parent, kind, opts) do names[#names + 1] = r.name end
  return table.concat(names, " ")
end

T.test("delete{purge = true} removes a branch for good: not even listed with show_deleted", function()
  local b = project:create_branch("gone", { no_expiry = true }):wait()
  T.eq(b:delete { purge = true }:wait(), nil, "delete returns no resource")
  T.raises(function() other:get("projects/life/branches/gone") end, "NOT_FOUND")
  T.ok(not listed("projects/life", "branch", { show_deleted = true }):find("/gone", 1, true), "not in the trash")
end)

T.test("a soft-deleted branch is listed with show_deleted and comes back with undelete()", function()
  local b = project:create_branch("back", { no_expiry = true }):wait()
  b:delete():wait()
  T.ok(listed("projects/life", "branch", { show_deleted = true }):find("/back", 1, true), "in the trash")
  local restored = b:undelete():wait()
  T.eq(restored.name, "projects/life/branches/back", "the undelete operation gives the branch")
  T.eq(c:get("projects/life/branches/back").status.current_state, "READY", "it is back")
end)

T.test("a project too: delete, undelete, then purge", function()
  local p = c:create_project("phoenix", {}):wait()
  p:delete():wait()
  T.raises(function() other:get_project("phoenix") end, "NOT_FOUND")
  T.eq(p:undelete():wait().name, "projects/phoenix", "restored")
  T.eq(c:get_project("phoenix").name, "projects/phoenix", "gettable again")
  p:delete { purge = true }:wait()
  T.ok(not listed(nil, "project", { show_deleted = true }):find("projects/phoenix", 1, true), "purged")
end)

T.test("role:delete{reassign_owned_to = ...} deletes the role", function()
  local branch = project:get_branch("production")
  branch:create_role("owner-a", { postgres_role = "owner_a" }):wait()
  branch:create_role("owner-b", { postgres_role = "owner_b" }):wait()
  branch:get_role("owner-a"):delete { reassign_owned_to = "projects/life/branches/production/roles/owner-b" }:wait()
  T.raises(function() other:get("projects/life/branches/production/roles/owner-a") end, "NOT_FOUND")
end)

T.test("list{page_token = ...} starts where a listing's next_page_token pointed", function()
  for i = 1, 4 do project:create_branch("p" .. i, { no_expiry = true }):wait() end
  local first = c:request("GET", "projects/life/branches", { page_size = 2 })
  T.ok(first.next_page_token, "a next page")
  local rest = listed("projects/life", "branch", { page_token = first.next_page_token, page_size = 2 })
  local all = listed("projects/life", "branch")
  T.eq(first.branches[1].name .. " " .. first.branches[2].name .. " " .. rest, all, "the first page plus the rest is all")
end)

T.test("generate_database_credential with ttl gives a credential expiring then", function()
  local ep = "projects/life/branches/production/endpoints/primary"
  local cred = c:generate_database_credential(ep, { ttl = "900s" })
  local left = require("lakebase.api.validate").timestamp(cred.expire_time) - os.time()
  T.ok(left > 880 and left <= 901, "expires in about 900 s, got " .. left)
  local at = os.time() + 600
  cred = c:generate_database_credential(ep, { expire_time = os.date("!%Y-%m-%dT%H:%M:%SZ", at) })
  T.eq(require("lakebase.api.validate").timestamp(cred.expire_time), at, "expires at the time asked")
end)

T.test("bad options are refused before any request, naming the value", function()
  local b = project:get_branch("production")
  local ep = "projects/life/branches/production/endpoints/primary"
  local before = requests_seen()
  T.raises(function() b:delete { purge = "yes" } end, "option 'purge' must be a boolean")
  T.raises(function() b:delete { force = true } end, "branch deletion takes no option 'force'")
  local endpoint = c:wrap("endpoint", { name = ep })
  T.raises(function() endpoint:delete { purge = true } end, "endpoint deletion takes no option 'purge'")
  T.raises(function() b:delete { reassign_owned_to = "x" } end, "branch deletion takes no option 'reassign_owned_to'")
  T.raises(function() c:generate_database_credential(ep, { ttl = "60s" }) end, "ttl must be 300s to 3600s, got 60s")
  T.raises(function() c:generate_database_credential(ep, { ttl = "soon" }) end, "ttl must be a duration such as \"900s\"")
  T.raises(function() c:generate_database_credential(ep, { expire_time = "tomorrow" }) end, "expire_time must be an RFC 3339")
  T.raises(function() c:generate_database_credential(ep, { expire_time = "2001-01-01T00:00:00Z" }) end,
    "expire_time must be 5 minutes to 1 hour from now")
  T.raises(function() c:generate_database_credential(ep, { scope = "all" }) end, "unknown option 'scope'")
  T.eq(requests_seen(), before, "no request")
end)

T.run()
emu:stop()
