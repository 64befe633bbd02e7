--- Test helper: replays exchanges recorded against the real service (tests/conformance/*.json, see
-- tests/conformance/README.md for the format) against a fresh emulator, request by request, and
-- checks its answers against what the recording shows of the service's.
local Client = require "emu_client"
local json = lakebase.json

local M = {}

local P = "/api/2.0/postgres/"

-- What the recordings' normalisation put in place of values that differ from run to run, as Lua
-- patterns for the values the service gives there.
M.PLACEHOLDERS = {
  TIMESTAMP = "%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d[%.%d]*Z",
  UUID = "%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x",
  LSN = "[%dA-F]+/[%dA-F]+",         -- the recordings' "0/[A-F0-9]+"
  TRACE_ID = "[%da-f]+",             -- the recordings' "TraceId: [a-f0-9]+"
  BRANCH_UID = "br%-[a-z0-9%-]+",
  ENDPOINT_UID = "ep%-[a-z0-9%-]+",
  OPERATION_ID = "[%w+/=%-]+",
  NUMID = "%d+",
  USERNAME = "[^%s]+",
  ANY = ".-",
}

-- A Lua pattern, anchored, for a template such as "role not found [TraceId: [TRACE_ID]]".
local function pattern_of(template)
  local out, pos = { "^" }, 1
  while true do
    local s, e, name = template:find("%[([A-Z_]+)%]", pos)
    if s and not M.PLACEHOLDERS[name] then
      -- a literal "[" (the service's own "[TraceId: ...]"): take one character and go on
      out[#out + 1] = template:sub(pos, s):gsub("%p", "%%%0")
      pos = s + 1
    else
      out[#out + 1] = template:sub(pos, (s or 0) - 1):gsub("%p", "%%%0")
      if not s then break end
      out[#out + 1] = M.PLACEHOLDERS[name]
      pos = e + 1
    end
  end
  out[#out + 1] = "$"
  return table.concat(out)
end
M.pattern_of = pattern_of

local function show(v)
  if v == nil then return "absent" end
  if type(v) == "table" then return json.encode(v) end
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

local function is_array(t) return type(t) == "table" and (getmetatable(t) == json.array_mt or #t > 0) end

--- Matches `actual` against `expected`; appends a line per difference to `diffs`.
--   "[ABSENT]" the field must not be there; "[PRESENT]" it must be;
--   strings are templates (placeholders above); "[NUMID]" also takes an integer;
--   objects match the keys they give, and `"$keys": [...]` lists every key the object may and
--   must have; arrays match element by element, with the same length.
function M.match(actual, expected, path, diffs)
  if expected == "[ABSENT]" then
    if actual ~= nil then diffs[#diffs + 1] = path .. ": expected absent, got " .. show(actual) end
    return
  end
  if expected == "[PRESENT]" then
    if actual == nil then diffs[#diffs + 1] = path .. ": expected present, is absent" end
    return
  end
  if actual == nil then diffs[#diffs + 1] = path .. ": expected " .. show(expected) .. ", is absent" return end
  if type(expected) == "string" then
    if expected == "[NUMID]" and math.type(actual) == "integer" then return end
    if type(actual) ~= "string" or not actual:match(pattern_of(expected)) then
      diffs[#diffs + 1] = path .. ": expected " .. show(expected) .. ", got " .. show(actual)
    end
  elseif type(expected) ~= "table" then
    if actual ~= expected then diffs[#diffs + 1] = path .. ": expected " .. show(expected) .. ", got " .. show(actual) end
  elseif is_array(expected) then
    if type(actual) ~= "table" or #actual ~= #expected then
      diffs[#diffs + 1] = path .. ": expected " .. #expected .. " items " .. show(expected) .. ", got " .. show(actual)
      return
    end
    for i, e in ipairs(expected) do M.match(actual[i], e, path .. "[" .. i .. "]", diffs) end
  else
    if type(actual) ~= "table" then diffs[#diffs + 1] = path .. ": expected an object, got " .. show(actual) return end
    for k, e in pairs(expected) do
      if k ~= "$keys" then M.match(actual[k], e, path .. "." .. k, diffs) end
    end
    if expected["$keys"] then
      local allowed = {}
      for _, k in ipairs(expected["$keys"]) do
        allowed[k] = true
        if actual[k] == nil then diffs[#diffs + 1] = path .. "." .. k .. ": expected present, is absent" end
      end
      local extra = {}
      for k in pairs(actual) do if not allowed[k] then extra[#extra + 1] = k end end
      table.sort(extra)
      if #extra > 0 then diffs[#diffs + 1] = path .. ": has fields the service's answer has not: " .. table.concat(extra, ", ") end
    end
  end
end

local function is_operation(body)
  return type(body) == "table" and type(body.name) == "string" and body.name:find("/operations/", 1, true)
    and body.done ~= nil
end

--- Replays one scenario against `emu` (a started emulator). Returns the list of differences.
function M.replay(emu, scenario)
  local c = Client.new(emu.url, emu.token)
  local diffs = {}
  for i, step in ipairs(scenario.steps) do
    local method, target = step.request:match("^(%u+) (.+)$")
    assert(method, "step " .. i .. ": request must be 'METHOD path', got " .. tostring(step.request))
    local where = "step " .. i .. " " .. step.request
    local status, body = c:call(method, P .. target, step.body)
    local exp = step.expect or {}
    if exp.status and status ~= exp.status then
      diffs[#diffs + 1] = where .. ": status " .. status .. ", expected " .. exp.status .. " " .. show(body)
    end
    if exp.body then M.match(body, exp.body, where, diffs) end
    -- Mutations are waited for, as the clients that recorded them waited.
    if status == 200 and is_operation(body) and step.wait ~= false then
      local op = c:wait(body)
      if op.error and not exp.operation then
        diffs[#diffs + 1] = where .. ": the operation failed: " .. show(op.error)
      end
      if exp.operation then M.match(op, exp.operation, where .. " (operation)", diffs) end
      if exp.response then M.match(op.response, exp.response, where .. " (operation response)", diffs) end
    elseif exp.response or exp.operation then
      diffs[#diffs + 1] = where .. ": expected an operation, got " .. show(body)
    end
  end
  return diffs
end

--- The scenario files of `dir`, decoded: { {file=, scenarios={...}}, ... } in name order.
function M.load(dir)
  local files = {}
  local ls = assert(io.popen("ls " .. dir .. "/*.json"))
  for path in ls:lines() do files[#files + 1] = path end
  ls:close()
  table.sort(files)
  local out = {}
  for _, path in ipairs(files) do
    local f = assert(io.open(path))
    local doc, err = json.decode(f:read("a"))
    f:close()
    assert(doc, path .. ": " .. tostring(err))
    out[#out + 1] = { file = path:match("([^/]+)%.json$"), scenarios = doc.scenarios }
  end
  return out
end

return M
