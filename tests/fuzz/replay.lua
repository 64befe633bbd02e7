-- replay.lua TARGET PATH...: runs the fuzz driver TARGET on saved inputs (files, or every file in
-- the directories given): the seed corpus and the crashes found so far, kept as regression tests.
-- Prints one line per bug and exits 1 when there is any.
local here = debug.getinfo(1, "S").source:match("^@(.*)/") or "."
package.path = here .. "/?.lua;" .. package.path
local drivers = require "drivers"

local target = arg[1]
if not (target and drivers.targets[target]) then
  io.stderr:write("usage: lakebase run replay.lua TARGET PATH...   (targets: envelope, config, names, pack, cmdline, emulator)\n")
  os.exit(2)
end
local files = {}
for i = 2, #arg do
  local r = lakebase.exec { "find", arg[i], "-type", "f" }
  if r.code ~= 0 then io.stderr:write("replay: cannot read ", arg[i], ": ", r.stderr) os.exit(2) end
  for path in r.stdout:gmatch("[^\n]+") do files[#files + 1] = path end
end
table.sort(files)
local bugs = 0
for _, path in ipairs(files) do
  local f = assert(io.open(path, "rb"))
  local data = f:read("a")
  f:close()
  local ok, why = drivers.run(target, data)
  if not ok then
    bugs = bugs + 1
    print("BUG " .. path .. ": " .. why)
  end
end
print(string.format("%s: %d inputs replayed, %d bugs", target, #files, bugs))
os.exit(bugs == 0 and 0 or 1)
