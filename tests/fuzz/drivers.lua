--- Fuzz drivers: one per parser that takes outside input. Each is given the fuzzer's bytes and must
-- either return or raise an error fit to show a user: a lakebase.Error, an auth configuration error,
-- or a message without a source position. A Lua runtime error ("x.lua:12: attempt to index ..."),
-- a broken invariant (M.bug) or a secret in a message is a bug, and M.run reports it. The same
-- drivers run under libFuzzer (fuzz_lua.c) and replay saved inputs in the plain build (replay.lua).
local errors = require "lakebase.base.errors"
local json = require "lakebase.base.json"

local M = {}
local targets = {}
local BUG = {}
local LIBRARY = {}  -- names of Lua's own functions
for _, lib in ipairs { _G, string, table, math, os, io, utf8, coroutine } do
  for k, v in pairs(lib) do if type(v) == "function" then LIBRARY[k] = true end end
end

--- Raises an invariant violation: always reported as a bug.
function M.bug(fmt, ...) error(setmetatable({ message = string.format(fmt, ...) }, BUG), 0) end
local function check(cond, fmt, ...) if not cond then M.bug(fmt, ...) end end

-- An error a user may be shown: a lakebase.Error that prints, an auth configuration error, or a
-- message with no source position in it.
local function clean(err)
  if getmetatable(err) == BUG then return false end
  if errors.is(err) then return pcall(tostring, err) and type(err.message) == "string" end
  if type(err) == "table" then return type(err.auth_config) == "string" end
  -- A runtime error starts with its position, "path/file.lua:12: " (a message that merely quotes
  -- such text, inside a bad name say, is not one).
  if type(err) ~= "string" or err:find("^[^%s:]+%.lua:%d+: ") then return false end
  -- A library function refusing its argument ("bad argument #1 to 'setmetatable'") carries no
  -- position, but is a bug all the same; our own "bad argument" messages name our functions.
  local fn = err:match("^bad argument #%d+ to '([%w_]+)'")
  return not (fn and LIBRARY[fn])
end

-- Continues after a call that returned or raised cleanly; re-raises anything else.
local function settle(ok, err) if not ok and not clean(err) then error(err, 0) end end

