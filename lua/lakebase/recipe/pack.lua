--- Recipe packages: `lakebase recipe pack` turns a recipe (a file, or a directory with recipe.lua
-- and helper modules) into one versioned, checksummed file, NAME-VERSION.lbrecipe; `lakebase
-- recipe install FILE` checks it and adds it to ~/.lakebase/recipes/NAME/.
--
-- Format (text): "lakebase-recipe-pack 1", "name N", "version V", "sha256 HEX", a blank line,
-- then the payload: for each file, "file PATH LENGTH\n" followed by LENGTH bytes and "\n". The
-- checksum covers the payload; install refuses a file whose checksum, paths, or recipe name and
-- version do not match its header.
local recipe = require "lakebase.recipe"
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

local function write_file(path, data)
  local f, err = io.open(path, "wb")
  if not f then error("cannot write " .. tostring(err), 0) end
  f:write(data)
  f:close()
end

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
    local def = recipe.load(source)  -- by name
    if def.source == "built-in" then error("built-in recipes ship with lakebase; nothing to pack", 0) end
    path = def.source:match("^(.*)/recipe%.lua$") or def.source
  end
  local files = collect(path)
  -- Load it as it will be installed, to check it and read its name and version.
  local tmp = process.exec { "mktemp", "-d", check = true }.stdout:match("%S+")
  local ok, def = pcall(function()
    for name, data in pairs(files) do
      process.exec { "mkdir", "-p", (tmp .. "/x/" .. name):match("^(.*)/"), check = true }
      write_file(tmp .. "/x/" .. name, data)
    end
    return recipe.load_file(tmp .. "/x/recipe.lua")
  end)
  process.exec { "rm", "-rf", tmp }
  if not ok then error(def, 0) end
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
    if name:sub(1, 1) == "/" or name:find("%.%.") or not name:match("%.lua$") then bad("unsafe path " .. name) end
    len = math.tointeger(tonumber(len))
    if not len or len > #payload - body_start + 1 then
      bad("file entry " .. name .. " claims more bytes than the package holds (truncated?)")
    end
    files[name] = payload:sub(body_start, body_start + len - 1)
    pos = body_start + len + 1
  end
  if not files["recipe.lua"] then bad("it has no recipe.lua") end
  return h, files
end

--- Reads, parses and checks the package at `path` (see M.parse).
function M.read(path) return M.parse(read_all(path), path) end

--- Installs a package into `dir` (default ~/.lakebase/recipes). Returns the definition.
function M.install(path, dir)
  local h, files = M.read(path)
  if not h.name:match("^[%w][%w._-]*$") then error("invalid recipe name in " .. path .. ": " .. h.name, 0) end
  dir = dir or ((os.getenv("HOME") or ".") .. "/.lakebase/recipes")
  process.exec { "mkdir", "-p", dir, check = true }
  local staging = dir .. "/." .. h.name .. ".installing"
  process.exec { "rm", "-rf", staging, check = true }
  for name, data in pairs(files) do
    process.exec { "mkdir", "-p", (staging .. "/" .. name):match("^(.*)/"), check = true }
    write_file(staging .. "/" .. name, data)
  end
  local ok, def = pcall(recipe.load_file, staging .. "/recipe.lua")
  if ok and (def.name ~= h.name or def.version ~= h.version) then
    ok, def = false, string.format("%s says %s %s but its recipe is %s %s", path, h.name, h.version, def.name, def.version)
  end
  if not ok then
    process.exec { "rm", "-rf", staging }
    error("refusing to install: " .. tostring(def), 0)
  end
  process.exec { "rm", "-rf", dir .. "/" .. h.name, check = true }
  process.exec { "mv", staging, dir .. "/" .. h.name, check = true }
  def.source = dir .. "/" .. h.name .. "/recipe.lua"
  return def
end

return M
