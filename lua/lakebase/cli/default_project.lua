--- The default project, for commands and recipes run without --project: LAKEBASE_PROJECT, else
-- the ID in ./.lakebase-project (written by `lakebase project use ID`). --project, or a TARGET
-- path naming the project, always wins.
local names = require "lakebase.api.names"
local schema = require "lakebase.api.schema"

-- The rule for an existing project's ID: the service's own (a UUID for a project made in the UI)
-- passes as well as the IDs people choose.
local function id_problem(id) return names.existing_id_problem(schema.project, id) end

local M = {}

M.FILE = ".lakebase-project"

M.USAGE = [[
usage: lakebase project use ID    make ID the default project here (writes ./.lakebase-project)
       lakebase project show      the default project and where it comes from
       lakebase project clear     remove ./.lakebase-project

Commands and recipes take the default project when --project is absent (recipes' --project,
psql and query): LAKEBASE_PROJECT if set, else the ID in ./.lakebase-project (one line).
--project, or a TARGET path naming the project, always wins.
]]

--- The default project ID and where it came from ("LAKEBASE_PROJECT" or the file), or nil; or
-- nil, nil and a problem naming a malformed value.
function M.resolve()
  local env = os.getenv("LAKEBASE_PROJECT")
  local id, source
  if env and env ~= "" then
    id, source = env, "LAKEBASE_PROJECT"
  else
    local f = io.open(M.FILE, "rb")
    if not f then return nil end
    local text = f:read(4096) or ""
    f:close()
    id, source = text:match("^%s*(.-)%s*$"), "./" .. M.FILE
  end
  local why = id_problem(id)
  if why then return nil, nil, string.format("the default project '%s' (from %s) is not a project ID: it %s", id, source, why) end
  return id, source
end

--- For `recipe run`: fills raw.project from the default when the recipe has a project parameter
-- and none was given. Returns a problem (a malformed default), or nil.
function M.fill_recipe(def, raw)
  if raw.project ~= nil then return nil end
  for _, p in ipairs(def.params) do
    if p.name == "project" then
      local id, _, why = M.resolve()
      raw.project = id
      return why
    end
  end
end

--- `lakebase project use ID | show | clear`; returns an exit status.
function M.command(argv, i)
  local sub, arg = argv[i], argv[i + 1]
  if sub == nil or sub == "-h" or sub == "--help" then
    io.stdout:write(M.USAGE)
    return sub == nil and 2 or 0
  end
  if sub == "use" then
    if arg == nil then io.stderr:write("lakebase project use: needs a project ID\n") return 2 end
    if argv[i + 2] ~= nil then
      io.stderr:write("lakebase project use: takes one project ID; unexpected argument '", argv[i + 2], "'\n")
      return 2
    end
    local why = id_problem(arg)
    if why then io.stderr:write("lakebase project use: invalid project ID '", arg, "': it ", why, "\n") return 2 end
    -- A new file renamed into place: a symlink planted there (a checkout's) is replaced, not followed.
    local ok, err = require("lakebase.core").write_private(M.FILE, arg .. "\n", false, tonumber("644", 8))
    if not ok then io.stderr:write("lakebase project use: ", tostring(err), "\n") return 1 end
    io.stdout:write("default project: ", arg, " (./", M.FILE, ")\n")
    if os.getenv("LAKEBASE_PROJECT") and os.getenv("LAKEBASE_PROJECT") ~= "" then
      io.stderr:write("lakebase project use: note: LAKEBASE_PROJECT=", os.getenv("LAKEBASE_PROJECT"), " is set and wins over the file\n")
    end
    return 0
  elseif sub == "show" and arg == nil then
    local id, source, why = M.resolve()
    if why then io.stderr:write("lakebase project show: ", why, "\n") return 1 end
    if not id then io.stderr:write("no default project (set LAKEBASE_PROJECT or run: lakebase project use ID)\n") return 1 end
    io.stdout:write(id, " (", source, ")\n")
    return 0
  elseif sub == "clear" and arg == nil then
    local ok = os.remove(M.FILE)
    io.stdout:write(ok and ("removed ./" .. M.FILE .. "\n") or "no ./" .. M.FILE .. " here\n")
    return 0
  end
  io.stderr:write("lakebase project: unknown command '", table.concat(argv, " ", i), "'\n", M.USAGE)
  return 2
end

return M
