--- What the poll schedule has learned, kept across runs in a small JSON file, so that a CI job's
-- first wait on a workspace is already informed: {version = 1, groups = {[key] = {durations =
-- {...}, updated = epoch}}}. Written with mode 0600 through a new temporary file renamed over the
-- old one (core.write_private), after merging with what is there (another process may have written
-- meanwhile): concurrent writers lose at most each other's latest group, never the file. A file
-- that cannot be read or parsed is ignored with one warning; nothing here ever fails a wait.
--
-- The file is LAKEBASE_WAIT_CACHE, else ~/.lakebase/waits.json; LAKEBASE_WAIT_CACHE=off keeps
-- nothing. The default file is used for workspaces only, not loopback hosts (an emulator's port
-- changes with every run, so what is learned there is not worth keeping); a file named in
-- LAKEBASE_WAIT_CACHE is used for every host.
local core = require "lakebase.core"
local json = require "lakebase.base.json"
local log = require "lakebase.base.log"

local M = {}

M.MAX_GROUPS = 64      -- the most recently updated groups are kept
M.MAX_DURATIONS = 16   -- per group

--- The cache file for `host`, or nil when nothing is to be kept. `getenv` defaults to os.getenv.
function M.path_for(host, getenv)
  getenv = getenv or os.getenv
  local set = getenv("LAKEBASE_WAIT_CACHE")
  if set == "off" then return nil end
  if set and set ~= "" then return set end
  local hostname = tostring(host):match("^%a[%w+.-]*://%[?([^/%]]+)") or ""
  if hostname:match("^127%.") or hostname == "localhost" or hostname == "::1" or hostname:match("^localhost:") then
    return nil
  end
  local home = getenv("HOME")
  if not home or home == "" then return nil end
  return home .. "/.lakebase/waits.json"
end

local warned = {}
local function warn_once(path, fmt, ...)
  if warned[path] then return end
  warned[path] = true
  log.warn("wait cache " .. path .. ": " .. fmt .. " (ignored; it is rewritten as waits finish)", ...)
end

--- The groups in the file at `path` ({} when there is none or it is unreadable, with a warning).
function M.load(path)
  local f = io.open(path, "rb")
  if not f then return {} end
  local text = f:read("a") or ""
  f:close()
  local data = json.decode(text)
  if type(data) ~= "table" or data.version ~= 1 or type(data.groups) ~= "table" then
    warn_once(path, "not a wait cache (corrupt or from another version)")
    return {}
  end
  local groups = {}
  for key, g in pairs(data.groups) do
    if type(key) == "string" and type(g) == "table" and type(g.durations) == "table" then
      local ds = {}
      for _, d in ipairs(g.durations) do
        if type(d) == "number" and d >= 0 and d < 86400 then ds[#ds + 1] = d end
      end
      groups[key] = { durations = ds, updated = tonumber(g.updated) or 0 }
    end
  end
  return groups
end

local made_dir = {}
local function ensure_dir(path)
  local dir = path:match("^(.*)/[^/]+$")
  if not dir or dir == "" or made_dir[dir] or core.file_mode(dir) then return end
  made_dir[dir] = true
  local ok, r = pcall(require("lakebase.runtime.process").exec, { "mkdir", "-p", "-m", "0700", dir })
  if not ok or not r.ok then warn_once(path, "cannot create %s", dir) end
end

--- Writes `updates` ({[key] = {durations, ...}}) into the file at `path`, merged with what the file
-- holds now. Returns true, or false after a warning.
function M.save(path, updates)
  ensure_dir(path)
  local groups = M.load(path)
  local now = os.time()
  for key, ds in pairs(updates) do
    local list = table.move(ds, math.max(1, #ds - M.MAX_DURATIONS + 1), #ds, 1, {})
    groups[key] = { durations = list, updated = now }
  end
  local keys = {}
  for key in pairs(groups) do keys[#keys + 1] = key end
  table.sort(keys, function(a, b) return groups[a].updated > groups[b].updated end)
  local out = {}
  for i = 1, math.min(#keys, M.MAX_GROUPS) do out[keys[i]] = groups[keys[i]] end
  local ok, err = core.write_private(path, json.encode { version = 1, groups = out }, false)
  if not ok then warn_once(path, "%s", err) return false end
  return true
end

return M
