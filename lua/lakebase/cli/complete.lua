--- `lakebase __complete WORD... CURRENT`: what may come next on a command line, for the shell
-- completion scripts (cli/completion.lua), which call it on every TAB, as the Databricks CLI's
-- scripts call `databricks __complete`. One candidate a line, "value<TAB>description"; a line
-- ":files" alone asks the shell for file names instead. Everything comes from the tables that
-- drive --help: the global flags (cli/globals.lua), the postgres commands (api/commands.lua and
-- cli/postgres.lua), the psql, query and auth flags, the emulator's usage, the recipes on the
-- search path and their declared parameters; resource names from the API (cli/complete_names.lua).
local globals = require "lakebase.cli.globals"
local api_names = require "lakebase.cli.complete_names"
local resources_of = api_names.resources_of

local M = {}

-- The top-level commands, as `lakebase --help` lists them (tests/cli/test_completion.sh keeps the
-- two in step).
M.TOP = {
  { name = "run", help = "run a Lua workflow script" },
  { name = "postgres", help = "one API call: create-branch, list-projects, get-operation..." },
  { name = "psql", help = "psql on an endpoint, with a fresh credential" },
  { name = "query", help = "SQL without psql: a table, JSON or CSV" },
  { name = "current-user", help = "who lakebase signs in as" },
  { name = "api", help = "a raw API request" },
  { name = "repl", help = "the REPL" },
  { name = "recipe", help = "reusable workflows" },
  { name = "project", help = "the default project: use, show, clear" },
  { name = "auth", help = "how lakebase authenticates" },
  { name = "emulator", help = "serve a local Lakebase API" },
  { name = "types", help = "type definitions for the Lua language server" },
  { name = "completion", help = "a shell completion script: bash, zsh or fish" },
}
local TOP_FLAGS = {
  { long = "e", short = true, value = "CODE", help = "run CODE instead of a script file" },
  { long = "version", help = "print the version and exit" },
  { long = "help", help = "print the help and exit" },
}
local SHELLS = { "bash", "zsh", "fish" }
local RECIPE_SUBS = {
  { name = "list", help = "the recipes on the search path" },
  { name = "info", help = "a recipe's parameters and help" },
  { name = "run", help = "run a recipe" },
  { name = "new", help = "a skeleton recipe and its test in ./recipes/NAME/" },
  { name = "pack", help = "one checksummed file from a recipe" },
  { name = "install", help = "check a package and add it to ~/.lakebase/recipes" },
}

-- A flag: spelling ("--output", "-o"), whether it takes a value, help, and how to complete its
-- value: a list of values, "files", or a function(prefix, ctx) giving candidates.
local function flag(spelling, value, help, complete)
  return { spelling = spelling, value = value, help = help, complete = complete }
end

