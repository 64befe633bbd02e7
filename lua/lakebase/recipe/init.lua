--- Recipes: reusable, parameterised workflows. A recipe is a Lua file returning a table:
--
--   return {
--     name = "scale-compute", version = "1.0.0", description = "One line on what it does.",
--     params = {
--       { name = "endpoint", type = "string", required = true, help = "projects/P/branches/B/endpoints/E" },
--       { name = "max_cu", type = "number", default = 4, min = 0.5, max = 64, help = "..." },
--       { name = "count", type = "number", integer = true, min = 1, help = "a whole number" },
--       { name = "suspend", type = "duration", min = "60s", max = "7d", help = "e.g. 300s, 15m" },  -- whole seconds
--       { name = "mode", type = "enum", values = { "a", "b" }, default = "a" },
--       { name = "force", type = "boolean", default = false },
--     },
--     run = function(ctx, params) ... end,   -- ctx.client, ctx.dry_run, ctx.print, ctx.lakebase
--   }
--
-- Recipes are found, in order, in the built-in set, ./recipes, ~/.lakebase/recipes and the
-- directories of LAKEBASE_RECIPE_PATH, as NAME.lua or NAME/recipe.lua (a directory may hold helper
-- modules, loaded with require), and last as the Lua module lakebase_recipes.NAME on package.path
-- (how a LuaRocks rock installs one: build.modules = { ["lakebase_recipes.NAME"] = "recipe.lua" }).
-- A name found twice is taken from the first place; the later ones are shadowed (listed with a
-- warning). Listing and describing read a recipe's declarations without running its code with
-- powers (recipe/declarations.lua); M.load, for `recipe run`, runs it in its own environment with
-- the standard library and lakebase.
local M = {}

M.BUILTIN = { "ci-branch", "credentials", "pitr-branch", "prune-branches", "scale-compute", "schema-diff" }
local TYPES = { string = true, number = true, boolean = true, duration = true, enum = true }

