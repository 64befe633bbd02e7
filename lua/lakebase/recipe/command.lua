--- `lakebase recipe list | info NAME | run NAME [--dry-run] [--param value ...] | new NAME`.
-- Parameters are checked, all of them, before anything runs (exit 2 with every problem);
-- --dry-run prints the API calls that would change something instead of making them.
local recipe = require "lakebase.recipe"
local json = require "lakebase.base.json"

local M = {}

M.USAGE = [[
usage: lakebase [options] recipe list [-o json]       the recipes on the search path
       lakebase [options] recipe info NAME            a recipe's parameters and help
       lakebase [options] recipe run NAME [--dry-run] [-o text|json] [--PARAM VALUE | --PARAM=VALUE | --FLAG | --no-FLAG]...
       lakebase [options] recipe run NAME --help      the same help as info
       lakebase recipe new NAME                       a skeleton recipe and its test in ./recipes/NAME/
       lakebase recipe pack SOURCE [-o FILE]           one checksummed file, NAME-VERSION.lbrecipe, from a
                                                      recipe file, directory or name
       lakebase recipe install FILE                   check a package and add it to ~/.lakebase/recipes

Search path: built-in recipes, ./recipes, ~/.lakebase/recipes, then LAKEBASE_RECIPE_PATH
(directories separated by ':'). A recipe is NAME.lua or NAME/recipe.lua; the first one found of a
name is used, and later ones are listed as shadowed.

Trust: only 'recipe run' runs a recipe's code, with full powers (files, programs, the network,
your credentials). list, info, pack and install read its declarations (name, version,
description, params) in a sandbox without os, io, require or load, bounded in instructions,
memory and time, and never run its helper modules: a recipe in an untrusted checkout's ./recipes
or a downloaded package can be listed and inspected safely, not run. The sha256 of a package
proves it is intact, not who made it.

Parameters are all checked before anything runs (exit 2 naming every problem): numbers must be
finite, durations whole seconds within the recipe's range (500ms is refused, not rounded). A
'project' parameter left out is the default project (LAKEBASE_PROJECT, else the file
.lakebase-project written by 'lakebase project use ID').

Outputs (ctx.output): appended to $GITHUB_OUTPUT when set (GitHub's multi-line format), secrets
masked with ::add-mask:: when GITHUB_ACTIONS=true; printed as name=value (secrets as ***), or with
-o json one JSON object of every output, secrets included, as the last line of stdout (the
recipe's messages then go to stderr).
]]

-- Parses --name value / --name=value / --flag / --no-flag into raw values (dashes become _).
local function parse_params(def, argv, i, flags)
  local raw, dry = {}, false
  local types = {}
  for _, p in ipairs(def.params) do types[p.name] = p.type end
  while argv[i] do
    local a = argv[i]
    local fmt = a:match("^%-%-output=(.*)$") or a:match("^%-o(.+)$")
    if (a == "-o" or a == "--output") and argv[i + 1] then fmt, i = argv[i + 1], i + 1 end
    if a == "--dry-run" then
      dry = true
    elseif fmt or a == "-o" or a == "--output" then
      if fmt ~= "text" and fmt ~= "json" then return nil, a .. " takes text or json, got " .. tostring(fmt and ("'" .. fmt .. "'")) end
      flags.output = fmt
    else
      local key, value = a:match("^%-%-([%w-]+)=(.*)$")
      key = key or a:match("^%-%-([%w-]+)$")
      if not key then return nil, "unexpected argument '" .. a .. "' (parameters are --name value)" end
      local name = key:gsub("-", "_")
      if value == nil and types[name] == "boolean" then
        value = "true"
      elseif value == nil and name:match("^no_") and types[name:sub(4)] == "boolean" then
        name, value = name:sub(4), "false"
      elseif value == nil then
        i = i + 1
        value = argv[i]
        if value == nil then return nil, "--" .. key .. " needs a value" end
      end
      raw[name] = value
    end
    i = i + 1
  end
  return raw, dry
end

-- A client whose changes are printed, not made: GETs go through, POST/PATCH/DELETE answer with
-- a finished operation built from the request.
local dry_run_client
--- What a recipe's run(ctx, params) gets as ctx (annotated as lakebase.recipe.Context). With
--- json_mode (-o json) stdout carries only the outputs' JSON object (and ::add-mask:: lines), so
--- messages go to stderr. `outs` is the run's recipe.outputs collector (a fresh one if absent).
function M.context(client, dry, def, outs, json_mode)
  outs = outs or require("lakebase.recipe.outputs").new { format = json_mode and "json" or "text" }
  local ctx = { client = dry and dry_run_client(client, json_mode and io.stderr or io.stdout) or client, dry_run = dry,
    lakebase = require "lakebase", recipe = def, output = outs.output, mask = outs.mask, outputs = outs.values,
    output_format = outs.format, exit_status = 0 }
  ctx.print = json_mode and function(...)
    local parts = table.pack(...)
    for k = 1, parts.n do parts[k] = tostring(parts[k]) end
    io.stderr:write(table.concat(parts, "\t", 1, parts.n), "\n")
  end or function(...) print(...) end
  return ctx
end

function dry_run_client(client, out)
  local dry = setmetatable({}, { __index = client })
  function dry:request(method, path, query, body, opts)
    if method == "GET" then return client.request(self, method, path, query, body, opts) end
    local q = {}
    for k, v in pairs(query or {}) do q[#q + 1] = k .. "=" .. tostring(v) end
    table.sort(q)
    out:write("dry run: ", method, " /api/2.0/postgres/", path, #q > 0 and ("?" .. table.concat(q, "&")) or "",
      body and (" " .. json.encode(body)) or "", "\n")
    if path == "credentials" then return { token = "(dry-run)", expire_time = "2099-01-01T00:00:00Z" } end
    local name = path
    for k, v in pairs(query or {}) do
      if k:match("_id$") then name = path .. "/" .. v end
    end
    local response
    if method ~= "DELETE" then
      response = { name = name, spec = body and body.spec or {}, status = body and body.spec or {} }
    end
    return { name = name .. "/operations/dry-run", done = true, response = response }
  end
  return dry
end

local SKELETON = [[
-- %s: describe what this recipe does in one line.
return {
  name = "%s",
  version = "0.1.0",
  description = "Create a branch in PROJECT named NAME (edit me)",
  params = {
    { name = "project", type = "string", required = true, help = "the project ID" },
    { name = "branch", type = "string", default = "scratch", help = "the branch ID" },
    { name = "ttl", type = "duration", default = "1d", min = "1s", max = "30d", help = "how long the branch lives" },
  },
  run = function(ctx, p)
    local project = ctx.client:get_project(p.project)
    -- p.ttl is whole seconds within min..max: parameters are checked before run is called
    local branch = project:create_branch(p.branch, { ttl = string.format("%%ds", p.ttl) }):wait()
    ctx.print("created " .. branch.name)
    return branch
  end,
}
]]

local SKELETON_TEST = [[
-- Test of the %s recipe against the embedded emulator:
--   lakebase run --local recipes/%s/test.lua
local client = lakebase.default_client()
client:create_project("recipe-test", {}):wait()
local def = require("lakebase.recipe").load("%s")
local params = assert(require("lakebase.recipe").validate(def, { project = "recipe-test" }))
local branch = def.run({ client = client, print = print, lakebase = lakebase }, params)
assert(client:get(branch.name).name == branch.name, "the branch exists")
print("ok - %s")
]]

local function new_recipe(name)
  if not name or not name:match("^[%a][%w_-]*$") then
    io.stderr:write("lakebase recipe new: needs a NAME of letters, digits, '-' and '_'\n")
    return 2
  end
  local dir = "recipes/" .. name
  local probe = io.open(dir .. "/recipe.lua", "rb")
  if probe then
    probe:close()
    io.stderr:write("lakebase recipe new: ", dir, "/recipe.lua already exists; nothing written\n")
    return 1
  end
  require("lakebase.runtime.process").exec { "mkdir", "-p", dir, check = true }
  local f = assert(io.open(dir .. "/recipe.lua", "wb"))
  f:write(SKELETON:format(name, name))
  f:close()
  f = assert(io.open(dir .. "/test.lua", "wb"))
  f:write(SKELETON_TEST:format(name, name, name, name))
  f:close()
  io.stdout:write("created ", dir, "/recipe.lua and ", dir, "/test.lua (run: lakebase run --local ", dir, "/test.lua)\n")
  return 0
end

--- Runs `lakebase recipe argv[i..]`; returns an exit status.
function M.run(argv, i, g)
  local sub = argv[i]
  if sub == nil or sub == "-h" or sub == "--help" then
    io.stdout:write(M.USAGE)
    return sub == nil and 2 or 0
  end
  if sub == "new" then return new_recipe(argv[i + 1]) end
  if sub == "pack" or sub == "install" then
    local target = argv[i + 1]
    if not target then
      io.stderr:write("lakebase recipe ", sub, ": needs ", sub == "pack" and "a SOURCE" or "a FILE", "\n")
      return 2
    end
    local packer = require "lakebase.recipe.pack"
    local ok, a, b, c = pcall(function()
      if sub == "pack" then return packer.pack(target, argv[i + 2] == "-o" and argv[i + 3] or nil) end
      return packer.install(target)
    end)
    if not ok then
      io.stderr:write("lakebase recipe ", sub, ": ", tostring(a), "\n")
      return 1
    end
    if sub == "pack" then io.stdout:write("packed ", b.name, " ", b.version, " into ", a, " (sha256 ", c, ")\n")
    else
      io.stdout:write("installed ", a.name, " ", a.version, " into ", a.source:match("^(.*)/recipe%.lua$"), "\n")
      for _, w in ipairs(b) do io.stderr:write("lakebase recipe install: ", w, "\n") end
    end
    return 0
  end
  if sub == "list" then
    local items = recipe.list()
    if argv[i + 1] == "-o" and argv[i + 2] == "json" then
      io.stdout:write(json.encode(json.array(items)), "\n")
    else
      for _, r in ipairs(items) do
        local what = r.description or ("(unreadable: " .. r.error .. ")")
        if r.shadowed_by then
          what = string.format("(warning: %s is shadowed by %s and never used) %s", r.source,
            r.shadowed_by == "built-in" and ("the built-in " .. r.name) or r.shadowed_by, what)
        end
        io.stdout:write(string.format("%-18s %-8s %s\n", r.name, r.version or "?", what))
      end
    end
    return 0
  end
  if sub ~= "info" and sub ~= "run" then
    io.stderr:write("lakebase recipe: unknown command '", sub, "'\n", M.USAGE)
    return 2
  end
  local name = argv[i + 1]
  local named, where, why = pcall(recipe.locate, name)  -- a bad or unknown name is a usage error
  if not (named and where) then
    io.stderr:write("lakebase recipe ", sub, ": ", tostring(named and why or where), "\n")
    return 2
  end
  local wants_help = sub == "info"
  for j = i + 2, #argv do
    if argv[j] == "--help" or argv[j] == "-h" then wants_help = true end
  end
  -- Help comes from the declarations: asking for it never runs the recipe.
  local ok, def = pcall(wants_help and recipe.describe or recipe.load, name)
  if not ok then
    io.stderr:write("lakebase recipe ", sub, ": ", tostring(def), "\n")
    return 1
  end
  if wants_help then
    io.stdout:write(recipe.help(def))
    return 0
  end
  local flags = { output = g and g.output }
  local raw, dry = parse_params(def, argv, i + 2, flags)
  if raw and flags.output and flags.output ~= "text" and flags.output ~= "json" then
    raw, dry = nil, "--output takes text or json for recipes, got '" .. flags.output .. "'"
  end
  if not raw then
    io.stderr:write("lakebase recipe run ", def.name, ": ", dry, "\n")
    return 2
  end
  local project_problem = require("lakebase.cli.default_project").fill_recipe(def, raw)
  if project_problem then
    io.stderr:write("lakebase recipe run ", def.name, ": ", project_problem, "\n")
    return 2
  end
  local params, problems = recipe.validate(def, raw)
  if not params then
    io.stderr:write("lakebase recipe run ", def.name, ": bad parameters:\n")
    for line in problems:gmatch("[^\n]+") do io.stderr:write("  ", line, "\n") end
    io.stderr:write("(see: lakebase recipe info ", def.name, ")\n")
    return 2
  end
  local lb = require "lakebase"
  local cok, client = pcall(lb.default_client)
  if not cok then
    io.stderr:write("Error: ", require("lakebase.base.errors").message(client), "\n")
    return 1
  end
  local json_mode = flags.output == "json"
  local outs = require("lakebase.recipe.outputs").new { format = json_mode and "json" or "text" }
  local ctx = M.context(client, dry, def, outs, json_mode)
  if def.source ~= "built-in" then
    def.run(ctx, params)  -- a traceback into the recipe's own code helps its author
  else
    -- A built-in recipe's failure (an API error, a path it cannot write) is the message alone.
    local errors = require "lakebase.base.errors"
    local ok, err = pcall(def.run, ctx, params)
    if not ok then
      if errors.is(err, "cancelled") or errors.is(err, "exit") then error(err, 0) end
      io.stderr:write("Error: ", require("lakebase.base.printable").text(errors.message(err)), "\n")
      return 1
    end
  end
  outs.finish()
  return ctx.exit_status
end

return M
