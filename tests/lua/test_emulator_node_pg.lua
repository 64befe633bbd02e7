-- node-pg (pinned in tests/pg-js/package-lock.json, installed there with npm ci when missing) against
-- an emulator compute: TLS with sslmode=require verified against the emulator's CA, a password
-- minted during every connection's handshake (what @databricks/lakebase does) across the expiry
-- of earlier tokens, and a connection in clear refused.
local T = require "testlib"
local emulator = require "lakebase.emulator"
local lb = lakebase

local dir = arg[0]:match("^(.*)/lua/[^/]*$") .. "/pg-js"
local function have(cmd) return lb.exec { "sh", "-c", "command -v " .. cmd }.ok end
if not (have("node") and have("npm")) then
  print("ok - skipped: node and npm are not installed (the rest of the suite does not need them)")
  return
end

local emu = emulator.start { token = "node-pat-0123456789", credential_ttl = 2 }
local function env(extra)
  local e = { PATH = os.getenv("PATH"), HOME = os.getenv("HOME") or "/tmp" }
  for k, v in pairs(extra) do e[k] = v end
  return e
end

T.test("node-pg: TLS, a token minted in each handshake, plain text refused", function()
  if not io.open(dir .. "/node_modules/pg/package.json") then
    local r = lb.exec { "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", cwd = dir, env = env {}, timeout = 300 }
    T.eq(r.code, 0, "npm ci in tests/pg-js (" .. r.stderr .. ")")
  end
  local c = lb.client { host = emu.url, token = emu.token }
  c:create_project("nodepg", {}):wait()
  local ep = c:get("projects/nodepg/branches/production/endpoints/primary")
  local r = lb.exec { "node", "handshake.mjs", cwd = dir, timeout = 90, env = env {
    EMU_URL = emu.url, EMU_TOKEN = emu.token, ENDPOINT = ep.name, PG_HOST = ep.status.hosts.host,
    PG_PORT = tostring(ep.status.hosts.port), PG_USER = c:postgres_user(), SECONDS = "5",
    NODE_EXTRA_CA_CERTS = emu.ca_file } }
  T.eq(r.code, 0, "node exit code (stderr: " .. r.stderr .. ")")
  local out = lb.json.decode(r.stdout:match("([^\n]+)\n?$") or "null")
  T.ok(type(out) == "table", "one JSON line from node: " .. r.stdout)
  print(string.format("# node-pg: %d queries through %d handshakes, each with a new token", out.queries, out.minted))
  T.eq(#out.failures, 0, "failed queries: " .. table.concat(out.failures, "; "))
  T.eq(out.protocol, "TLSv1.3", "TLS protocol")
  T.eq(out.user, c:postgres_user(), "logged in as the identity")
  T.ok(out.queries >= 30, "queries over 5 s with 2 s tokens: " .. out.queries)
  T.ok(out.minted >= out.queries // 2, "a token per handshake: " .. out.minted .. " tokens for " .. out.queries .. " queries")
  T.ok(type(out.plain_error) == "string" and out.plain_error:find("connection is insecure", 1, true),
    "in clear: " .. tostring(out.plain_error))
end)

T.run()
emu:stop()
