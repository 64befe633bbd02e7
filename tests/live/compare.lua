--- scripts/test-live --compare A.json B.json: names the scenarios whose results, notes or
-- request/response shapes differ between two reports (say, the emulator's run and a workspace's).
-- Shapes are compared call by call (method, path with IDs as `*`, query keys, request fields):
-- the calls made, their status codes and error codes, and the set of field names in the answers;
-- never IDs, times or other values. An operation still running is timing, not shape: its fields are
-- left out, as is status.pending_state. Exit status: 0 no difference, 1 differences, 2 bad input.
local json = require "lakebase.base.json"

local function fail(msg)
  io.stderr:write("test-live --compare: ", msg, "\n")
  os.exit(2)
end

if #arg ~= 2 then fail("expected two reports: scripts/test-live --compare A.json B.json") end

local function load(path)
  local f, err = io.open(path)
  if not f then fail("cannot read " .. path .. ": " .. err) end
  local text = f:read("a")
  f:close()
  local report = json.decode(text)
  if type(report) ~= "table" or type(report.scenarios) ~= "table" then
    fail(path .. " is not a test-live report (no scenarios)")
  end
  return report
end

local function set_list(set)
  local l = {}
  for k in pairs(set) do l[#l + 1] = k end
  table.sort(l)
  return l
end

-- Per call signature: its outcomes ("200", "400 BAD_REQUEST") and the union of its answers' fields.
local function calls_of(scenario)
  local calls = {}
  for _, r in ipairs(scenario.requests or {}) do
    local sig = r.method .. " " .. r.path .. (r.query and ("?" .. r.query) or "") ..
      (r.request_fields and #r.request_fields > 0 and (" {" .. table.concat(r.request_fields, ",") .. "}") or "")
    local c = calls[sig]
    if not c then
      c = { outcomes = {}, fields = {} }
      calls[sig] = c
    end
    c.outcomes[tostring(r.status or r.error_kind) .. (r.error_code and (" " .. r.error_code) or "")] = true
    if not r.pending then
      for _, f in ipairs(r.response_fields or {}) do
        if not f:find("pending_state", 1, true) then c.fields[f] = true end
      end
    end
  end
  return calls
end

local function minus(a, b)
  local out = {}
  for k in pairs(a) do if not b[k] then out[#out + 1] = k end end
  table.sort(out)
  return out
end

local function show(v) return v == nil and "(none)" or json.encode(v) end

local a_path, b_path = arg[1], arg[2]
local A, B = load(a_path), load(b_path)
local function index(report)
  local by, order = {}, {}
  for _, s in ipairs(report.scenarios) do
    if type(s) == "table" and type(s.scenario) == "string" then
      by[s.scenario] = s
      order[#order + 1] = s.scenario
    end
  end
  return by, order
end
local ai, aorder = index(A)
local bi, border = index(B)
local names, seen = {}, {}
for _, list in ipairs { aorder, border } do
  for _, n in ipairs(list) do if not seen[n] then seen[n] = true names[#names + 1] = n end end
end

print(string.format("A: %s (%s, %s)", a_path, A.target and A.target.host or "?", A.result or "?"))
print(string.format("B: %s (%s, %s)", b_path, B.target and B.target.host or "?", B.result or "?"))
local differing = {}
for _, name in ipairs(names) do
  local a, b = ai[name], bi[name]
  local lines = {}
  local function say(fmt, ...) lines[#lines + 1] = string.format(fmt, ...) end
  if not a or not b then
    say("only in %s", a and "A" or "B")
  else
    if a.result ~= b.result then
      say("result: A %s, B %s", tostring(a.result), tostring(b.result))
      if a.error then say("  A: %s", a.error) end
      if b.error then say("  B: %s", b.error) end
    end
    local an, bn = a.notes or {}, b.notes or {}
    local keys = {}
    for k in pairs(an) do keys[k] = true end
    for k in pairs(bn) do keys[k] = true end
    for _, k in ipairs(set_list(keys)) do
      if json.encode(an[k]) ~= json.encode(bn[k]) then say("note %q: A %s, B %s", k, show(an[k]), show(bn[k])) end
    end
    -- Shapes are compared when both ran (a failed scenario stops early: its result says so).
    if a.result == b.result then
      local ac, bc = calls_of(a), calls_of(b)
      for _, sig in ipairs(minus(ac, bc)) do say("call only in A: %s", sig) end
      for _, sig in ipairs(minus(bc, ac)) do say("call only in B: %s", sig) end
      for _, sig in ipairs(set_list(ac)) do
        local x, y = ac[sig], bc[sig]
        if y then
          local ao, bo = set_list(x.outcomes), set_list(y.outcomes)
          if table.concat(ao, ",") ~= table.concat(bo, ",") then
            say("%s: A answered %s, B %s", sig, table.concat(ao, " / "), table.concat(bo, " / "))
          end
          local only_a, only_b = minus(x.fields, y.fields), minus(y.fields, x.fields)
          if #only_a > 0 then say("%s: fields only in A: %s", sig, table.concat(only_a, ", ")) end
          if #only_b > 0 then say("%s: fields only in B: %s", sig, table.concat(only_b, ", ")) end
        end
      end
    end
  end
  if #lines > 0 then
    differing[#differing + 1] = name
    print(name .. ":")
    for _, l in ipairs(lines) do print("  " .. l) end
  end
end
if #differing == 0 then
  print(string.format("no difference in %d scenarios", #names))
  os.exit(0)
end
print(string.format("%d of %d scenarios differ: %s", #differing, #names, table.concat(differing, ", ")))
os.exit(1)
