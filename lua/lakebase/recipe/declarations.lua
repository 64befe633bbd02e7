--- Reading a recipe's declarations (name, version, description, params, outputs) without running its code
-- with powers. Listing, describing, packing and installing recipes use this; only `recipe run`
-- loads a recipe for real (recipe.load). The chunk runs in a coroutine with:
--   - an environment of pure functions: basic functions, math, utf8, a few string and table
--     functions (no patterns: a pattern can backtrack for hours inside one call); no os, io, load,
--     dofile, package, debug, collectgarbage, coroutine or string.dump. Touching one raises a
--     message naming it. `require` and `lakebase` give stand-ins that never run the module: a
--     recipe whose declarations do not use its helpers reads fine, and one whose do is refused
--     with a note naming the helper;
--   - a budget of instructions (a count hook on every instruction, which pcall cannot swallow),
--     of memory (checked at every instruction, so doubling a string stops at twice the bound) and
--     of time; string.rep, string.format and table.concat refuse results over a size cap, since
--     they allocate inside one instruction; setmetatable refuses __gc (a finaliser would run
--     later, outside the budget);
--   - the result copied with raw accesses only, so no metamethod of the recipe runs afterwards.
local core = require "lakebase.core"

local M = {
  INSTRUCTIONS = 250000,       -- about 0.1 s with the hook; a declaration needs a few hundred
  MEMORY_KB = 32 * 1024,       -- above what the process used before
  SECONDS = 2,
  MAX_STRING = 1024 * 1024,    -- string.rep, string.format, table.concat
  MAX_FILE = 1024 * 1024,
}

local STOP = setmetatable({}, { __name = "lakebase.recipe.budget", __tostring = function() return "budget exhausted" end })
local FORBIDDEN = { os = true, io = true, load = true, loadfile = true, dofile = true, loadstring = true,
  package = true, debug = true, collectgarbage = true, coroutine = true }
local BASIC = { "assert", "error", "ipairs", "next", "pairs", "rawequal", "rawget", "rawlen", "rawset", "select",
  "tonumber", "tostring", "type" }
local MATH_OUT = { random = true, randomseed = true }
local STRING_OK = { "byte", "char", "len", "lower", "upper", "reverse", "sub" }
local TABLE_OK = { "insert", "remove", "sort", "unpack", "pack" }
local string_meta = getmetatable("")
local raw_pcall, raw_xpcall, raw_setmetatable, raw_getmetatable = pcall, xpcall, setmetatable, getmetatable
local raw_format, raw_concat, raw_rep = string.format, table.concat, string.rep

local function unavailable(what)
  error("'" .. what .. "' is not available while reading a recipe's declarations (listing, info, pack and "
    .. "install never run a recipe's code with powers; 'lakebase recipe run' does)", 3)
end

local function too_big(fn, n)
  error(raw_format("%s would make %.0f bytes, more than the %d allowed while reading declarations", fn, n,
    M.MAX_STRING), 3)
end