-- The profiles of ~/.databrickscfg (DATABRICKS_CONFIG_FILE), for --profile; none when unreadable.
local function profiles()
  local home = os.getenv("HOME") or ""
  local path = (os.getenv("DATABRICKS_CONFIG_FILE") or "~/.databrickscfg"):gsub("^~/", function() return home .. "/" end)
  local ok, sections, order = pcall(require("lakebase.auth.ini").read, path)
  local out = {}
  for _, name in ipairs(ok and sections and order or {}) do out[#out + 1] = { name } end
  return out
end

-- Flag tables ---------------------------------------------------------------------------------

local function global_flags()
  local out = {}
  for _, f in ipairs(globals.FLAGS) do
    local complete = f.values
    if f.long == "profile" then complete = profiles
    elseif f.long == "log-file" then complete = "files" end
    out[#out + 1] = flag("--" .. f.long, f.value ~= nil, f.help, complete)
    if f.short then out[#out + 1] = flag("-" .. f.short, f.value ~= nil, f.help, complete) end
  end
  return out
end

-- The formats -o takes where it is not every one (the first match of a spelling wins).
local OUTPUTS = { query = { "text", "json", "csv" }, api = { "text", "json", "yaml" },
  auth = { "text", "json", "yaml" }, get = { "text", "json", "yaml" }, ["current-user"] = { "text", "json", "yaml" } }

local function with_globals(list, outputs)
  if outputs then
    for _, spelling in ipairs { "--output", "-o" } do list[#list + 1] = flag(spelling, true, "output type: " .. table.concat(outputs, ", "), outputs) end
  end
  for _, f in ipairs(global_flags()) do list[#list + 1] = f end
  list[#list + 1] = flag("--help", false, "this help")
  return list
end

local function postgres_flags(cmd)
  local defs = require("lakebase.cli.postgres").FLAGS
  local out = {}
  for _, name in ipairs(cmd.flags) do
    local def = defs[name]
    if not def.hidden then
      local complete
      if name == "reassign_owned_to" then complete = resources_of("role") end
      out[#out + 1] = flag("--" .. name:gsub("_", "-"), def.value ~= nil, def.help, complete)
    end
  end
  return with_globals(out, not cmd.list and OUTPUTS.get or nil)
end

-- Flags of psql and query, from their own-flag tables (true: takes a value).
local function own_flags(module, values, outputs)
  local out = {}
  local names = {}
  for name in pairs(require(module).own_flags()) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local takes = require(module).own_flags()[name]
    out[#out + 1] = flag((#name == 1 and "-" or "--") .. name, takes, nil, values[name])
  end
  return with_globals(out, outputs)
end

local TARGET_VALUES = { project = api_names.project_ids, branch = api_names.branch_ids, endpoint = api_names.endpoint_ids,
  target = resources_of("endpoint", true), file = "files", f = "files" }

-- The emulator's options, read from its usage text ("  --port N   ...").
local function emulator_flags()
  local out = {}
  for line in require("lakebase.emulator.command").USAGE:gmatch("[^\n]+") do
    local spelling, rest = line:match("^  (%-%-[%w-]+)(.*)$")
    if spelling then
      local placeholder = rest:match("^ (%u[%u_]*)")
      out[#out + 1] = flag(spelling, placeholder ~= nil, rest:gsub("^ %u[%u_]*", ""):gsub("^[%s,]+", ""),
        (spelling == "--data" or spelling == "--pg-bindir" or spelling:match("%-file$")) and "files" or nil)
    end
  end
  out[#out + 1] = flag("--help", false, "this help")
  return out
end

-- Recipes -------------------------------------------------------------------------------------

local function recipe_names()
  local ok, items = pcall(require("lakebase.recipe").list)
  local out = {}
  for _, r in ipairs(ok and items or {}) do
    if not r.shadowed_by then out[#out + 1] = { r.name, r.description } end
  end
  return out
end

-- A recipe's parameters as flags (declarations only: the recipe's code never runs).
local function recipe_flags(name)
  local ok, def = pcall(require("lakebase.recipe").describe, name)
  local out = { flag("--dry-run", false, "print the changes instead of making them"), flag("--help", false, "this help") }
  if not ok or type(def) ~= "table" then return out end
  for _, p in ipairs(def.params or {}) do
    local spelling = "--" .. p.name:gsub("_", "-")
    local values = p.type == "enum" and p.values or nil
    if p.type == "boolean" then
      out[#out + 1] = flag(spelling, false, p.help)
      out[#out + 1] = flag("--no-" .. p.name:gsub("_", "-"), false, p.help)
    else
      if p.name == "project" then values = api_names.project_ids
      elseif p.name == "endpoint" then values = resources_of("endpoint")
      elseif p.name == "source" then values = resources_of("branch")
      elseif p.name:match("file$") then values = "files" end
      out[#out + 1] = flag(spelling, true, p.help, values)
    end
  end
  return out
end

-- The command line ----------------------------------------------------------------------------

local function find_flag(flags, word)
  for _, f in ipairs(flags) do if f.spelling == word then return f end end
end

-- The context of the words before the current one: the command, its subcommand, positional
-- arguments, the flags in force, and a flag waiting for its value.
local function context_of(words)
  local ctx = { positional = {}, auth = {} }
  local flags = with_globals({})
  for _, f in ipairs(TOP_FLAGS) do table.insert(flags, 1, flag((f.short and "-" or "--") .. f.long, f.value ~= nil, f.help)) end
  ctx.flags = flags
  local i = 1
  while i <= #words do
    local w = words[i]
    local spelling, inline = w:match("^(%-%-?[%w][%w-]*)=(.*)$")
    local f = find_flag(ctx.flags, spelling or w)
    if ctx.rest then
      -- everything after `--` (psql's own arguments), or a script's
    elseif w == "--" and not ctx.dashdash then
      if ctx.command == "psql" or not ctx.command then ctx.rest = true else ctx.dashdash = true end
    elseif f and not ctx.dashdash then
      local value = inline
      if f.value and not inline then
        i = i + 1
        value = words[i]
        if value == nil then ctx.pending = f break end
      end
      local long = f.spelling:gsub("^%-%-?", "")
      if long == "host" or long == "profile" or long == "auth-type" then ctx.auth[long:gsub("-", "_")] = value end
      if long == "p" then ctx.auth.profile = value end
      if long == "local" and value ~= "false" then ctx.local_mode = true end
      if long == "project" or long == "branch" then ctx[long] = value end
    elseif w:sub(1, 1) == "-" and w ~= "-" and not ctx.dashdash then
      -- a flag we do not know: skip it
    elseif not ctx.command then
      ctx.command = w
      if w == "postgres" or w == "recipe" or w == "auth" or w == "completion" then
        ctx.flags = with_globals({})
      elseif w == "current-user" then
        ctx.flags = with_globals({}, OUTPUTS[w])
      elseif w == "psql" then
        ctx.flags = own_flags("lakebase.cli.psql", TARGET_VALUES)
      elseif w == "query" then
        ctx.flags = own_flags("lakebase.cli.query", TARGET_VALUES, OUTPUTS.query)
      elseif w == "api" then
        ctx.flags = with_globals({ flag("--json", true, "request body: inline JSON, or @FILE") }, OUTPUTS.api)
      elseif w == "emulator" then
        ctx.flags = emulator_flags()
      elseif w == "project" then
        ctx.flags = {}
      elseif w == "types" then
        ctx.flags = { flag("--no-luarc", false, "do not write or merge ./.luarc.json") }
      elseif w ~= "repl" then  -- a script (after `run`, or given directly): what follows is its own
        if w == "run" then ctx.flags = {} else ctx.rest = true end
      end
    elseif ctx.command == "run" then
      ctx.rest = true
    elseif not ctx.sub and (ctx.command == "postgres" or ctx.command == "recipe" or ctx.command == "auth"
      or ctx.command == "completion" or ctx.command == "project") then
      ctx.sub = w
      if ctx.command == "postgres" then
        local cmd = require("lakebase.api.commands")[w]
        if type(cmd) == "table" and cmd.run then
          ctx.cmd = cmd
          ctx.flags = postgres_flags(cmd)
        end
      elseif ctx.command == "auth" then
        ctx.flags = with_globals({ flag("--check", false, "also check the credentials with one request") }, OUTPUTS.auth)
      elseif ctx.command == "recipe" and w == "list" then
        ctx.flags = { flag("-o", true, "output type", { "text", "json" }) }
      elseif ctx.command == "recipe" then
        ctx.flags = {}
      end
    else
      ctx.positional[#ctx.positional + 1] = w
      if ctx.command == "recipe" and (ctx.sub == "run" or ctx.sub == "info") and #ctx.positional == 1 then
        ctx.flags = recipe_flags(w)
      end
    end
    i = i + 1
  end
  return ctx
end

-- The update mask paths of `kind` the service takes (a oneof by its group, spec.expiration; no
-- create-only field), completing the last of a comma-separated list.
local function mask_paths(kind, prefix)
  local schema, masks = require "lakebase.api.schema", require "lakebase.api.masks"
  local def = schema[kind]
  local done = prefix:match("^(.*,)[^,]*$")
  local out, seen = {}, {}
  for f in pairs(def.spec and def.spec.fields or {}) do
    local path = masks.from_fields(def, { [f] = "x" })
    if not seen[path] and masks.resolve(def, path) then
      seen[path] = true
      out[#out + 1] = { (done or "") .. path }
    end
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

-- What a positional argument of a postgres command names, from its placeholder.
local function postgres_arg(ctx, prefix)
  local cmd = ctx.cmd
  local args = cmd.args
  local placeholder = args[#ctx.positional + 1]
  if not placeholder then return {} end
  placeholder = placeholder:gsub("%?$", "")
  local kind
  if placeholder == "PARENT" then kind = require("lakebase.api.schema")[cmd.kind].parent_kind
  elseif placeholder == "NAME" then kind = cmd.kind
  elseif placeholder == "ENDPOINT" then kind = "endpoint"
  elseif placeholder == "UPDATE_MASK" then return mask_paths(cmd.kind, prefix) end
  if not kind then return {} end
  return api_names.resource_names(prefix, kind, ctx)
end

local function names_of(list)
  local out = {}
  for _, item in ipairs(list) do out[#out + 1] = { item.name, item.help } end
  return out
end

-- Candidates for a positional argument in `ctx`; or "files".
local function positional(ctx, prefix)
  local cmd, sub, n = ctx.command, ctx.sub, #ctx.positional
  if ctx.rest then return "files" end
  if not cmd then
    if prefix:find("/", 1, true) or prefix:find("%.") then return "files" end
    return names_of(M.TOP)
  end
  if cmd == "run" then return "files" end
  if cmd == "postgres" then
    if not sub then
      local list = {}
      for _, c in ipairs(require("lakebase.api.commands")) do
        list[#list + 1] = { c.name, (c.help:match("^[^;(.]*"):gsub("%s+$", "")) }
      end
      return list
    end
    return ctx.cmd and postgres_arg(ctx, prefix) or {}
  end
  if cmd == "recipe" then
    if not sub then return names_of(RECIPE_SUBS) end
    if (sub == "run" or sub == "info") and n == 0 then return recipe_names() end
    if sub == "pack" or sub == "install" then return "files" end
    return {}
  end
  if cmd == "project" then
    if not sub then
      return { { "use", "make a project the default here" }, { "show", "the default project" }, { "clear", "remove ./.lakebase-project" } }
    end
    if sub == "use" and n == 0 then return api_names.project_ids(prefix, ctx) end
    return {}
  end
  if cmd == "types" then return not sub and "files" or {} end
  if cmd == "auth" then return not sub and { { "describe", "how lakebase authenticates" } } or {} end
  if cmd == "current-user" then return n == 0 and { { "me", "the identity (userName: the Postgres user)" } } or {} end
  if cmd == "completion" then
    if sub then return {} end
    local list = {}
    for _, s in ipairs(SHELLS) do list[#list + 1] = { s } end
    return list
  end
  if cmd == "api" then
    if n == 0 then return { { "GET" }, { "POST" }, { "PATCH" }, { "PUT" }, { "DELETE" } } end
    return {}
  end
  if cmd == "psql" then return api_names.resource_names(prefix, "endpoint", ctx, true) end
  if cmd == "query" then
    if prefix:match("^p") then return api_names.resource_names(prefix, "endpoint", ctx, true) end
    return "files"
  end
  return {}
end

local function value_candidates(f, prefix, ctx)
  local c = f.complete
  if c == "files" then return "files" end
  if type(c) == "function" then return c(prefix, ctx) end
  local out = {}
  for _, v in ipairs(c or {}) do out[#out + 1] = { v } end
  return out
end

--- The candidates for the last of `words` (the word being completed, maybe ""), given the words
-- before it: a list of {value, description}, or "files".
function M.candidates(words)
  local before = table.move(words, 1, #words - 1, 1, {})
  local prefix = words[#words] or ""
  local ctx = context_of(before)
  local list, head = nil, ""
  if ctx.pending then
    list = value_candidates(ctx.pending, prefix, ctx)
  elseif ctx.dashdash then
    list = positional(ctx, prefix)
  elseif not ctx.rest and prefix:match("^%-%-?[%w][%w-]*=") then  -- --output=js
    local spelling, partial = prefix:match("^(%-%-?[%w][%w-]*)=(.*)$")
    local f = find_flag(ctx.flags, spelling)
    if not (f and f.value) then return {} end
    list, head, prefix = value_candidates(f, partial, ctx), spelling .. "=", partial
  elseif not ctx.rest and prefix:sub(1, 1) == "-" then
    list = {}
    for _, f in ipairs(ctx.flags) do list[#list + 1] = { f.spelling, f.help } end
  else
    list = positional(ctx, prefix)
  end
  if list == "files" then return "files" end
  local out, seen = {}, {}
  for _, item in ipairs(list) do
    local v = item[1]
    if v:sub(1, #prefix) == prefix and not seen[v] then
      seen[v] = true
      out[#out + 1] = { head .. v, item[2] }
    end
  end
  return out
end

--- `lakebase __complete WORDS...`: prints the candidates; always exits 0 (a completion that
-- cannot help says nothing).
function M.run(argv, i)
  local words = table.move(argv, i, #argv, 1, {})
  if #words == 0 then words = { "" } end
  local ok, list = pcall(M.candidates, words)
  if not ok then return 0 end
  if list == "files" then
    io.stdout:write(":files\n")
    return 0
  end
  for _, item in ipairs(list) do
    local desc = item[2] and item[2]:gsub("[\t\n]", " ") or nil
    io.stdout:write(item[1], desc and desc ~= "" and ("\t" .. desc) or "", "\n")
  end
  return 0
end

return M
