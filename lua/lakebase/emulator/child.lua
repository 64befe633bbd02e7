--- The emulator's child processes (mktemp, openssl, initdb, postgres, pg_basebackup...): they get
-- a minimal environment, none of the emulator's own (which may hold DATABRICKS_TOKEN or the
-- emulator's secrets, LAKEBASE_EMULATOR_*), and never a secret on their command line. PostgreSQL
-- runs as another user when the emulator runs as root.
local M = {}

--- PATH, TZ and TMPDIR from the emulator's environment; nothing else.
function M.env()
  local env = {}
  for _, k in ipairs { "PATH", "TZ", "TMPDIR" } do env[k] = os.getenv(k) end
  env.PATH = env.PATH or "/usr/local/bin:/usr/bin:/bin"
  return env
end

--- Runs argv (lakebase.exec options allowed) with that environment; raises "WHAT failed (exit N):
-- the end of stderr" unless it succeeds. Returns the result.
function M.exec(argv, what)
  argv.env = argv.env or M.env()
  local r = require("lakebase.runtime.process").exec(argv)
  if r.code ~= 0 then
    error(string.format("%s failed (exit %s): %s", what or argv[1], tostring(r.code or r.signal), (r.stderr or ""):sub(-400)), 0)
  end
  return r
end

return M
