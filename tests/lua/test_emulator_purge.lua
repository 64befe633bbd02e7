-- Purging deletes for good on disk too: a purged branch's PostgreSQL data directory, and those of
-- every branch of a purged project, are removed (a soft delete keeps them for an undelete).
local T = require "testlib"
local Client = require "emu_client"
local emulator = require "lakebase.emulator"
local lb = lakebase

local dir = lb.exec { "mktemp", "-d" }.stdout:match("^(.-)%s*$")
local emu = emulator.start { token = "purge-pat-0123456789", data = dir }
local c = Client.new(emu.url, emu.token)
local P = "/api/2.0/postgres/"

local function data_of(name)
  local _, list = c:call("GET", P .. name:match("^(.*)/branches/") .. "/branches?show_deleted=true")
  for _, b in ipairs(list.branches or {}) do
    if b.name == name then return dir .. "/pg/" .. b.uid end
  end
end
local function exists(path) return lb.exec { "test", "-d", path }.code == 0 end

T.test("a purged branch's data is removed; a soft-deleted one keeps it", function()
  c:run("POST", P .. "projects?project_id=purge", {})
  c:run("POST", P .. "projects/purge/branches?branch_id=b1", { spec = { no_expiry = true } })
  local path = data_of("projects/purge/branches/b1")
  T.ok(path and exists(path), "the branch has its data directory")
  c:run("DELETE", P .. "projects/purge/branches/b1")
  T.ok(exists(path), "kept while it can be undeleted")
  c:run("DELETE", P .. "projects/purge/branches/b1?purge=true")
  T.ok(not exists(path), "removed when purged: " .. path)
end)

T.test("purging a project removes the data of all its branches", function()
  c:run("POST", P .. "projects/purge/branches?branch_id=b2", { spec = { no_expiry = true } })
  local paths = { data_of("projects/purge/branches/production"), data_of("projects/purge/branches/b2") }
  for _, p in ipairs(paths) do T.ok(exists(p), "there before: " .. p) end
  c:run("DELETE", P .. "projects/purge?purge=true")
  for _, p in ipairs(paths) do T.ok(not exists(p), "gone after: " .. p) end
end)

T.run()
emu:stop()
lb.exec { "rm", "-rf", dir }
