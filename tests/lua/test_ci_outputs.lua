-- Recipe outputs for CI: GitHub's heredoc file format (multi-line values, delimiters that cannot
-- be injected), appending without losing earlier entries, ::add-mask:: before a secret appears,
-- JSON output, and postgresql:// URIs (percent-encoding, pooled hosts).
local T = require "testlib"
local lb = lakebase
local gh_file = require "lakebase.recipe.gh_file"
local outputs = require "lakebase.recipe.outputs"
local uri = require "lakebase.api.connection_uri"
local core = require "lakebase.core"

local dir = os.tmpname()
os.remove(dir)
assert(lb.exec { "mkdir", "-m", "700", dir }.ok)
lb.defer(function() lb.exec { "rm", "-rf", dir } end)

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- A collector writing "stdout" to a file, with the environment given.
local function collector(env, format)
  local path = os.tmpname()
  local out = assert(io.open(path, "w+b"))
  local c = outputs.new { format = format, stdout = out, env = function(k) return env[k] end }
  return c, function() out:flush() out:close() local s = read(path) os.remove(path) return s end
end

T.test("an entry reads back exactly, whatever the value holds", function()
  for _, v in ipairs { "plain", "two\nlines", "", "a=b", "ends with newline\n", "x\nEVIL<<EOF\ninjected\nEOF" } do
    local parsed = gh_file.parse(gh_file.entry("out", v))
    T.eq(#parsed, 1, "one entry for " .. string.format("%q", v))
    T.eq(parsed[1][1], "out", "its name")
    T.eq(parsed[1][2], v, "its value")
  end
end)

T.test("the delimiter never occurs in the value", function()
  local d = gh_file.delimiter("")
  T.ok(d:match("^ghadelimiter_%x+$"), "a random delimiter: " .. d)
  T.ok(d ~= gh_file.delimiter(""), "a new one each time")
  -- A value holding the delimiter an entry would otherwise get cannot close the entry early.
  local value = "line\n" .. d .. "\ninjected=1"
  for _ = 1, 50 do T.ok(not value:find(gh_file.delimiter(value), 1, true), "delimiter absent from the value") end
  local parsed = gh_file.parse(gh_file.entry("o", value))
  T.eq(#parsed, 1, "still one entry")
  T.eq(parsed[1][2], value, "value intact")
end)

T.test("bad names are refused, naming them", function()
  T.raises(function() gh_file.entry(gh_file.check_name("bad name")) end, "'bad name'")
  T.raises(function() gh_file.check_name("1x") end, "not starting with a digit")
  local c = collector({})
  T.raises(function() c.output("a<<b", "x") end, "'a<<b'")
  T.raises(function() c.output("ok", {}) end, "must be a string, a boolean or a finite number, got table")
  T.raises(function() c.output("ok", 0 / 0) end, "finite")
end)

T.test("append keeps what the file held and creates a missing file with mode 0600", function()
  local path = dir .. "/github_env"
  gh_file.append_entries(path, { { "A", "1" } })
  T.eq(core.file_mode(path), tonumber("600", 8), "created private")
  local f = assert(io.open(path, "ab"))
  f:write("EARLIER=kept\n")
  f:close()
  gh_file.append_entries(path, { { "B", "two\nlines" }, { "C", "3" } })
  local parsed = gh_file.parse(read(path))
  T.eq(#parsed, 4, "four entries")
  T.eq(parsed[1][1] .. "=" .. parsed[1][2], "A=1", "first kept")
  T.eq(parsed[2][1] .. "=" .. parsed[2][2], "EARLIER=kept", "someone else's entry kept")
  T.eq(parsed[3][2], "two\nlines", "multi-line value")
  T.raises(function() gh_file.append_entries(path, { { "BAD NAME", "x" } }) end, "'BAD NAME'")
end)

T.test("under GitHub Actions a secret is masked before it is written anywhere, once", function()
  local file = dir .. "/github_output"
  local c, stdout = collector { GITHUB_ACTIONS = "true", GITHUB_OUTPUT = file }
  c.output("host", "h.example")
  c.output("password", "s3cret-token\nsecond-line", { secret = true })
  c.output("url", "postgresql://u:s3cret-token@h/db", { secret = true })
  c.mask("s3cret-token\nsecond-line")  -- again: no second ::add-mask::
  c.output("created", true)
  c.finish()
  local out = stdout()
  T.eq(out, table.concat({ "host=h.example", "::add-mask::s3cret-token", "::add-mask::second-line", "password=***",
    "::add-mask::postgresql://u:s3cret-token@h/db", "url=***", "created=true" }, "\n") .. "\n", "stdout")
  local parsed = gh_file.parse(read(file))
  T.eq(#parsed, 4, "four outputs in GITHUB_OUTPUT")
  T.eq(parsed[2][2], "s3cret-token\nsecond-line", "the secret itself goes to the output file")
  T.eq(parsed[4][2], "true", "booleans as true/false")
  T.eq(require("lakebase.base.redact").text("x s3cret-token y"), "x *** y", "and lakebase's logs mask it")
end)

T.test("outside GitHub Actions: no ::add-mask::, secrets shown as ***, no file", function()
  local c, stdout = collector {}
  c.output("password", "another-secret-1", { secret = true })
  c.output("n", 5)
  c.output("multi", "a\n::stop-commands::x\\n")
  local out = stdout()
  T.eq(out, "password=***\nn=5\nmulti=a\\n::stop-commands::x\\\\n\n", "stdout: one line per output, so no line starts a workflow command")
end)

T.test("-o json: one object, typed, secrets included, nothing else on stdout", function()
  local c, stdout = collector({}, "json")
  c.output("branch", "projects/p/branches/pr-1")
  c.output("created", false)
  c.output("password", "json-secret-1", { secret = true })
  c.output("branch", "projects/p/branches/pr-2")  -- a later value wins, the key keeps its place
  c.finish()
  local out = stdout()
  T.eq(out, '{"branch":"projects/p/branches/pr-2","created":false,"password":"json-secret-1"}\n', "stdout")
end)

T.test("connection URIs percent-encode credentials and database, and require TLS", function()
  T.eq(uri.encode("a@b.com"), "a%40b.com", "user")
  T.eq(uri.encode("p@ss:w/rd%?#&= ~._-Z9"), "p%40ss%3Aw%2Frd%25%3F%23%26%3D%20~._-Z9", "password")
  T.eq(uri.build { host = "h.example", port = "5432", user = "me@x.com", password = "t:k", database = "my db" },
    "postgresql://me%40x.com:t%3Ak@h.example:5432/my%20db?sslmode=require", "uri")
  T.eq(uri.build { host = "::1", port = "5433", user = "u", password = "p", database = "d" },
    "postgresql://u:p@[::1]:5433/d?sslmode=require", "an IPv6 host in brackets")
end)

T.test("the pooled host: the service's field, else the -pooler form of the host", function()
  T.eq(uri.pooled_host({ host = "ep-a.db.example.com", read_write_pooled_host = "pool.example.com" }, "ENDPOINT_TYPE_READ_WRITE"),
    "pool.example.com", "read_write_pooled_host as given")
  T.eq(uri.pooled_host({ host = "ep-a.db.example.com", read_only_pooled_host = "ro-pool.example.com",
    read_write_pooled_host = "rw" }, "ENDPOINT_TYPE_READ_ONLY"), "ro-pool.example.com", "a replica's read_only_pooled_host")
  T.eq(uri.pooled_host({ host = "ep-a.db.example.com" }, "ENDPOINT_TYPE_READ_WRITE"), "ep-a-pooler.db.example.com", "derived")
  T.eq(uri.pooled_host({ host = "ep-a-pooler.db.example.com" }, "ENDPOINT_TYPE_READ_WRITE"), "ep-a-pooler.db.example.com", "already pooled")
  T.eq(uri.pooled_host({ host = "127.0.0.1" }, "ENDPOINT_TYPE_READ_WRITE"), "127.0.0.1", "an address is its own")
  T.eq(uri.pooled_host({ host = "localhost" }, "ENDPOINT_TYPE_READ_WRITE"), "localhost", "a one-label name is its own")
end)

T.test("endpoint:connection_uri against the emulator: the URI logs in, plain and pooled", function()
  local emu = require("lakebase.emulator").start { token = "uri-test-token-0123456789" }
  lb.defer(function() emu:stop() end)
  local client = lb.client { host = emu.url, token = "uri-test-token-0123456789" }
  client:create_project("uri", {}):wait()
  local ep = client:get_project("uri"):get_branch("production"):primary_endpoint()
  T.eq(ep.status.hosts.read_write_pooled_host, ep.status.hosts.host, "the emulator names its relay as the pooled host")
  for _, pooled in ipairs { false, true } do
    local u = ep:connection_uri { pooled = pooled }
    T.ok(u:match("^postgresql://emulator%-user%%40example%.com:lbpg_%x+@127%.0%.0%.1:%d+/databricks_postgres%?sslmode=require$"), u)
    local r = lb.exec { "/usr/lib/postgresql/15/bin/psql", u, "-Atc", "SELECT current_user", env = { PATH = os.getenv("PATH") } }
    T.eq(r.stdout, "emulator-user@example.com\n", "psql logs in with the URI (pooled " .. tostring(pooled) .. "): " .. r.stderr)
  end
  T.raises(function() ep:connection_uri { pooled = "yes" } end, "option 'pooled' must be a boolean, got string")
end)

T.run()
