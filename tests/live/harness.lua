--- What a scenario gets: `t`, its context. A scenario file returns
--   { description = "...", creates = { "branch $ttl (ttl 1h)", ... }, run = function(t) ... end }
-- and uses t.client (the real client, every call recorded and guarded), t.project (the run's
-- project), t:id(word) for the IDs it makes ("lbt02-word": recognisable, unique in the project),
-- t:create_branch/t:track to have what it makes deleted when it ends (passed or failed), and the
-- checks below. A check that fails raises, which fails the scenario.
local errors = require "lakebase.base.errors"
local redact = require "lakebase.base.redact"
local json = require "lakebase.base.json"
local http = require "lakebase.runtime.http"
local core = require "lakebase.core"
local recorder = require "recorder"

local M = {}
local T = {}
T.__index = T

local SKIP = setmetatable({}, { __name = "skip" })

--- A context for scenario `number` (two digits) of the run. run: {client, project, rec, lakebase_argv, root}.
function M.new(run, number, name)
  return setmetatable({ client = run.client, project = run.project, project_id = run.project_id,
    lakebase = lakebase, root = run.root, number = number, name = name, notes = {}, created = {},
    rec = run.rec, lakebase_argv = run.lakebase_argv, guard = run.guard }, T)
end

--- The ID of something this scenario makes: "lbt" .. its number .. "-" .. word.
function T:id(word) return M.id(self.number, word) end
function M.id(number, word) return "lbt" .. number .. "-" .. word end

local function fail(msg, level)
  error(errors.new { kind = "check", message = msg }, (level or 1) + 1)
end
M.fail = fail

local function show(v)
  if type(v) == "table" then return json.encode(v) end
  return type(v) == "string" and string.format("%q", v) or tostring(v)
end

--- Fails with `what` unless `cond`.
function T:check(cond, what)
  if not cond then fail("check failed: " .. what, 2) end
  return cond
end

--- Fails unless actual == expected, naming both.
function T:eq(actual, expected, what)
  if actual ~= expected then fail(what .. ": expected " .. show(expected) .. ", got " .. show(actual), 2) end
  return actual
end