--- The recipe directories, in search order (after the built-in ones).
function M.search_path()
  local dirs = { "recipes" }
  local home = os.getenv("HOME")
  if home and home ~= "" then dirs[#dirs + 1] = home .. "/.lakebase/recipes" end
  for dir in (os.getenv("LAKEBASE_RECIPE_PATH") or ""):gmatch("[^:]+") do dirs[#dirs + 1] = dir end
  return dirs
end

function M.file_exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

local human_duration = require("lakebase.api.validate").human_duration

-- Durations are whole seconds between these bounds unless a parameter declares its own.
M.DURATION_MIN, M.DURATION_MAX = 1, 36500 * 86400

--- Shows seconds as the largest unit that divides them: 90 -> "90s", 259200 -> "3d".
function M.show_duration(n)
  for _, u in ipairs { { 86400, "d" }, { 3600, "h" }, { 60, "m" } } do
    if n >= u[1] and n % u[1] == 0 then return string.format("%d%s", n // u[1], u[2]) end
  end
  return string.format("%ds", n)
end

--- Checks a loaded definition; returns it, or raises a message naming `where`.
local function check(def, where)
  local function bad(msg) error(where .. ": " .. msg, 0) end
  if type(def) ~= "table" then bad("a recipe must return a table, got " .. type(def)) end
  for _, k in ipairs { "name", "description", "version" } do
    if type(def[k]) ~= "string" or def[k] == "" then bad("field '" .. k .. "' must be a non-empty string") end
  end
  if type(def.run) ~= "function" then bad("field 'run' must be a function(ctx, params)") end
  def.params = def.params or {}
  if type(def.params) ~= "table" then bad("field 'params' must be a list of parameters") end
  local seen = {}
  for i, p in ipairs(def.params) do
    if type(p) ~= "table" then bad("parameter #" .. i .. " must be a table") end
    if type(p.name) ~= "string" or not p.name:match("^[%a_][%w_]*$") then bad("parameter #" .. i .. " needs a name (letters, digits, _)") end
    if p.name == "help" or p.name == "dry_run" or p.name == "output" then bad("parameter '" .. p.name .. "' is reserved (--" .. p.name:gsub("_", "-") .. ")") end
    if seen[p.name] then bad("parameter '" .. p.name .. "' is declared twice") end
    seen[p.name] = true
    if not TYPES[p.type] then bad("parameter '" .. p.name .. "' has unknown type " .. tostring(p.type) .. " (string, number, boolean, duration, enum)") end
    if p.type == "enum" and (type(p.values) ~= "table" or #p.values == 0) then bad("enum parameter '" .. p.name .. "' needs values") end
    for _, k in ipairs { "min", "max" } do
      local v = p[k]
      if p.type == "duration" then  -- bounds in seconds, or as durations ("60s", "7d")
        v = v == nil and (k == "min" and M.DURATION_MIN or M.DURATION_MAX) or human_duration(v)
        if not math.tointeger(v) then bad("parameter '" .. p.name .. "': " .. k .. " must be a whole number of seconds or a duration") end
        p[k] = math.tointeger(v)
      elseif v ~= nil and (type(v) ~= "number" or v ~= v) then
        bad("parameter '" .. p.name .. "': " .. k .. " must be a number")
      end
    end
  end
  if def.outputs ~= nil then  -- optional: what ctx.output gives, for the help
    if type(def.outputs) ~= "table" then bad("field 'outputs' must be a list of {name=, help=, secret=}") end
    for i, o in ipairs(def.outputs) do
      if type(o) ~= "table" or type(o.name) ~= "string" or not o.name:match("^[%a_][%w_%-]*$") then
        bad("output #" .. i .. " needs a name (letters, digits, '_', '-')")
      end
      if o.help ~= nil and type(o.help) ~= "string" then bad("output '" .. o.name .. "': help must be a string") end
    end
  end
  return def
end
M.check = check

-- A fresh environment per recipe: the standard library and lakebase, nothing shared.
local function environment(dir)
  local env = {}
  for _, k in ipairs { "assert", "error", "ipairs", "next", "pairs", "pcall", "print", "select", "tonumber",
      "tostring", "type", "xpcall", "setmetatable", "getmetatable", "rawget", "rawset", "rawequal", "rawlen" } do
    env[k] = _G[k]
  end
  for _, k in ipairs { "string", "table", "math", "utf8", "os", "io", "coroutine" } do env[k] = _G[k] end
  env.lakebase = require "lakebase"
  env._G = env
  local cache = {}
  -- Helper modules of a directory recipe: NAME.lua next to recipe.lua, in the same environment.
  env.require = function(name)
    if not dir then return require(name) end
    if cache[name] == nil then
      local path = dir .. "/" .. name:gsub("%.", "/") .. ".lua"
      if not M.file_exists(path) then return require(name) end
      local chunk, err = loadfile(path, "t", env)
      if not chunk then error(err, 2) end
      cache[name] = chunk(name) or true
    end
    return cache[name]
  end
  return env
end

--- Loads the recipe file at `path` (NAME.lua, or DIR/recipe.lua with helper modules in DIR) to
-- run it: its top-level code runs, with the standard library and lakebase.
function M.load_file(path)
  local rdir = path:match("^(.*)/recipe%.lua$")
  local chunk, err = loadfile(path, "t", environment(rdir))
  if not chunk then error("cannot load recipe " .. path .. ": " .. err, 0) end
  local ok, def = pcall(chunk)
  if not ok then error("recipe " .. path .. " failed to load: " .. tostring(def), 0) end
  def = check(def, path)
  def.source = path
  return def
end

local function check_name(name)
  if type(name) ~= "string" or not name:match("^[%w][%w._-]*$") then
    error("invalid recipe name '" .. tostring(name) .. "': use letters, digits, '.', '_' and '-'", 0)
  end
end

local function is_builtin(name)
  for _, b in ipairs(M.BUILTIN) do if b == name then return true end end
  return false
end

local function run_find(argv)
  return require("lakebase.runtime.process").exec(argv).stdout
end

--- Every recipe on the search path in search order: {name=, path=} ("built-in" for the built-in
-- ones). A name may come more than once: the first one is used, the others are shadowed.
function M.candidates()
  local out = {}
  for _, b in ipairs(M.BUILTIN) do out[#out + 1] = { name = b, path = "built-in" } end
  for _, dir in ipairs(M.search_path()) do
    local files, dirs = {}, {}
    for path in run_find { "find", dir, "-mindepth", "1", "-maxdepth", "2", "-name", "*.lua" }:gmatch("[^\n]+") do
      local rel = path:sub(#dir + 2)
      local name = rel:match("^([^/]+)%.lua$")
      if name then files[#files + 1] = name end
      name = rel:match("^([^/]+)/recipe%.lua$")
      if name then dirs[#dirs + 1] = name end
    end
    table.sort(files)
    table.sort(dirs)
    -- Within a directory NAME.lua comes before NAME/recipe.lua, as M.locate looks.
    for _, n in ipairs(files) do out[#out + 1] = { name = n, path = dir .. "/" .. n .. ".lua" } end
    for _, n in ipairs(dirs) do out[#out + 1] = { name = n, path = dir .. "/" .. n .. "/recipe.lua" } end
  end
  -- Rocks: lakebase_recipes/*.lua under each package.path directory.
  for template in package.path:gmatch("[^;]+") do
    local base = template:match("^(.*)/%?%.lua$")
    if base then
      local found = run_find { "find", base .. "/lakebase_recipes", "-maxdepth", "1", "-name", "*.lua" }
      for path in found:gmatch("[^\n]+") do
        out[#out + 1] = { name = (path:match("([^/]+)%.lua$"):gsub("_", "-")), path = path }
      end
    end
  end
  return out
end

--- Where recipe `name` comes from: "built-in" or the path of its file; nil and a message naming
-- where it looked when there is none.
function M.locate(name)
  check_name(name)
  if is_builtin(name) then return "built-in" end
  for _, dir in ipairs(M.search_path()) do
    for _, path in ipairs { dir .. "/" .. name .. ".lua", dir .. "/" .. name .. "/recipe.lua" } do
      if M.file_exists(path) then return path end
    end
  end
  -- Installed as a Lua module (a LuaRocks rock): lakebase_recipes.NAME on package.path.
  local module_path = package.searchpath("lakebase_recipes." .. name:gsub("-", "_"), package.path)
  if module_path then return module_path end
  return nil, "no recipe named '" .. name .. "' (built-in: " .. table.concat(M.BUILTIN, ", ") .. "; looked in " ..
    table.concat(M.search_path(), ", ") .. ")"
end

local function load_builtin(name)
  local mod = "lakebase.recipe.builtin." .. name:gsub("-", "_")
  local loader
  for _, searcher in ipairs(package.searchers) do
    local f = searcher(mod)
    if type(f) == "function" then loader = f break end
  end
  if not loader then error("built-in recipe " .. name .. " is missing from this build", 0) end
  debug.setupvalue(loader, 1, environment(nil))  -- a main chunk's first upvalue is _ENV
  local def = check(loader(mod), "built-in recipe " .. name)
  def.source = "built-in"
  return def
end

--- The declarations of the recipe file at `path`, read without running its code with powers.
function M.declarations_of(path)
  local def = check(require("lakebase.recipe.declarations").read(path), path)
  def.source = path
  return def
end

-- Recipe `name` read by `read_file(path)`; built-in recipes, part of lakebase, are loaded.
local function resolve(name, read_file)
  local path, why = M.locate(name)
  if not path then error(why, 0) end
  if path == "built-in" then return load_builtin(name) end
  return read_file(path)
end

--- Finds and loads recipe `name` to run it (its top-level code runs); returns the definition
-- (with .source), or raises a message.
function M.load(name) return resolve(name, M.load_file) end

--- Finds recipe `name` and reads its declarations (name, version, description, params) without
-- running its code. Raises a message.
function M.describe(name) return resolve(name, M.declarations_of) end

--- Every recipe on the search path, from its declarations: {name=, description=, version=,
-- source=}, sorted by name; one whose declarations cannot be read has .error instead, and one a
-- recipe of the same name found earlier hides has .shadowed_by (that one's source).
function M.list()
  local first, out = {}, {}
  for i, c in ipairs(M.candidates()) do
    local ok, def = pcall(c.path == "built-in" and load_builtin or M.declarations_of, c.path == "built-in" and c.name or c.path)
    local item = ok and { name = c.name, description = def.description, version = def.version, source = c.path }
      or { name = c.name, source = c.path, error = tostring(def) }
    item.order = i
    if first[c.name] then item.shadowed_by = first[c.name] else first[c.name] = c.path end
    out[#out + 1] = item
  end
  table.sort(out, function(a, b)
    if a.name ~= b.name then return a.name < b.name end
    return a.order < b.order
  end)
  for _, item in ipairs(out) do item.order = nil end
  return out
end

local function convert(p, v)
  local shown = type(v) == "string" and ("'" .. v .. "'") or tostring(v)
  if p.type == "string" then
    if type(v) ~= "string" then return nil, "must be a string, got " .. shown end
    return v
  elseif p.type == "number" then
    local n = tonumber(v)
    if not n then return nil, "must be a number, got " .. shown end
    if n ~= n or n == math.huge or n == -math.huge then return nil, "must be a finite number, got " .. shown end
    if p.integer then
      n = math.tointeger(n)
      if not n then return nil, "must be a whole number, got " .. shown end
    end
    if p.min and n < p.min then return nil, "must be at least " .. p.min .. ", got " .. shown end
    if p.max and n > p.max then return nil, "must be at most " .. p.max .. ", got " .. shown end
    return n
  elseif p.type == "boolean" then
    if v == true or v == "true" or v == "yes" or v == "1" then return true end
    if v == false or v == "false" or v == "no" or v == "0" then return false end
    return nil, "must be true or false, got " .. shown
  elseif p.type == "duration" then
    -- Whole seconds: a fraction is refused, never truncated (500ms is not 0s).
    local d = human_duration(v)
    if not d then return nil, "must be a duration such as 90s, 15m, 2h or 7d, got " .. shown end
    local min, max = p.min or M.DURATION_MIN, p.max or M.DURATION_MAX
    if d > max then return nil, "must be at most " .. M.show_duration(max) .. ", got " .. shown end
    local whole = math.tointeger(d)
    if not whole then return nil, string.format("must be a whole number of seconds, got %s (%gs)", shown, d) end
    if whole < min then return nil, "must be at least " .. M.show_duration(min) .. ", got " .. shown end
    return whole
  elseif p.type == "enum" then
    for _, allowed in ipairs(p.values) do if v == allowed then return v end end
    return nil, "must be one of " .. table.concat(p.values, ", ") .. ", got " .. shown
  end
end

--- Validates raw values (strings from the command line, or Lua values) against the recipe's
-- parameters; returns the typed parameters, or nil and every problem, one per line.
function M.validate(def, raw)
  local params, problems, known = {}, {}, {}
  for _, p in ipairs(def.params) do
    known[p.name] = true
    local v = raw[p.name]
    if v == nil then v = p.default end
    if v == nil then
      if p.required then problems[#problems + 1] = "--" .. p.name:gsub("_", "-") .. " is required (" .. (p.help or p.type) .. ")" end
    else
      local value, why = convert(p, v)
      if value == nil then problems[#problems + 1] = "--" .. p.name:gsub("_", "-") .. " " .. why
      else params[p.name] = value end
    end
  end
  for k in pairs(raw) do
    if not known[k] then problems[#problems + 1] = "unknown parameter --" .. k:gsub("_", "-") .. " for recipe " .. def.name end
  end
  if #problems > 0 then
    table.sort(problems)
    return nil, table.concat(problems, "\n")
  end
  return params
end

local S_IFMT_DIR, S_IFMT_REG = tonumber("040000", 8), tonumber("0100000", 8)

--- Writes `data` to `path` as it is (following a symlink, into a device or pipe); raises a
-- message naming the path when it cannot, a failed flush at close included.
function M.write_file(path, data)
  local f, err = io.open(path, "wb")
  if not f then error("cannot write " .. tostring(err), 0) end
  local ok, werr = f:write(data)
  local closed, cerr = f:close()
  if not (ok and closed) then error("cannot write " .. path .. ": " .. tostring(werr or cerr), 0) end
end

--- Writes PG* variables (password included) as shell `export` lines to `path`, mode 0600. A
-- path that is not a regular file (a pipe from >(...)) or is in /dev or /proc (/dev/stdout, even
-- when standard output is a file; /dev/null) is written into: renaming a file over it would
-- replace the device, for every process, when run as root. Elsewhere a symlink is replaced.
function M.write_env_file(path, env)
  local lines = {}
  for _, k in ipairs { "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE" } do
    lines[#lines + 1] = "export " .. k .. "='" .. tostring(env[k]):gsub("'", "'\\''") .. "'"
  end
  local text = table.concat(lines, "\n") .. "\n"
  local core = require "lakebase.core"
  local _, kind = core.file_mode(path)
  if kind == S_IFMT_DIR then error("cannot write " .. path .. ": Is a directory", 0) end
  if kind and (kind ~= S_IFMT_REG or path:match("^/dev/") or path:match("^/proc/")) then return M.write_file(path, text) end
  local ok, err = core.write_private(path, text)
  if not ok then error(err, 0) end
end

--- The generated help of a recipe.
function M.help(def)
  local lines = { string.format("%s %s — %s", def.name, def.version, def.description), "",
    "usage: lakebase recipe run " .. def.name .. " [--dry-run]" .. (#def.params > 0 and " [parameters]" or ""), "" }
  if #def.params > 0 then lines[#lines + 1] = "Parameters:" end
  for _, p in ipairs(def.params) do
    local kind = p.type == "enum" and table.concat(p.values, "|") or p.type
    if p.type == "duration" then
      kind = kind .. " " .. M.show_duration(p.min or M.DURATION_MIN) .. ".." .. M.show_duration(p.max or M.DURATION_MAX)
    elseif p.type == "number" and (p.min or p.max) then
      kind = (p.integer and "whole number " or kind .. " ") .. tostring(p.min or "") .. ".." .. tostring(p.max or "")
    elseif p.integer then
      kind = "whole number"
    end
    local extra = p.required and "required" or (p.default ~= nil and ("default " .. tostring(p.default)) or "optional")
    lines[#lines + 1] = string.format("  --%-18s %s (%s, %s)", p.name:gsub("_", "-") .. (p.type == "boolean" and "" or " V"),
      p.help or "", kind, extra)
  end
  if type(def.outputs) == "table" and #def.outputs > 0 then
    lines[#lines + 1] = ""
    lines[#lines + 1] = "Outputs ($GITHUB_OUTPUT when set, name=value lines, or one JSON object with -o json):"
    for _, o in ipairs(def.outputs) do
      lines[#lines + 1] = string.format("  %-22s %s%s", o.name, o.help or "", o.secret and " (secret: masked, shown as ***)" or "")
    end
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Source: " .. tostring(def.source)
  return table.concat(lines, "\n") .. "\n"
end

return M