-- A fresh environment per read, so that one recipe cannot change what the next one sees.
local function environment(state)
  local env = {}
  for _, k in ipairs(BASIC) do env[k] = _G[k] end
  env._VERSION = _VERSION
  env.print = function() end
  env.math = {}
  for k, v in pairs(math) do if not MATH_OUT[k] then env.math[k] = v end end
  env.utf8 = {}
  for k, v in pairs(utf8) do env.utf8[k] = v end
  local str = {}
  for _, k in ipairs(STRING_OK) do str[k] = string[k] end
  function str.rep(s, n, sep)
    s, n = tostring(s), tonumber(n) or 0
    local size = (#s + #tostring(sep or "")) * math.max(n, 0)
    if size > M.MAX_STRING then too_big("string.rep", size) end
    return raw_rep(s, n, sep)
  end
  function str.format(fmt, ...)
    local args, size = table.pack(...), #tostring(fmt)
    for i = 1, args.n do
      local a = args[i]
      if type(a) ~= "number" then a = tostring(a) args[i] = a end  -- __tostring runs here, counted
      size = size + (type(a) == "string" and 4 * #a or 0) + 512
    end
    if size > M.MAX_STRING then too_big("string.format", size) end
    return raw_format(fmt, table.unpack(args, 1, args.n))
  end
  state.string = raw_setmetatable(str, { __index = function(_, k) unavailable("string." .. tostring(k)) end })
  env.string = state.string
  env.table = {}
  for _, k in ipairs(TABLE_OK) do env.table[k] = table[k] end
  function env.table.concat(t, sep, i, j)
    sep, i, j = sep or "", i or 1, j or #t
    local parts, size = {}, 0
    for k = i, j do
      local v = t[k]
      if type(v) ~= "string" and type(v) ~= "number" then
        error("invalid value (at index " .. k .. ") in table for 'concat'", 2)
      end
      parts[#parts + 1] = v
      size = size + #tostring(v) + #sep
      if size > M.MAX_STRING then too_big("table.concat", size) end
    end
    return raw_concat(parts, sep)
  end
  -- The budget error must get through pcall; anything else is the recipe's business.
  local function guard(ok, ...)
    if not ok and state.stopped then error(STOP, 0) end
    return ok, ...
  end
  env.pcall = function(f, ...) return guard(raw_pcall(f, ...)) end
  -- A message handler for the budget error would run with hooks off (it is raised by the hook),
  -- so it is not called for that one.
  env.xpcall = function(f, h, ...)
    return guard(raw_xpcall(f, function(e) if state.stopped then return e end return h(e) end, ...))
  end
  env.setmetatable = function(t, mt)
    if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
      error("a __gc metamethod is not allowed while reading a recipe's declarations", 2)
    end
    return raw_setmetatable(t, mt)
  end
  env.getmetatable = function(v)  -- not the string metatable: it is shared with the whole program
    if type(v) == "table" then return raw_getmetatable(v) end
    return nil
  end
  -- Stand-ins for modules: indexing or calling one gives another; using its value is refused.
  local stand_in
  local function refuse(a, b)  -- either operand may be the stand-in
    error("its declarations need the helper module '" .. (state.proxies[a] or state.proxies[b]) .. "', which is not "
      .. "run to read them ('lakebase recipe run' runs it)", 2)
  end
  local PROXY = { __index = function(p) return stand_in(state.proxies[p]) end,
    __call = function(p) return stand_in(state.proxies[p]) end,
    __newindex = function() end }
  for _, mm in ipairs { "__add", "__sub", "__mul", "__div", "__mod", "__pow", "__unm", "__idiv", "__band", "__bor",
      "__bxor", "__shl", "__shr", "__bnot", "__concat", "__len", "__lt", "__le", "__tostring" } do
    PROXY[mm] = refuse
  end
  function stand_in(label)
    local p = raw_setmetatable({}, PROXY)
    state.proxies[p] = label
    return p
  end
  env.require = function(name)
    if type(name) ~= "string" then error("bad argument #1 to 'require' (string expected, got " .. type(name) .. ")", 2) end
    return stand_in(name)
  end
  env.lakebase = stand_in("lakebase")
  env._G = env
  return raw_setmetatable(env, { __index = function(_, k)
    if FORBIDDEN[k] then unavailable(k) end
    return nil
  end })
end

-- A raw copy of a declared value: strings, numbers, booleans and tables of them; functions become
-- `declared` (so `run` is known to be a function without being callable). Stand-ins are noted.
local function plain(v, state, depth, declared)
  local t = type(v)
  if t == "string" or t == "number" or t == "boolean" then return v end
  if t == "function" then return declared end
  if t ~= "table" then return nil end
  if state.proxies[v] then
    state.needs = state.needs or state.proxies[v]
    return nil
  end
  if depth > 8 then error("its declarations are nested more than 8 deep", 0) end
  local out = {}
  local k, x = next(v)
  while k ~= nil do
    state.items = state.items + 1
    if state.items > 10000 then error("its declarations hold more than 10000 values", 0) end
    if type(k) == "string" or math.type(k) == "integer" then out[k] = plain(x, state, depth + 1, declared) end
    k, x = next(v, k)
  end
  return out
end

local function declared_run()
  error("this recipe was read for its declarations only; recipe.load loads it to run", 2)
end

--- Reads the declarations in `text` (a recipe's source; `where` names it in messages, as a chunk
-- name "@path"). Returns {name=, version=, description=, params=, run=<placeholder>} as plain
-- data, or raises a message.
function M.read_text(text, where)
  local label = where:gsub("^@", "")
  if #text > M.MAX_FILE then error(label .. ": larger than " .. M.MAX_FILE .. " bytes", 0) end
  local state = { proxies = setmetatable({}, { __mode = "k" }), items = 0 }
  local chunk, err = load(text, where, "t", environment(state))
  if not chunk then error("cannot load recipe " .. err, 0) end

  local steps, deadline = 0, core.now() + M.SECONDS
  local memory_limit = collectgarbage("count") + M.MEMORY_KB
  local function stop(why) state.stopped = why error(STOP, 0) end
  local function hook()
    if state.stopped then error(STOP, 0) end
    steps = steps + 1
    if steps > M.INSTRUCTIONS then stop("ran more than " .. M.INSTRUCTIONS .. " instructions") end
    if collectgarbage("count") > memory_limit then
      collectgarbage()
      if collectgarbage("count") > memory_limit then stop("used more than " .. M.MEMORY_KB // 1024 .. " MB of memory") end
    end
    if steps % 4096 == 0 and core.now() > deadline then stop("ran longer than " .. M.SECONDS .. " s") end
  end
  local co = coroutine.create(function()
    return raw_xpcall(chunk, function(e)  -- turn the error into a string here, under the budget
      if e == STOP or type(e) == "string" then return e end
      return "(error object is a " .. type(e) .. " value)"
    end)
  end)
  debug.sethook(co, hook, "", 1)
  local saved_index = string_meta.__index
  string_meta.__index = state.string  -- ("x"):rep(...) goes through the checked functions
  local resumed, ok, def = coroutine.resume(co)
  string_meta.__index = saved_index
  debug.sethook(co)
  coroutine.close(co)
  if state.stopped then
    error(label .. ": stopped reading its declarations: it " .. state.stopped .. " (a recipe's top level should "
      .. "only declare it)", 0)
  end
  if not resumed then error(label .. ": " .. tostring(ok), 0) end  -- an error in error handling
  if not ok then error(def, 0) end
  if type(def) ~= "table" then return def end  -- recipe.check says what is wrong with it
  local out = {}
  for _, k in ipairs { "name", "version", "description", "params", "outputs", "run" } do
    out[k] = plain(rawget(def, k), state, 1, declared_run)
  end
  if state.needs then
    error(label .. ": its declarations need the helper module '" .. state.needs .. "', which is not run to read them "
      .. "('lakebase recipe run' runs it)", 0)
  end
  return out
end

--- Reads the declarations of the recipe file at `path` (see read_text).
function M.read(path)
  local f, err = io.open(path, "rb")
  if not f then error("cannot read recipe " .. tostring(err), 0) end
  local text = f:read(M.MAX_FILE + 1)
  f:close()
  return M.read_text(text or "", "@" .. path)
end

return M
