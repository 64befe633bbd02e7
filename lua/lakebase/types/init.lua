--- `lakebase types DIR`: writes LuaLS definitions of the lakebase module (DIR/lakebase.lua, hand
-- written in types/library.lua; DIR/resources.lua, generated from the resource description) and
-- sets up ./.luarc.json so that the Lua language server reads them: DIR in workspace.library,
-- Lua 5.4, `lakebase` a known global. An existing .luarc.json keeps its other settings.
local json = require "lakebase.base.json"

local M = {}

M.USAGE = [[
usage: lakebase types DIR [--no-luarc]

Writes type definitions of the lakebase module for the Lua language server (LuaLS) into DIR
(lakebase.lua and resources.lua, generated from this version's resource description), and
creates or updates .luarc.json in the current directory: DIR added to workspace.library,
runtime.version "Lua 5.4", "lakebase" in diagnostics.globals; its other settings are kept.
  --no-luarc   write the definitions only
]]

--- The definition files, by name.
function M.files()
  return { ["lakebase.lua"] = require "lakebase.types.library",
    ["resources.lua"] = require("lakebase.types.resources").text() }
end

-- Written whole or not at all, through a new temporary file (never one planted there), readable by all.
local function write_file(path, text)
  local ok, err = require("lakebase.core").write_private(path, text, false, tonumber("644", 8))
  if not ok then error(err, 0) end
end

local function add_unique(list, value)
  for _, v in ipairs(list) do if v == value then return list end end
  list[#list + 1] = value
  return list
end

--- The .luarc.json text for `existing` (its text, or nil) with `dir` as a library. Raises a
-- message when `existing` is not a JSON object.
function M.luarc(existing, dir)
  local cfg = {}
  if existing and existing:match("%S") then
    local decoded, err = json.decode(existing)
    if type(decoded) ~= "table" or json.is_array(decoded) then
      error("is not a JSON object" .. (err and (" (" .. err .. ")") or ""), 0)
    end
    cfg = decoded
  end
  if cfg["Lua.workspace.library"] ~= nil or cfg["Lua.runtime.version"] ~= nil then
    -- The flat spelling VS Code's settings use: stay with it.
    cfg["Lua.workspace.library"] = add_unique(json.array(cfg["Lua.workspace.library"] or {}), dir)
    cfg["Lua.runtime.version"] = "Lua 5.4"
    cfg["Lua.diagnostics.globals"] = add_unique(json.array(cfg["Lua.diagnostics.globals"] or {}), "lakebase")
  else
    for _, k in ipairs { "workspace", "runtime", "diagnostics" } do
      if cfg[k] ~= nil and type(cfg[k]) ~= "table" then error("has a '" .. k .. "' that is not an object", 0) end
      cfg[k] = cfg[k] or {}
    end
    cfg.workspace.library = add_unique(json.array(cfg.workspace.library or {}), dir)
    cfg.runtime.version = "Lua 5.4"
    cfg.diagnostics.globals = add_unique(json.array(cfg.diagnostics.globals or {}), "lakebase")
  end
  return json.pretty(cfg) .. "\n"
end

--- Writes the definitions into `dir` and, unless opts.luarc == false, updates ./.luarc.json.
function M.write(dir, opts)
  opts = opts or {}
  local luarc
  if opts.luarc ~= false then  -- checked before anything is written
    local f = io.open(".luarc.json", "rb")
    local existing = f and f:read("a")
    if f then f:close() end
    local ok, text = pcall(M.luarc, existing, dir)
    if not ok then error(".luarc.json " .. text .. ": fix or remove it, or use --no-luarc", 0) end
    luarc = text
  end
  local r = require("lakebase.runtime.process").exec { "mkdir", "-p", "--", dir }
  if not r.ok then error("cannot create " .. dir .. ": " .. (r.stderr or ""):gsub("^mkdir: ", ""):gsub("%s+$", ""), 0) end
  for name, text in pairs(M.files()) do write_file(dir .. "/" .. name, text) end
  if luarc then write_file(".luarc.json", luarc) end
end

--- The command: returns its exit status.
function M.run(argv, i)
  local dir, luarc = nil, true
  for j = i, #argv do
    local a = argv[j]
    if a == "-h" or a == "--help" then io.stdout:write(M.USAGE) return 0
    elseif a == "--no-luarc" then luarc = false
    elseif a:sub(1, 1) == "-" and a ~= "-" then
      io.stderr:write("lakebase types: unknown option '", a, "'\n", M.USAGE) return 2
    elseif dir then
      io.stderr:write("lakebase types: one directory expected, got '", dir, "' and '", a, "'\n", M.USAGE) return 2
    else dir = a end
  end
  if not dir or dir == "" then io.stderr:write("lakebase types: the directory to write to is missing\n", M.USAGE) return 2 end
  dir = dir:gsub("(.)/+$", "%1")
  local ok, err = pcall(M.write, dir, { luarc = luarc })
  if not ok then
    io.stderr:write("lakebase types: ", require("lakebase.base.errors").message(err), "\n")
    return 1
  end
  io.stderr:write("wrote ", dir, "/lakebase.lua and ", dir, "/resources.lua", luarc and ", updated .luarc.json" or "", "\n")
  return 0
end

return M