--- Runs fn, which must fail with an API error matching `want` ({status=, error_code=, message=
-- (a plain substring)}). Returns the error.
function T:expect_error(what, want, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then fail(what .. ": expected an error " .. show(want) .. ", but it succeeded", 2) end
  if not errors.is(err) or (err.kind ~= "api" and err.kind ~= "operation") then
    fail(what .. ": expected an API error " .. show(want) .. ", got " .. redact.text(tostring(err)), 2)
  end
  for _, k in ipairs { "status", "error_code" } do
    if want[k] ~= nil and err[k] ~= want[k] then
      fail(string.format("%s: expected %s %s, got %s (%s)", what, k, show(want[k]), show(err[k]),
        redact.text(tostring(err.message))), 2)
    end
  end
  if want.message and not tostring(err.message):find(want.message, 1, true) then
    fail(what .. ": expected a message containing " .. show(want.message) .. ", got " .. show(err.message), 2)
  end
  return err
end

--- Runs fn, which must raise a Lua error (a mistake refused before anything is sent) whose
-- text contains `text`. Returns the message.
function T:expect_refusal(what, text, fn, ...)
  local n = #(self.rec.log or {})
  local ok, err = pcall(fn, ...)
  if ok then fail(what .. ": expected it to be refused, but it succeeded", 2) end
  local msg = tostring(err)
  if not msg:find(text, 1, true) then fail(what .. ": expected a refusal naming " .. show(text) .. ", got " .. show(msg), 2) end
  if #(self.rec.log or {}) ~= n then fail(what .. ": refused, but after sending a request", 2) end
  return msg
end

--- Records what the target answered where the scenario only observes (a behaviour the evidence
-- leaves open): it goes into the report and the comparison, and fails nothing. `value` must hold no
-- ID or time.
function T:note(key, value) self.notes[key] = value end

--- Ends the scenario as skipped (something it needs is missing here, such as psql).
function T:skip(reason) error(setmetatable({ reason = reason }, SKIP), 0) end
function M.is_skip(e) return getmetatable(e) == SKIP end

--- Registers a resource (or its name) to delete when the scenario ends, however it ends.
function T:track(kind, name)
  self.created[#self.created + 1] = { kind = kind, name = name }
  return name
end

--- Creates branch t:id(word) in the run's project (tracked first, so that it is deleted even if
-- the creation fails half-way) and waits for it.
function T:create_branch(word, spec, opts)
  local id = self:id(word)
  self:track("branch", self.project.name .. "/branches/" .. id)
  return self.project:create_branch(id, spec, opts):wait()
end

--- One API call through the client's own authentication, giving the raw answer: status and the
-- decoded body (for what the client does not keep, such as an error's details). Recorded and
-- guarded like every call.
function T:raw(method, path, query, body)
  local client = self.client
  local why = self.guard(method, path, query, body)
  local t0 = core.now()
  if why then fail("test-live refuses " .. method .. " " .. path .. ": " .. why, 2) end
  local q = http.query(query or {})
  local url = client.host .. "/api/2.0/postgres/" .. path .. (q ~= "" and ("?" .. q) or "")
  local headers = { Authorization = client.auth:authorization(client), Accept = "application/json" }
  local payload = body ~= nil and json.encode(body) or nil
  if payload then headers["Content-Type"] = "application/json" end
  local status, _, text = http.request { method = method, url = url, headers = headers, body = payload, timeout = 60 }
  local decoded = json.decode(text ~= "" and text or "{}")
  local ok = status >= 200 and status < 300
  local res = decoded
  if not ok then
    res = errors.new { kind = "api", status = status, message = type(decoded) == "table" and decoded.message or text,
      error_code = type(decoded) == "table" and decoded.error_code or nil }
  end
  if self.rec.log then
    local s = recorder.summary(method, path, query, body, ok, res, core.now() - t0)
    if not ok then s.response_fields = recorder.fields(decoded) end
    self.rec.log[#self.rec.log + 1] = s
  end
  return status, decoded
end

--- Runs the lakebase binary with the run's global flags (--profile, --host, --auth-type) and
-- `args`; returns lakebase.exec's result ({code=, stdout=, stderr=}).
function T:lakebase_cmd(args, opts)
  local argv = {}
  for _, a in ipairs(self.lakebase_argv) do argv[#argv + 1] = a end
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  opts = opts or {}
  argv.timeout = opts.timeout or 600
  argv.env = opts.env
  return lakebase.exec(argv)
end

--- Whether a program is on PATH.
function M.have(program)
  for dir in (os.getenv("PATH") or ""):gmatch("[^:]+") do
    local f = io.open(dir .. "/" .. program, "r")
    if f then f:close() return true end
  end
  return false
end

-- Deletes what the scenario made, newest first: a branch made protected is unprotected first (it
-- is ours: its name is on our record). Something already gone is fine. Returns the failures.
function M.cleanup(t)
  local failures = {}
  for i = #t.created, 1, -1 do
    local item = t.created[i]
    local ok, err = pcall(function()
      t.client:forget_created(item.name)  -- about to go: a 404 is believed at once
      local gotok, res = pcall(t.client.get, t.client, item.name, item.kind)
      if not gotok then
        if errors.is(res, "api") and res.status == 404 then return end
        error(res, 0)
      end
      if item.kind == "branch" and type(res.status) == "table" and res.status.is_protected then
        res:update { is_protected = false }:wait()
      end
      res:delete():wait()
    end)
    if not ok then failures[#failures + 1] = item.name .. ": " .. redact.text(tostring(err)) end
  end
  t.created = {}
  return failures
end

return M