-- Splits data at NUL bytes into at most n fields (missing ones are "").
local function fields(data, n)
  local out = {}
  for part in (data .. "\0"):gmatch("([^%z]*)%z") do
    if #out == n then break end
    out[#out + 1] = part
  end
  for i = #out + 1, n do out[i] = "" end
  return out
end

-- API answers: status, headers and body from the bytes, fed to the client through its transport.
-- data = <status selector byte><scenario byte>[Header: value lines]\n\n<body>
local STATUSES = { 200, 200, 200, 201, 400, 401, 404, 409, 429, 500, 503, 204, 302 }
local SCENARIOS = { "get", "list", "delete", "create", "operation", "request" }
function targets.envelope(data)
  local http = require "lakebase.runtime.http"
  local client_mod = require "lakebase.api.client"
  local status = STATUSES[(data:byte(1) or 0) % #STATUSES + 1]
  local scenario = SCENARIOS[(data:byte(2) or 0) % #SCENARIOS + 1]
  local rest = data:sub(3)
  local head, body = rest:match("^(.-)\n\n(.*)$")
  if not head then head, body = "", rest end
  local headers = {}
  for name, value in head:gmatch("([^:\n]+):%s*([^\n]*)") do headers[name:lower()] = value end
  local calls = 0
  local saved = http.request
  http.request = function()
    calls = calls + 1
    -- Pages and polls repeat the answer a few times, then the listing ends and the poll is done.
    if calls > 3 then return 200, {}, '{"done": true, "branches": []}' end
    return status, headers, body
  end
  local ok, err = pcall(function()
    local client = client_mod.new { host = "http://127.0.0.1:1", token = "fuzz-token-not-a-secret", retry_timeout = 0 }
    local function show(r) return tostring(r) end
    if scenario == "get" then
      local r = client:get("projects/p/branches/b")
      show(r); r:id()
    elseif scenario == "list" then
      local n = 0
      for r in client:list("projects/p", "branch", { page_size = 5 }) do
        show(r); r:id()
        n = n + 1
        check(n < 10000, "listing never ends")
      end
    elseif scenario == "delete" or scenario == "create" or scenario == "operation" then
      local op
      if scenario == "delete" then op = client:mutate("DELETE", "projects/p/branches/b", nil, nil, "branch")
      elseif scenario == "create" then op = client:create("projects/p", "branch", "b", { no_expiry = true }, {})
      else op = client:get_operation("projects/p/branches/b/operations/o", "branch") end
      show(op)
      for _ = 1, 5 do if op:done() then break end end
      if op:done() then show(op:wait()) end
    else
      local v = client:request("GET", "projects")
      json.encode(v)
    end
  end)
  http.request = saved
  if not ok then error(err, 0) end
end

-- ~/.databrickscfg: parsed, then resolved as `lakebase auth describe` would, with each profile.
-- No secret value from the file may appear in a message or in the describe view.
local tmp = os.tmpname()
function targets.config(data)
  local ini = require "lakebase.auth.ini"
  local config = require "lakebase.auth.config"
  local sections, order = ini.parse(data, "cfg")
  if not sections then
    check(type(order) == "string", "ini.parse failed without a message")
    return
  end
  -- Secrets are the token, password and client_secret values (token-like ones: short or wordy
  -- values turn up in our own wording by coincidence). Public: every other value, the profile
  -- names and the file's path; a secret inside one of those is shown with it, so what is checked
  -- is each shown string with the public values taken out.
  local secrets, public = {}, { tmp }
  for _, name in ipairs(order) do
    check(sections[name] ~= nil, "section %q listed but missing", name)
    public[#public + 1] = name
    for key, v in pairs(sections[name]) do
      if key == "token" or key == "password" or key == "client_secret" then
        if #v >= 8 and not v:find("%s") and v:find("%d") then secrets[#secrets + 1] = v end
      else
        public[#public + 1] = v
      end
    end
  end
  table.sort(public, function(a, b) return #a > #b end)  -- longest first
  local function without_public(text)
    for _, p in ipairs(public) do
      if p ~= "" then text = text:gsub(p:gsub("[%p%c]", "%%%0"), "") end
    end
    return text
  end
  local function strings_of(v, out)
    if type(v) == "string" then out[#out + 1] = v
    elseif type(v) == "table" then for _, x in pairs(v) do strings_of(x, out) end end
    return out
  end
  local f = assert(io.open(tmp, "wb"))
  f:write(data)
  f:close()
  local function env(name) if name == "HOME" then return "/nonexistent" end end
  local profiles = { false }
  for i = 1, math.min(#order, 4) do profiles[#profiles + 1] = order[i] end
  for _, profile in ipairs(profiles) do
    local ok, res = pcall(config.resolve, { config_file = tmp, profile = profile or nil }, env)
    local shown
    if ok then shown = strings_of(config.describe(res), {})
    elseif config.error_message(res) then shown = { config.error_message(res) }
    else error(res, 0) end
    for _, text in ipairs(shown) do
      local rest = without_public(text)
      for _, secret in ipairs(secrets) do
        check(not rest:find(secret, 1, true), "a secret from the config file appears in: %s", text)
      end
    end
  end
end

-- Resource names, IDs, durations, timestamps, Retry-After and recipe parameters.
local KINDS = require("lakebase.api.schema").kinds
local RECIPE = { name = "fuzz", params = {
  { name = "s", type = "string" }, { name = "n", type = "number", min = 1, max = 100 },
  { name = "b", type = "boolean" }, { name = "d", type = "duration" },
  { name = "e", type = "enum", values = { "a", "b" } } } }
function targets.names(data)
  local validate = require "lakebase.api.validate"
  local commands = require "lakebase.api.commands"
  local retry = require "lakebase.api.retry"
  local recipe = require "lakebase.recipe"
  local f = fields(data, 6)
  for _, kind in ipairs(KINDS) do
    local ok, err = pcall(commands.check_name, f[1], kind)
    if ok then check(err == f[1], "check_name changed the name") else settle(ok, err) end
  end
  local why = validate.id_problem(f[2])
  check(why == nil or type(why) == "string", "id_problem returned %s", type(why))
  if why == nil then check(f[2]:match("^[a-z][a-z0-9-]*$") and #f[2] <= 63, "accepted ID %q", f[2]) end
  local secs = validate.duration(f[3])
  check(secs == nil or (secs >= 0 and secs == secs), "duration %q -> %s", f[3], tostring(secs))
  local human = validate.human_duration(f[3])
  check(human == nil or (type(human) == "number" and human >= 0 and human == human), "human_duration %q -> %s",
    f[3], tostring(human))
  local t = validate.timestamp(f[4])
  if t then
    check(type(t) == "number" and t == t, "timestamp %q -> %s", f[4], tostring(t))
    local ok, shown = pcall(validate.format_time, t)
    if ok then
      check(validate.timestamp(shown) == math.floor(t), "timestamp %q -> %s -> %s does not round-trip", f[4],
        tostring(t), tostring(shown))
    end
  end
  local ra = retry.retry_after(f[5])
  check(ra == nil or ra >= 0, "retry_after %q -> %s", f[5], tostring(ra))
  local raw, names = {}, { "s", "n", "b", "d", "e" }
  for i, v in ipairs(fields(f[6], 5)) do if v ~= "" then raw[names[i]] = v end end
  local params, problems = recipe.validate(RECIPE, raw)
  check(params or type(problems) == "string", "recipe.validate gave neither parameters nor problems")
end

-- Recipe packages: as given, and with the checksum line made to match so parsing goes deeper.
function targets.pack(data)
  local pack = require "lakebase.recipe.pack"
  local sha256 = require("lakebase.core").sha256
  local function try(text)
    local ok, h, files = pcall(pack.parse, text, "fuzz.lbrecipe")
    if not ok then error(h, 0) end
    check(type(files["recipe.lua"]) == "string", "accepted a package without recipe.lua")
    -- Unsafe: absolute, or a part that is empty, "." or "..". Dots inside a part ("r..lua") are a
    -- plain name (this check said otherwise until the fuzzer made one).
    for name in pairs(files) do
      local safe = name:sub(1, 1) ~= "/"
      for part in (name .. "/"):gmatch("([^/]*)/") do safe = safe and part ~= "" and part ~= "." and part ~= ".." end
      check(safe, "accepted unsafe path %q", name)
    end
  end
  settle(pcall(try, data))
  local head, payload = data:match("^(.-)\n\n(.*)$")
  if head then try((head:gsub("\nsha256 [^\n]*", "\nsha256 " .. sha256(payload), 1)) .. "\n\n" .. payload) end
end

-- The emulator's request handling: a sequence of requests (method, path with query string, body)
-- handled by api.handle on a fresh emulator with simulated computes and a fixture (project p with
-- its production branch and primary endpoint, branch b, a role and a database), as its HTTP
-- server would pass them. Written against the handler's interface and the wire format, not
-- against internals. A bug: handle raising (the server would answer 500 INTERNAL_ERROR), any 5xx,
-- an answer that does not encode to JSON or, for an error, not in the API's error format
-- ({error_code, message, details}), a Lua runtime error in any answer or in a finished
-- operation's error, an operation that never finishes, a task that failed unseen, or a refused
-- change (4xx to POST, PATCH, PUT or DELETE) after which a GET shows something changed.
-- data = up to 8 requests, each METHOD NUL TARGET NUL BODY NUL; METHOD is taken as it is when it
-- is upper-case letters, else chosen by its first byte; TARGET is relative to /api/2.0/postgres/.
local METHODS = { "GET", "POST", "PATCH", "DELETE", "PUT" }
local API = "/api/2.0/postgres/"
local FIXTURE = {
  { "POST", "projects?project_id=p", '{"spec": {"display_name": "fuzz"}}' },
  { "POST", "projects/p/branches?branch_id=b", '{"spec": {"source_branch": "projects/p/branches/production", "ttl": "3600s"}}' },
  { "POST", "projects/p/branches/production/roles?role_id=role1", '{"spec": {"postgres_role": "alice"}}' },
  { "POST", "projects/p/branches/production/databases?database_id=db1", '{"spec": {"postgres_database": "db1", "role": "projects/p/branches/production/roles/role1"}}' },
}
local SNAPSHOT = { "projects", "projects/p", "projects/p/branches?show_deleted=true", "projects/p/branches/b",
  "projects/p/branches/production", "projects/p/branches/production/endpoints",
  "projects/p/branches/production/endpoints/primary", "projects/p/branches/b/endpoints",
  "projects/p/branches/production/roles", "projects/p/branches/production/databases", "projects/p/snapshots" }

local function emulator_case(data)
  local sched = require "lakebase.runtime.sched"
  local core = require "lakebase.core"
  local httpd = require "lakebase.runtime.httpd"
  local api = require "lakebase.emulator.api"
  local emu = require("lakebase.emulator").start { port = 0, postgres = false, token = "fuzz-emulator-token" }
  local E = emu.engine
  E.clock = function() return 1767323045 end  -- a fixed clock: each input behaves the same every time
  local echoes_lua = data:find("lua:", 1, true)  -- an input quoting a source position may see it echoed

  local function request(method, target)
    local path, query = target:match("^([^?]*)%??(.*)$")
    return { method = method, target = API .. target, path = httpd.unescape(API .. path:gsub("^/+", "")),
      query = httpd.parse_query(query), headers = {}, version = "1.1" }
  end
  -- One request through the handler; returns the status, the answer as sent (JSON) and decoded.
  local function call(method, target, body)
    local req = request(method, target)
    req.body = body
    local ok, status, answer = pcall(api.handle, E, req, "fuzz-user@example.com")
    check(ok, "%s %s raised (the server answers 500 INTERNAL_ERROR): %s", method, target, tostring(status))
    check(math.type(status) == "integer" and status >= 200 and status < 600, "%s %s: status %s", method, target,
      tostring(status))
    local encoded, text = pcall(json.encode, answer)
    check(encoded, "%s %s: the answer does not encode to JSON: %s", method, target, tostring(text))
    local decoded, derr = json.decode(text)
    check(decoded ~= nil, "%s %s: the answer does not decode as JSON (%s): %s", method, target, tostring(derr),
      text:sub(1, 200))
    check(type(decoded) == "table", "%s %s: the answer is not a JSON object: %s", method, target, text:sub(1, 200))
    check(status < 500, "%s %s: %d %s", method, target, status, text:sub(1, 300))
    if status >= 400 then
      check(type(decoded.error_code) == "string" and decoded.error_code:match("^[A-Z_]+$")
        and type(decoded.message) == "string" and decoded.message ~= "" and type(decoded.details) == "table",
        "%s %s: %d is not in the API's error format: %s", method, target, status, text:sub(1, 300))
    end
    check(echoes_lua or not text:find("%.lua:%d+:"), "%s %s: a Lua error in the answer: %s", method, target,
      text:sub(1, 300))
    return status, text, decoded
  end
  -- Waits for the operation an accepted change answered with, polling it as a client does (its
  -- answers checked like any other: a Lua error in a failed operation is found there).
  local function settle(answer)
    if type(answer.name) == "string" and answer.name:find("/operations/", 1, true) then
      local deadline, op = core.now() + 5, answer
      while op.done ~= true do
        check(core.now() < deadline, "operation %s never finished", answer.name)
        sched.sleep(0)
        local status, text
        status, text, op = call("GET", answer.name)
        check(status == 200, "GET %s: %d %s", answer.name, status, text)
      end
    end
    for _, t in ipairs(sched.unjoined_failures()) do
      M.bug("a task failed and nobody saw it: %s", tostring(t.traceback or t.error))
    end
  end
  -- What GETs show of the fixture (and of `extra`), each answer's own IDs (request_id, the
  -- service's "[TraceId: ...]" in messages) left out.
  local function snapshot(extra)
    local out = {}
    for _, target in ipairs { extra, table.unpack(SNAPSHOT) } do
      local status, text = call("GET", target)
      text = text:gsub('"request_id":"[^"]*"', '"request_id":""'):gsub("%[TraceId: [^%]]*%]", "[TraceId]")
      out[#out + 1] = target .. " " .. status .. " " .. text
    end
    return table.concat(out, "\n")
  end

  local ok, err = pcall(function()
    for _, r in ipairs(FIXTURE) do
      local status, text, answer = call(r[1], r[2], r[3])
      check(status == 200, "fixture %s %s: %d %s", r[1], r[2], status, text)
      settle(answer)
    end
    local f = fields(data, 24)
    for i = 1, 22, 3 do
      local m, target, body = f[i], f[i + 1], f[i + 2]
      if m == "" and target == "" and body == "" then break end
      local method = m:match("^%u+$") and m or (m == "" and "GET" or METHODS[m:byte(1) % #METHODS + 1])
      local changes = method ~= "GET"
      local before = changes and snapshot(target:match("^[^?]*"))
      local status, _, answer = call(method, target, body)
      if status < 400 then settle(answer) end  -- then every resource must still come out as JSON
      local after = changes and snapshot(target:match("^[^?]*"))
      if changes and status >= 400 then
        check(after == before, "%s %s was refused (%d) but changed what a GET shows:\nbefore:\n%s\nafter:\n%s", method,
          target, status, before, after)
      end
    end
  end)
  emu:stop()
  if not ok then error(err, 0) end
end

function targets.emulator(data)
  local sched = require "lakebase.runtime.sched"
  if sched.current() then return emulator_case(data) end  -- replayed inside a script's task
  local task = sched.run(emulator_case, data)             -- under libFuzzer: a loop for this input
  if task.status ~= "done" then error(task.error, 0) end
end

--- Runs target on data. Returns true, or false and a description of the bug.
-- Command lines and SQL text: global flags found at any position of any argv, the parsers of
-- psql and query (which refuse only with a usage message), resource paths (what parses rebuilds to
-- the same path), the one-statement scanner (text without ';' is never several statements) and
-- the SQL printers over any values (a number printed reads back as the same number).
function targets.cmdline(data)
  local globals = require "lakebase.cli.globals"
  local target = require "lakebase.cli.target"
  local sql_input = require "lakebase.cli.sql_input"
  local render = require "lakebase.cli.sql_render"
  local argv = {}
  for part in (data .. "\0"):gmatch("([^%z]*)%z") do argv[#argv + 1] = part end
  local function usage_only(ok, err, what)
    check(ok or (type(err) == "table" and type(err.usage) == "string"), "%s raised %s", what, tostring(err))
  end
  for i = 1, #argv do
    local flag, value, nexti = globals.match(argv, i, { json = true, t = true })
    if flag then
      check(nexti == i + 1 or nexti == i + 2, "match at %d moved to %s", i, tostring(nexti))
      check(flag.value and type(value) == "string" or value == true or value == false, "flag value %s", tostring(value))
    elseif flag == false then
      check(type(value) == "string", "a refusal without a message")
    end
  end
  for _, mod in ipairs { "lakebase.cli.psql", "lakebase.cli.query" } do
    local ok, a = pcall(require(mod).parse, argv, 1)
    usage_only(ok, a, mod .. ".parse")
    if ok and type(a) == "table" then
      local cok, cerr = pcall(target.combine, a.target, a)
      usage_only(cok, cerr, "target.combine")
    end
  end
  local ok, spec = pcall(target.parse_path, argv[1])
  usage_only(ok, spec, "parse_path")
  if ok then
    local rebuilt = "projects/" .. spec.project .. (spec.branch and ("/branches/" .. spec.branch) or "") ..
      (spec.endpoint and ("/endpoints/" .. spec.endpoint) or "")
    check(rebuilt == argv[1], "path %q parsed as %q", argv[1], rebuilt)
  end
  local multi = sql_input.multiple_statements(data)
  check(type(multi) == "boolean", "multiple_statements gave %s", type(multi))
  if not data:find(";", 1, true) then check(not multi, "no ';' in %q, yet several statements", data) end
  local values, types = {}, {}
  for i, a in ipairs(argv) do
    local n = tonumber(a)
    values[i] = n or a
    types[i] = ({ 114, 3802, 17, 25 })[i % 4 + 1]
    if n and n == n and n ~= math.huge and n ~= -math.huge then
      check(tonumber(render.text_value(n)) == n, "%s printed as %s", tostring(n), render.text_value(n))
    end
  end
  local r = { fields = argv, types = types, rows = { values }, command = argv[1] or "" }
  render.text(function() end, r)
  render.csv(function() end, r, function() end)
  local text = render.json_text(r, function() end)
  check(type(text) == "string", "json_text gave %s", type(text))
end

function M.run(target, data)
  local fn = targets[target]
  if not fn then error("unknown fuzz target " .. tostring(target), 0) end
  local trace
  local ok, err = xpcall(fn, function(e) trace = debug.traceback(tostring(e and e.message or e), 2); return e end, data)
  if ok or clean(err) then return true end
  return false, trace
end

M.targets = targets
return M
