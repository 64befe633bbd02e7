--- Recipe packages: `lakebase recipe pack` turns a recipe (a file, or a directory with recipe.lua
-- and helper modules) into one versioned, checksummed file, NAME-VERSION.lbrecipe; `lakebase
-- recipe install FILE` checks it and adds it to ~/.lakebase/recipes/NAME/.
--
-- Format (text): "lakebase-recipe-pack 1", "name N", "version V", "sha256 HEX", a blank line,
-- then the payload: for each file, "file PATH LENGTH\n" followed by LENGTH bytes and "\n". The
-- checksum covers the payload; install refuses a file whose checksum, paths, or recipe name and
-- version do not match its header.
local recipe = require "lakebase.recipe"
local declarations = require "lakebase.recipe.declarations"
local process = require "lakebase.runtime.process"
local core = require "lakebase.core"

local M = {}
local MAGIC = "lakebase-recipe-pack 1"

local sha256 = core.sha256

local function read_all(path)
  local f, err = io.open(path, "rb")
  if not f then error("cannot read " .. tostring(err), 0) end
  local s = f:read("a")
  f:close()
  return s
end

local write_file = recipe.write_file

-- The recipe's files as {path = content}: a directory's *.lua files, or one file as recipe.lua.
local function collect(source)
  local files = {}
  if source:match("%.lua$") then
    files["recipe.lua"] = read_all(source)
    return files, source:match("^(.*)/") or "."
  end
  local r = process.exec { "find", source, "-type", "f", "-name", "*.lua" }
  for path in r.stdout:gmatch("[^\n]+") do files[path:sub(#source + 2)] = read_all(path) end
  if not files["recipe.lua"] then error(source .. " has no recipe.lua", 0) end
  return files, source
end

local function payload_of(files)
  local names = {}
  for name in pairs(files) do names[#names + 1] = name end
  table.sort(names)
  local parts = {}
  for _, name in ipairs(names) do
    parts[#parts + 1] = string.format("file %s %d\n%s\n", name, #files[name], files[name])
  end
  return table.concat(parts)
end

--- Packs the recipe at `source` (NAME.lua, or a directory with recipe.lua, or a recipe name on the
-- search path) into `out` (default NAME-VERSION.lbrecipe). Returns the path, the definition and
-- the checksum.
function M.pack(source, out)
  local path = source
  if not recipe.file_exists(path) and not recipe.file_exists(path .. "/recipe.lua") then
    local found, why = recipe.locate(source)  -- by name
    if not found then error(why, 0) end
    if found == "built-in" then error("built-in recipes ship with lakebase; nothing to pack", 0) end
    path = found:match("^(.*)/recipe%.lua$") or found
  end
  local files, main = collect(path), path:match("%.lua$") and path or path .. "/recipe.lua"
  local def = recipe.check(declarations.read_text(files["recipe.lua"], "@" .. main), main)
  local payload = payload_of(files)
  local sum = sha256(payload)
  out = out or string.format("%s-%s.lbrecipe", def.name, def.version)
  write_file(out, string.format("%s\nname %s\nversion %s\nsha256 %s\n\n%s", MAGIC, def.name, def.version, sum, payload))
  return out, def, sum
end

--- Parses and checks the text of a package (`where` names it in messages); returns header
-- {name=, version=, sha256=} and files {path = content}, or raises a message.
function M.parse(data, where)
  local head, payload = data:match("^(.-)\n\n(.*)$")
  local bad = function(why) error(where .. " is not a valid recipe package: " .. why, 0) end
  if not head or head:match("^([^\n]*)") ~= MAGIC then bad("it does not start with '" .. MAGIC .. "'") end
  local h = {}
  for k, v in head:gmatch("\n(%w+) ([^\n]*)") do h[k] = v end
  if not (h.name and h.version and h.sha256) then bad("its header lacks name, version or sha256") end
  if sha256(payload) ~= h.sha256 then bad("its checksum does not match its contents (corrupted or altered)") end
  local files, pos = {}, 1
  while pos <= #payload do
    local name, len, body_start = payload:match("^file ([^\n ]+) (%d+)\n()", pos)
    if not name then bad("malformed file entry at byte " .. pos) end
    -- Each part a plain name (no "", ".", ".." or leading "/"), the file a .lua one.
    local safe = name:match("%.lua$") ~= nil
    for part in (name .. "/"):gmatch("([^/]*)/") do safe = safe and part:match("^[%w_][%w._-]*$") ~= nil end
    if not safe then bad("unsafe path " .. name) end
    if files[name] then bad(name .. " appears twice") end
    len = math.tointeger(tonumber(len))
    if not len or len > #payload - body_start + 1 then
      bad("file entry " .. name .. " claims more bytes than the package holds (truncated?)")
    end
    files[name] = payload:sub(body_start, body_start + len - 1)
    pos = body_start + len + 1
  end
  for name in pairs(files) do
    local dir = name:match("^(.*)/")
    while dir do
      if files[dir] then bad(dir .. " is both a file and a directory (" .. name .. ")") end
      dir = dir:match("^(.*)/")
    end
  end
  if not files["recipe.lua"] then bad("it has no recipe.lua") end
  return h, files
end

--- Reads, parses and checks the package at `path` (see M.parse).
function M.read(path) return M.parse(read_all(path), path) end

-- Writes `files` under a fresh `staging` directory; raises a message, leaving nothing, on failure.
local function stage(staging, files)
  process.exec { "rm", "-rf", staging, check = true }
  local ok, err = pcall(function()
    process.exec { "mkdir", "-p", staging, check = true }
    for name, data in pairs(files) do
      local sub = name:match("^(.*)/")
      if sub then process.exec { "mkdir", "-p", staging .. "/" .. sub, check = true } end
      write_file(staging .. "/" .. name, data)
    end
  end)
  if not ok then
    process.exec { "rm", "-rf", staging }
    error(tostring(err), 0)
  end
end

--- Installs a package into `dir` (default ~/.lakebase/recipes). Returns the definition and a list
-- of warnings (a recipe of that name found earlier on the search path, which hides this one).
function M.install(path, dir)
  local h, files = M.read(path)
  if not h.name:match("^[%w][%w._-]*$") then error("invalid recipe name in " .. path .. ": " .. h.name, 0) end
  local ok, def = pcall(function()
    return recipe.check(declarations.read_text(files["recipe.lua"], "@" .. path .. ":recipe.lua"), path)
  end)
  if ok and (def.name ~= h.name or def.version ~= h.version) then
    ok, def = false, string.format("%s says %s %s but its recipe is %s %s", path, h.name, h.version, def.name, def.version)
  end
  if ok and recipe.locate(h.name) == "built-in" then
    ok, def = false, "there is a built-in recipe " .. h.name .. ", which would always be used instead: rename the recipe"
  end
  if not ok then error("refusing to install: " .. tostring(def), 0) end
  dir = dir or ((os.getenv("HOME") or ".") .. "/.lakebase/recipes")
  local target, warnings = dir .. "/" .. h.name, {}
  local wok, werr = pcall(function()
    process.exec { "mkdir", "-p", dir, check = true }
    local staging, old = dir .. "/." .. h.name .. ".installing", dir .. "/." .. h.name .. ".old"
    stage(staging, files)
    process.exec { "rm", "-rf", old, check = true }
    if recipe.file_exists(target .. "/recipe.lua") then process.exec { "mv", target, old, check = true } end
    local moved, merr = pcall(process.exec, { "mv", "-T", staging, target, check = true })
    if not moved then  -- put the old version back
      process.exec { "rm", "-rf", staging }
      if recipe.file_exists(old .. "/recipe.lua") then process.exec { "mv", old, target } end
      error(merr, 0)
    end
    process.exec { "rm", "-rf", old }
  end)
  if not wok then error("refusing to install: " .. tostring(werr) .. " (nothing was installed)", 0) end
  def.source = target .. "/recipe.lua"
  local used = recipe.locate(h.name)
  if used ~= def.source then
    warnings[1] = "warning: " .. tostring(used) .. " comes first on the search path, so '" .. h.name ..
      "' runs that one here, not the one installed"
  end
  return def, warnings
end

return M
