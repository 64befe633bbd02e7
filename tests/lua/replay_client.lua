--- Test helper: the scenarios of tests/conformance/*.json (requests recorded against the live
-- service) given to lakebase itself, through the Lua client or as `lakebase postgres` command
-- lines, against a fresh emulator behind a front that records what reaches it. Each must accept
-- what the service accepted, put the same request on the wire (an update's body goes out as its
-- spec: name and parent are output only), read every answer, and fail where the service failed,
-- with its status and error code.
local emulator = require "lakebase.emulator"
local schema = require "lakebase.api.schema"
local names = require "lakebase.api.names"
local lb = lakebase

local M = {}

local TOKEN = "conformance-pat-0123456789"
local P = "/api/2.0/postgres/"

local function split_target(target)
  local path, q = target:match("^([^?]*)%??(.*)$")
  local query = {}
  for k, v in q:gmatch("([^&=]+)=([^&]*)") do query[k] = v end
  return path, query
end

-- A front for an emulator that records what reaches it.
local function front(emu)
  local f = { seen = {} }
  f.server = lb.httpd.serve { handler = function(req)
    local path, query = split_target(req.target)
    f.seen[#f.seen + 1] = { method = req.method, path = path, query = query, body = req.body ~= "" and lb.json.decode(req.body) or nil }
    local status, headers, body = lb.http.request { method = req.method, url = emu.url .. req.target,
      headers = { Authorization = req.headers.authorization, ["Content-Type"] = "application/json" },
      body = req.body ~= "" and req.body or nil, timeout = 10 }
    return status, { ["Content-Type"] = headers["content-type"] or "application/json" }, body
  end }
  f.url = "http://127.0.0.1:" .. f.server.port
  return f
end

local function encode(v) return v == nil and "absent" or lb.json.encode(v) end

-- What a step should have put on the wire, and the first request of `seen` from `from` on that
-- is not a GET of an operation: differences appended to `diffs`.
local function check_wire(step, seen, from, diffs, where)
  local method, target = step.request:match("^(%u+) (.+)$")
  local path, query = split_target(target)
  local req
  for i = from, #seen do
    if not (seen[i].method == "GET" and seen[i].path:find("/operations/", 1, true)) then req = seen[i] break end
  end
  if not req then diffs[#diffs + 1] = where .. ": nothing was sent" return end
  if req.method ~= method or req.path ~= P .. path then
    diffs[#diffs + 1] = where .. ": sent " .. req.method .. " " .. req.path .. ", recorded " .. method .. " " .. P .. path
  end
  for k, v in pairs(query) do
    if req.query[k] ~= v then diffs[#diffs + 1] = where .. ": query " .. k .. "=" .. tostring(req.query[k]) .. ", recorded " .. v end
  end
  for k, v in pairs(req.query) do
    if query[k] == nil then diffs[#diffs + 1] = where .. ": query " .. k .. "=" .. v .. " was not in the recording" end
  end
  if step.body then
    -- Creates send the body as given; updates its spec (name and parent are output only).
    local want = method == "PATCH" and { spec = step.body.spec } or step.body
    if encode(req.body) ~= encode(want) then
      diffs[#diffs + 1] = where .. ": body " .. encode(req.body) .. ", recorded " .. encode(want)
    end
  end
end

-- The expected outcome of a step: nil (fine) or the status and error code the service gave.
local function expected_failure(step)
  local exp = step.expect or {}
  if exp.status and exp.status ~= 200 then return exp.status, exp.body and exp.body.error_code end
end

-- The parent and definition of a collection path ("projects/p/branches"; "projects"), or nil for
-- a resource name.
local function collection(path)
  if select(2, path:gsub("/", "")) % 2 == 1 then return nil end
  local parent, coll = path:match("^(.*)/([^/]+)$")
  return parent, schema.by_collection[coll or path]
end

-- One step through the Lua client; returns the error it raised, if any.
local function client_step(c, step)
  local method, target = step.request:match("^(%u+) (.+)$")
  local path, query = split_target(target)
  local ok, err = pcall(function()
    local parent, def = collection(path)
    if def and method == "POST" then
      local op = c:create(parent, def.kind, query[def.id_field], step.body, { replace_existing = query.replace_existing == "true" })
      return op:wait()
    elseif def then  -- a listing, read to its end
      for _ in c:list(parent, def.kind) do end
      return
    end
    local def = names.parse(path)
    if method == "GET" then return c:get(path, def.kind) end
    local obj = c:wrap(def.kind, { name = path })
    if method == "PATCH" then return obj:update(step.body, { mask = query.update_mask }):wait() end
    return obj:delete { purge = query.purge and query.purge == "true" or nil }:wait()
  end)
  if not ok then return err end
end

-- The same step as a command line: the arguments after `lakebase`.
local function command_line(step)
  local method, target = step.request:match("^(%u+) (.+)$")
  local path, query = split_target(target)
  local body = step.body and lb.json.encode(step.body)
  local parent, cdef = collection(path)
  if cdef and method == "GET" then return { "postgres", "list-" .. cdef.collection:gsub("_", "-"), parent } end
  if method == "POST" then
    local def = cdef
    local argv = { "postgres", "create-" .. def.noun }
    if parent then argv[#argv + 1] = parent end
    argv[#argv + 1] = query[def.id_field]
    if body then argv[#argv + 1] = "--json" argv[#argv + 1] = body end
    if query.replace_existing == "true" then argv[#argv + 1] = "--replace-existing" end
    return argv
  end
  local def = names.parse(path)
  if method == "GET" then return { "postgres", "get-" .. def.noun, path } end
  if method == "PATCH" then return { "postgres", "update-" .. def.noun, path, query.update_mask, "--json", body } end
  local argv = { "postgres", "delete-" .. def.noun, path }
  if query.purge == "true" then argv[#argv + 1] = "--purge" end
  return argv
end

-- What went wrong with `step` given through the Lua client `c`, or nil.
local function via_client(c, step, status, code)
  local e = client_step(c, step)
  if e and not status then return "the client failed where the service did not: " .. tostring(e) end
  if status and not e then return "the client succeeded where the service answered " .. status end
  if status and (e.status ~= status or (code and e.error_code ~= code)) then
    return "the client raised " .. tostring(e) .. ", the service answered " .. status .. " " .. tostring(code)
  end
end

-- What went wrong with `step` as a command line of `exe` against `url`, or nil: it must exit 0 where
-- the service accepted the request, 1 naming the error code where it refused it.
local function via_command(exe, url, step, status, code)
  local argv = command_line(step)
  local cmd = { exe, table.unpack(argv) }
  cmd.env = { DATABRICKS_HOST = url, DATABRICKS_TOKEN = TOKEN, HOME = os.getenv("HOME"), PATH = os.getenv("PATH"),
    LAKEBASE_LUA_DIR = os.getenv("LAKEBASE_LUA_DIR") }
  cmd.timeout = 60
  local res = lb.process.exec(cmd)
  local want = status and 1 or 0
  if res.code ~= want then
    return "`lakebase " .. table.concat(argv, " ") .. "` exited " .. tostring(res.code) .. ", expected " .. want .. ": " ..
      (res.stderr or "") .. (res.stdout or "")
  end
  if status and code and not (res.stderr or ""):find(code, 1, true) then
    return "its error does not name " .. code .. ": " .. (res.stderr or "")
  end
end

--- Replays scenario `sc` through "client" or "command" (then `exe` is the lakebase executable);
-- raises with the differences.
function M.run(sc, through, exe)
  local emu = emulator.start { postgres = false, token = TOKEN, op_latency = 0.01 }
  local f = front(emu)
  local c = lb.client { host = f.url, token = TOKEN, retry_timeout = 5 }
  local diffs = {}
  local ok, err = pcall(function()
    for i, step in ipairs(sc.steps) do
      if step.client ~= false then
        local where = "step " .. i .. " " .. step.request
        local from = #f.seen + 1
        local status, code = expected_failure(step)
        local why
        if through == "client" then why = via_client(c, step, status, code)
        else why = via_command(exe, f.url, step, status, code) end
        if why then diffs[#diffs + 1] = where .. ": " .. why end
        check_wire(step, f.seen, from, diffs, where)
      end
    end
  end)
  f.server:close()
  emu:stop()
  if not ok then error(err, 0) end
  if #diffs > 0 then
    error(through .. " differs from the recording (" .. table.concat(sc.source, ", ") .. "):\n  " .. table.concat(diffs, "\n  "), 0)
  end
end

return M
