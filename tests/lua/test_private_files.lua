-- core.write_private: files that hold secrets (env files, token caches, the emulator's state) are
-- written through a temporary file that is always new (O_EXCL): a file someone else put where the
-- temporary file goes, as another user can in a shared sticky directory, is never reused.
local T = require "testlib"
local lb = lakebase
local core = require "lakebase.core"

local dir = os.tmpname()
os.remove(dir)
assert(lb.exec { "mkdir", "-m", "700", dir }.ok)
lb.defer(function() lb.exec { "rm", "-rf", dir } end)
local pid = io.open("/proc/self/stat"):read("l"):match("^(%d+)")

local function read(path)  -- the file's content, or nil when there is none
  local r = lb.exec { "cat", path }
  return r.ok and r.stdout or nil
end

-- The inode of a path, as `stat` reports it.
local function inode(path) return (lb.exec { "stat", "-c", "%i", path }.stdout:gsub("%s+$", "")) end

T.test("a file already where the temporary file goes is left alone; the secret goes to a new file", function()
  local path = dir .. "/pr.env"
  local planted = path .. ".tmp-" .. pid
  local f = assert(io.open(planted, "wb"))
  f:write("planted by someone else\n")
  f:close()
  assert(lb.exec { "chmod", "644", planted }.ok)
  local planted_inode = inode(planted)
  T.eq(core.write_private(path, "PGPASSWORD=secret\n"), true, "written")
  T.eq(read(path), "PGPASSWORD=secret\n", "the secret is in place")
  T.eq(core.file_mode(path), tonumber("600", 8), "mode 0600")
  T.ok(inode(path) ~= planted_inode, "the planted file did not become the secret file")
  T.eq(read(planted), "planted by someone else\n", "the planted file is untouched")
  T.eq(core.file_mode(planted), tonumber("644", 8), "and keeps its mode")
  local left = lb.exec { "ls", "-A", dir }.stdout
  T.eq(left, "pr.env\npr.env.tmp-" .. pid .. "\n", "no temporary file of ours is left behind")
end)

T.test("a symbolic link where the temporary file goes is not followed", function()
  local path = dir .. "/cache.json"
  local target = dir .. "/elsewhere"
  assert(lb.exec { "ln", "-s", target, path .. ".tmp-" .. pid }.ok)
  T.eq(core.write_private(path, "{\"token\": \"x\"}"), true, "written")
  T.eq(read(target), nil, "nothing was written through the link")
  T.eq(read(path), "{\"token\": \"x\"}", "the file has the data")
end)

T.test("an existing file is replaced, and its mode becomes 0600", function()
  local path = dir .. "/old.env"
  local f = assert(io.open(path, "wb"))
  f:write("old")
  f:close()
  assert(lb.exec { "chmod", "644", path }.ok)
  T.eq(core.write_private(path, "new"), true, "written")
  T.eq(read(path), "new", "new content")
  T.eq(core.file_mode(path), tonumber("600", 8), "mode 0600")
end)

T.test("a directory that cannot be written gives a message naming the path", function()
  local ro = dir .. "/ro"
  assert(lb.exec { "mkdir", "-m", "500", ro }.ok)
  local ok, err = core.write_private(ro .. "/x.env", "data")
  if lb.exec { "id", "-u" }.stdout == "0\n" then  -- root writes anywhere: nothing to refuse
    T.eq(ok, true, "root may write")
  else
    T.eq(ok, nil, "refused")
    T.ok(err:find(ro .. "/x.env.tmp-" .. pid, 1, true) and err:find("Permission denied", 1, true), err)
  end
end)

T.run()
