--- Schema-only dumps of a branch's databases with pg_dump, and their unified diff, for the
-- schema-diff recipe.
local M = {}

--- The pg_dump to run: `given` when set; else the newest /usr/lib/postgresql/N/bin/pg_dump (Debian
-- and Ubuntu install each major version there; pg_dump must be at least the server's version);
-- else pg_dump on PATH.
function M.pg_dump_path(given)
  if given then return given end
  for major = 40, 10, -1 do  -- the newest installed major version
    local path = "/usr/lib/postgresql/" .. major .. "/bin/pg_dump"
    local f = io.open(path, "rb")
    if f then f:close() return path end
  end
  return "pg_dump"
end

-- Lines that differ between two dumps of the same schema: psql's \restrict key (random per dump,
-- pg_dump 15.14+, 17.6+) and the versions in the header.
local NOISE = { "^\\restrict ", "^\\unrestrict ", "^%-%- Dumped from database version", "^%-%- Dumped by pg_dump version" }

function M.normalise(text)
  local out = {}
  for line in (text .. "\n"):gmatch("(.-)\n") do
    local noisy = false
    for _, pat in ipairs(NOISE) do if line:find(pat) then noisy = true break end end
    if not noisy then out[#out + 1] = line end
  end
  while out[#out] == "" do out[#out] = nil end
  return table.concat(out, "\n") .. "\n"
end

--- The schema of `database` on endpoint `ep` (normalised pg_dump --schema-only output). A
-- database missing on that branch gives nil and the reason.
function M.dump(lakebase, ep, database, pg_dump)
  local env = ep:pg_env { database = database }
  env.PATH = os.getenv("PATH")
  local r = lakebase.exec { pg_dump, "--schema-only", "--no-password", env = env, timeout = 600 }
  if r.code ~= 0 then
    local why = r.stderr:gsub("%s+$", "")
    if why:find('database "' .. database .. '" does not exist', 1, true) then return nil, "missing" end
    error(string.format("%s of %s on %s failed (exit %s): %s", pg_dump, database, ep.name, tostring(r.code or r.signal), why), 0)
  end
  return M.normalise(r.stdout)
end

--- A unified diff of two texts, labelled; "" when they are the same. Uses diff(1) on two
-- temporary files (os.tmpname: made with mkstemp), removed afterwards.
function M.diff(lakebase, a, b, label_a, label_b)
  if a == b then return "" end
  local fa, fb = os.tmpname(), os.tmpname()
  local ok, r = pcall(function()
    for path, text in pairs { [fa] = a, [fb] = b } do
      local f = assert(io.open(path, "wb"))
      f:write(text)
      f:close()
    end
    return lakebase.exec { "diff", "-u", "--label", label_a, "--label", label_b, fa, fb }
  end)
  os.remove(fa)
  os.remove(fb)
  if not ok then error(r, 0) end
  if r.code ~= 1 then error("diff failed (exit " .. tostring(r.code or r.signal) .. "): " .. r.stderr, 0) end
  return r.stdout
end

--- Counts added and removed lines of a unified diff. A file's header ("--- a", "+++ b") is the
-- pair just before a hunk: a removed SQL comment ("-- Name: ...") also starts with "---".
function M.count(diff)
  local lines = {}
  for line in diff:gmatch("[^\n]+") do lines[#lines + 1] = line end
  local added, removed, i = 0, 0, 1
  while i <= #lines do
    local line = lines[i]
    if line:sub(1, 4) == "--- " and (lines[i + 1] or ""):sub(1, 4) == "+++ " and (lines[i + 2] or ""):sub(1, 3) == "@@ " then
      i = i + 2
    else
      if line:sub(1, 1) == "+" then added = added + 1 elseif line:sub(1, 1) == "-" then removed = removed + 1 end
      i = i + 1
    end
  end
  return added, removed
end

return M
