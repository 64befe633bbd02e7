-- Reading a recipe's declarations without running it with powers (lakebase/recipe/declarations.lua):
-- what a hostile top level can and cannot do, that the budget cannot be caught or outlived, that
-- nothing of the sandbox leaks into the program afterwards, and that plain recipes read in full.
local T = require "testlib"
local decl = require "lakebase.recipe.declarations"
local recipe = require "lakebase.recipe"
local core = require "lakebase.core"

local RECIPE = 'return { name = "r", version = "1.0", description = "d", params = {}, run = function() end }'
local function read(src) return decl.read_text(src, "@test.lua") end
local function refused(src, pattern)
  local started = core.now()
  local err = T.raises(function() read(src) end, pattern, src:sub(1, 60))
  T.ok(core.now() - started < 10, "bounded in time: " .. src:sub(1, 60))
  return err
end

T.test("a plain recipe reads in full, params and all, with run as a placeholder", function()
  local def = read([[
    local helper = require "helper"          -- never run
    local json = lakebase.json               -- a stand-in too
    local UNITS = { "a", "b" }
    return { name = "full", version = "2.0.1", description = ("x"):rep(3) .. string.format("%d", 7),
      params = {
        { name = "mode", type = "enum", values = UNITS, default = "a" },
        { name = "ttl", type = "duration", min = "1s", max = "30d", default = "1h" },
        { name = "n", type = "number", integer = true, min = 1 },
      },
      run = function(ctx, p) helper.go(p) end }
  ]])
  T.eq(def.name, "full", "name")
  T.eq(def.description, "xxx7", "string functions work, through the string metatable too")
  T.eq(def.params[1].values[2], "b", "enum values")
  T.eq(def.params[2].max, "30d", "duration bound as declared")
  T.eq(type(def.run), "function", "run is a function")
  T.raises(function() def.run() end, "declarations only")
  local checked = recipe.check(def, "full")
  T.eq(checked.params[2].max, 30 * 86400, "check turns duration bounds into seconds")
end)

T.test("powers are absent, and touching one names it", function()
  for _, src in ipairs { "os.execute('true')", "io.write('x')", "load('x')()", "dofile('/etc/passwd')",
      "debug.sethook()", "package.loaded.x = 1", "collectgarbage()", "coroutine.wrap(print)()",
      "loadfile('x')" } do
    refused(src .. "\n" .. RECIPE, "is not available while reading a recipe's declarations")
  end
  refused("local d = string.dump(function() end)\n" .. RECIPE, "'string.dump' is not available")
  refused("local s = ('x'):match('x')\n" .. RECIPE, "'string.match' is not available")
  refused("_G.os.exit()\n" .. RECIPE, "'os' is not available")
end)

T.test("the budget stops loops, recursion, memory and big strings, and pcall cannot catch it", function()
  refused("while true do end", "instructions")
  refused("while true do pcall(function() while true do end end) end", "instructions")
  refused("while true do xpcall(function() while true do end end, function() while true do end end) end", "instructions")
  refused("local s = 'x' while true do s = s .. s end", "memory")
  refused("local t = {} for i = 1, 1e9 do t[i] = {} end", "stopped reading its declarations")
  refused("local s = string.rep('x', 1 << 40)", "string.rep would make")
  refused("local s = ('xy'):rep(1e7)", "string.rep would make")
  refused("local t = {} for i = 1, 100 do t[i] = ('x'):rep(100000) end local s = table.concat(t)", "table.concat would make")
  refused("local big = ('x'):rep(100000) local s = string.format(('%s'):rep(50), table.unpack({big}, 1, 1) , " ..
    "big, big, big, big, big, big, big, big, big, big, big, big, big, big)", "string.format would make")
  refused("local t = setmetatable({}, { __tostring = function() while true do end end }) local s = string.format('%s', t)",
    "instructions")
  refused("setmetatable({}, { __gc = function() while true do end end })", "__gc metamethod is not allowed")
end)

T.test("nothing leaks into the program: string metatable, hooks, later reads", function()
  refused("getmetatable('').__index = function() while true do end end", "attempt to index a nil value")
  refused("string.upper = nil error('x')", "x")
  T.eq(("abc"):upper(), "ABC", "string methods work afterwards")
  T.eq(("abc"):match("b"), "b", "patterns too")
  T.eq(read(RECIPE).name, "r", "the next read gets a fresh string table")
  T.eq(read("return { name = ('q'):upper(), version = '1', description = 'd', run = function() end }").name, "Q")
  T.eq(debug.gethook(), nil, "no hook left on the calling thread")
  -- A returned table whose metamethods loop forever: only raw accesses are made.
  local def = read("return setmetatable({ name = 'm' }, { __index = function() while true do end end, " ..
    "__pairs = function() while true do end end })")
  T.eq(def.name, "m", "raw copy")
  T.eq(def.version, nil, "missing field read raw")
end)

T.test("declarations that need a helper's value are refused with a note naming it", function()
  refused('local h = require "helper"\nreturn { name = "n", version = "1", description = h.text, run = function() end }',
    "need the helper module 'helper'")
  refused('local h = require "helper"\nlocal d = "x" .. h.text\n' .. RECIPE, "need the helper module 'helper'")
  refused('return { name = lakebase.version, version = "1", description = "d", run = function() end }',
    "need the helper module 'lakebase'")
end)

T.test("errors keep their message; error objects are not turned into strings by their own code", function()
  refused("error('plain failure')", "test.lua:1: plain failure")
  refused("error(setmetatable({}, { __tostring = function() while true do end end }))", "error object is a table value")
  refused("return {", "cannot load recipe test.lua:1:")
  refused(("x"):rep(decl.MAX_FILE + 1), "larger than")
end)

T.run()
