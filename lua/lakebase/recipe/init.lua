--- Recipes: reusable, parameterised workflows. A recipe is a Lua file returning a table:
--
--   return {
--     name = "scale-compute", version = "1.0.0", description = "One line on what it does.",
--     params = {
--       { name = "endpoint", type = "string", required = true, help = "projects/P/branches/B/endpoints/E" },
--       { name = "max_cu", type = "number", default = 4, help = "..." },
--       { name = "suspend", type = "duration", help = "e.g. 300s, 15m" },      -- seconds (a number)
--       { name = "mode", type = "enum", values = { "a", "b" }, default = "a" },
--       { name = "force", type = "boolean", default = false },
--     },
--     run = function(ctx, params) ... end,   -- ctx.client, ctx.dry_run, ctx.print, ctx.lakebase
--   }
--
-- Recipes load in their own environment (their globals do not leak) and are found, in order, in
-- the built-in set, ./recipes, ~/.lakebase/recipes and the directories of LAKEBASE_RECIPE_PATH,
-- as NAME.lua or NAME/recipe.lua (a directory may hold helper modules, loaded with require), and
-- last as the Lua module lakebase_recipes.NAME on package.path (how a LuaRocks rock installs one:
-- build.modules = { ["lakebase_recipes.NAME"] = "recipe.lua" }).
local M = {}

M.BUILTIN = { "ci-branch", "credentials", "pitr-branch", "prune-branches", "scale-compute" }
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

--- Checks a loaded definition; returns it, or raises a message naming `where`.
local function check(def, where)
  local function bad(msg) error(where .. ": " .. msg, 0) end
  if type(def) ~= "table" then bad("a recipe must return a table, got " .. type(def)) end
  for _, k in ipairs { "name", "description", "version" } do
    if type(def[k]) ~= "string" or def[k] == "" then bad("field '" .. k .. "' must be a non-empty string") end
  end
  if type(def.run) ~= "function" then bad("field 'run' must be a function(ctx, params)") end
  def.params = def.params or {}
  local seen = {}
  for i, p in ipairs(def.params) do
    if type(p.name) ~= "string" or not p.name:match("^[%a_][%w_]*$") then bad("parameter #" .. i .. " needs a name (letters, digits, _)") end
    if seen[p.name] then bad("parameter '" .. p.name .. "' is declared twice") end
    seen[p.name] = true
    if not TYPES[p.type] then bad("parameter '" .. p.name .. "' has unknown type " .. tostring(p.type) .. " (string, number, boolean, duration, enum)") end
    if p.type == "enum" and (type(p.values) ~= "table" or #p.values == 0) then bad("enum parameter '" .. p.name .. "' needs values") end
  end
  return def
end

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

--- Loads the recipe file at `path` (NAME.lua, or DIR/recipe.lua with helper modules in DIR).
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

--- Finds and loads recipe `name`; returns the definition (with .source), or raises a message.
function M.load(name)
  if type(name) ~= "string" or not name:match("^[%w][%w._-]*$") then
    error("invalid recipe name '" .. tostring(name) .. "': use letters, digits, '.', '_' and '-'", 0)
  end
  for _, b in ipairs(M.BUILTIN) do
    if b == name then
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
  end
  local tried = {}
  for _, dir in ipairs(M.search_path()) do
    for _, path in ipairs { dir .. "/" .. name .. ".lua", dir .. "/" .. name .. "/recipe.lua" } do
      tried[#tried + 1] = path
      if M.file_exists(path) then return M.load_file(path) end
    end
  end
  -- Installed as a Lua module (a LuaRocks rock): lakebase_recipes.NAME on package.path.
  local module_path = package.searchpath("lakebase_recipes." .. name:gsub("-", "_"), package.path)
  if module_path then return M.load_file(module_path) end
  error("no recipe named '" .. name .. "' (built-in: " .. table.concat(M.BUILTIN, ", ") .. "; looked in " ..
    table.concat(M.search_path(), ", ") .. ")", 0)
end

--- Every recipe on the search path: {name=, description=, version=, source=} sorted by name; a
-- recipe that fails to load is listed with .error.
function M.list()
  local found, out = {}, {}
  local function add(name)
    if found[name] then return end
    found[name] = true
    local ok, def = pcall(M.load, name)
    out[#out + 1] = ok and { name = def.name, description = def.description, version = def.version, source = def.source }
      or { name = name, error = tostring(def) }
  end
  for _, b in ipairs(M.BUILTIN) do add(b) end
  for _, dir in ipairs(M.search_path()) do
    local r = require("lakebase.runtime.process").exec { "find", dir, "-mindepth", "1", "-maxdepth", "2", "-name", "*.lua" }
    for path in r.stdout:gmatch("[^\n]+") do
      local rel = path:sub(#dir + 2)
      local name = rel:match("^([^/]+)%.lua$") or rel:match("^([^/]+)/recipe%.lua$")
      if name then add(name) end
    end
  end
  -- Rocks: lakebase_recipes/*.lua under each package.path directory.
  for template in package.path:gmatch("[^;]+") do
    local base = template:match("^(.*)/%?%.lua$")
    if base then
      local r = require("lakebase.runtime.process").exec { "find", base .. "/lakebase_recipes", "-maxdepth", "1", "-name", "*.lua" }
      for path in r.stdout:gmatch("[^\n]+") do add((path:match("([^/]+)%.lua$"):gsub("_", "-"))) end
    end
  end
  table.sort(out, function(a, b) return a.name < b.name end)
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
    if p.min and n < p.min then return nil, "must be at least " .. p.min .. ", got " .. shown end
    if p.max and n > p.max then return nil, "must be at most " .. p.max .. ", got " .. shown end
    return n
  elseif p.type == "boolean" then
    if v == true or v == "true" or v == "yes" or v == "1" then return true end
    if v == false or v == "false" or v == "no" or v == "0" then return false end
    return nil, "must be true or false, got " .. shown
  elseif p.type == "duration" then
    local d = require("lakebase.api.validate").human_duration(v)
    if not d then return nil, "must be a duration such as 90s, 15m, 2h or 7d, got " .. shown end
    return d
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

--- Writes PG* variables (password included) as shell `export` lines to `path`, mode 0600.
function M.write_env_file(path, env)
  local lines = {}
  for _, k in ipairs { "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE" } do
    lines[#lines + 1] = "export " .. k .. "='" .. tostring(env[k]):gsub("'", "'\\''") .. "'"
  end
  local ok, err = require("lakebase.core").write_private(path, table.concat(lines, "\n") .. "\n")
  if not ok then error(err, 0) end
end

--- The generated help of a recipe.
function M.help(def)
  local lines = { string.format("%s %s — %s", def.name, def.version, def.description), "",
    "usage: lakebase recipe run " .. def.name .. " [--dry-run]" .. (#def.params > 0 and " [parameters]" or ""), "" }
  if #def.params > 0 then lines[#lines + 1] = "Parameters:" end
  for _, p in ipairs(def.params) do
    local kind = p.type == "enum" and table.concat(p.values, "|") or p.type
    local extra = p.required and "required" or (p.default ~= nil and ("default " .. tostring(p.default)) or "optional")
    lines[#lines + 1] = string.format("  --%-18s %s (%s, %s)", p.name:gsub("_", "-") .. (p.type == "boolean" and "" or " V"),
      p.help or "", kind, extra)
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Source: " .. tostring(def.source)
  return table.concat(lines, "\n") .. "\n"
end

return M
