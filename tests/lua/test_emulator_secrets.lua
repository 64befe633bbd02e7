-- No secret on a command line (hardening finding D4): `lakebase emulator` takes its secrets from
-- the environment or files, and during a credential + connect workflow none of its child
-- processes (openssl, initdb, postgres, pg_basebackup...) gets a secret in its argv or its
-- environment: every execve is traced with strace.
local T = require "testlib"
local lb = lakebase
local EXE = arg[-1]

local PAT, SECRET, REFRESH = "dapiD4pat0123456789abc", "D4clientSECRET0123456789", "D4refreshTOKEN0123456789"
local tmp = lb.exec { "mktemp", "-d" }.stdout:match("^(.-)%s*$")
lb.exec { "chmod", "0711", tmp }  -- PostgreSQL runs as 'postgres' when the tests run as root
do
  local f = assert(io.open(tmp .. "/refresh", "w"))
  f:write(REFRESH, "\n")
  f:close()
end

T.test("emulator secrets come from the environment or a file; the help says so", function()
  local command = require "lakebase.emulator.command"
  local file = tmp .. "/refresh"
  local env = { LAKEBASE_EMULATOR_TOKEN = PAT, LAKEBASE_EMULATOR_CLIENT_SECRET = SECRET }
  local opts = assert(command.parse({ "--client-id", "x", "--refresh-token-file", file }, 1, function(k) return env[k] end))
  T.eq(opts.token, PAT, "token from LAKEBASE_EMULATOR_TOKEN")
  T.eq(opts.client_secret, SECRET, "client secret from LAKEBASE_EMULATOR_CLIENT_SECRET")
  T.eq(opts.refresh_token, REFRESH, "refresh token from --refresh-token-file")
  T.eq(assert(command.parse({ "--token", "flag-wins-0123", "--client-id", "x" }, 1, function(k) return env[k] end)).token, "flag-wins-0123",
    "an option wins over the environment")
  local _, err = command.parse({ "--token-file", tmp .. "/missing" }, 1, function() end)
  T.ok(err and err:find("--token-file", 1, true) and err:find("missing", 1, true), "unreadable file named: " .. tostring(err))
  for _, v in ipairs { "LAKEBASE_EMULATOR_TOKEN", "LAKEBASE_EMULATOR_CLIENT_SECRET", "LAKEBASE_EMULATOR_REFRESH_TOKEN", "--token-file" } do
    T.ok(command.USAGE:find(v, 1, true), "--help mentions " .. v)
  end
end)

-- The execve calls of a traced run: {pid=, line=} in order.
local function execs(path)
  local out = {}
  for line in io.lines(path) do
    local pid = line:match("^(%d+)%s+execve%(")
    if pid then out[#out + 1] = { pid = pid, line = line } end
  end
  return out
end

T.test("no child of the emulator gets a secret in its argv or environment during a workflow", function()
  if not lb.exec { "sh", "-c", "command -v strace" }.ok then error("strace is not installed (scripts/bootstrap installs it)") end
  local trace = tmp .. "/trace"
  local proc = lb.process.spawn { "strace", "-f", "-qq", "-v", "-s", "4096", "-e", "trace=execve", "-o", trace,
    EXE, "emulator", "--client-id", "d4-client", "--refresh-token-file", tmp .. "/refresh",
    env = { PATH = os.getenv("PATH"), HOME = os.getenv("HOME"), TMPDIR = tmp,
      LAKEBASE_EMULATOR_TOKEN = PAT, LAKEBASE_EMULATOR_CLIENT_SECRET = SECRET },
    stdout = "pipe", stderr = "inherit", pdeathsig = "KILL" }
  local url
  lb.timeout(60, function()
    repeat
      local line = proc:read_line()
      url = url or (line and line:match("listening on (%S+)"))
    until not line or line:match("^postgres CA: ")
  end)
  T.ok(url, "the emulator started")
  local minted = {}
  local ok, err = pcall(function()
    local c = lb.client { host = url, token = PAT }
    local project = c:create_project("d4", {}):wait()
    local branch = project:create_branch("work", { ttl = "3600s" }):wait()
    local ep = c:get(project.name .. "/branches/production/endpoints/primary")
    minted[#minted + 1] = c:database_credential(ep).token
    local conn <close> = ep:connect()
    conn:exec("CREATE TABLE d4 (x int)")
    local env = ep:pg_env()
    minted[#minted + 1] = env.PGPASSWORD
    env.PATH = os.getenv("PATH")
    lb.exec { "psql", "-X", "-q", "-c", "select 1", env = env, check = true }
    branch:create_role("reader", { postgres_role = "reader", auth_method = "NO_LOGIN" }):wait()
    local m2m = lb.client { host = url, client_id = "d4-client", client_secret = SECRET, auth_type = "oauth-m2m" }
    minted[#minted + 1] = m2m:database_credential(ep).token
  end)
  -- Stop the emulator (strace's child) and let strace finish its trace.
  local children = io.open("/proc/" .. proc.pid .. "/task/" .. proc.pid .. "/children")
  local emulator_pid = children and children:read("a"):match("%d+")
  if children then children:close() end
  if emulator_pid then lb.exec { "kill", "-TERM", emulator_pid } end
  lb.timeout(60, function() proc:wait() end)
  if not ok then error(err, 0) end
  local calls = execs(trace)
  T.ok(#calls > 5, "execve calls traced: " .. #calls)
  local seen = {}
  for i, call in ipairs(calls) do
    local text = call.line
    -- The emulator's own environment holds the secrets it was given; nothing else may.
    if i == 1 then text = text:match("^(.-%]), %[") or text end
    for what, secret in pairs { PAT = PAT, ["client secret"] = SECRET, ["refresh token"] = REFRESH,
        ["database token 1"] = minted[1], ["database token 2"] = minted[2], ["database token 3"] = minted[3] } do
      T.ok(not text:find(secret, 1, true), what .. " in execve of pid " .. call.pid .. ": " .. text:sub(1, 200))
    end
    for _, prog in ipairs { "openssl", "initdb", "postgres", "pg_basebackup" } do
      if call.line:find('execve%("[^"]*/' .. prog .. '"') then seen[prog] = true end
    end
  end
  for _, prog in ipairs { "openssl", "initdb", "postgres", "pg_basebackup" } do
    T.ok(seen[prog], prog .. " was among the traced children")
  end
  T.eq(#minted, 3, "database tokens minted")
end)

T.run()
lb.exec { "rm", "-rf", tmp }
