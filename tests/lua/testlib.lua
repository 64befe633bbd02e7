--- A tiny test harness for Lua tests run by the lakebase binary. Each test runs in its own task;
-- the summary line "N passed, N failed" is what CI reads, and the exit status is 1 on failure.
local M = {}
local tests = {}

function M.test(name, fn)
  tests[#tests + 1] = { name = name, fn = fn }
end

local function fmt(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

function M.eq(actual, expected, what)
  if actual ~= expected then
    error(string.format("%s: expected %s, got %s", what or "value", fmt(expected), fmt(actual)), 2)
  end
end

function M.ok(cond, what)
  if not cond then error((what or "condition") .. " was false", 2) end
end

--- Asserts that fn raises; returns the error. `pattern`, if given, must match tostring(err).
function M.raises(fn, pattern, what)
  local ok, err = pcall(fn)
  if ok then error((what or "call") .. " did not raise", 2) end
  if pattern and not tostring(err):find(pattern) then
    error(string.format("%s raised %s, which does not match %q", what or "call", fmt(tostring(err)), pattern), 2)
  end
  return err
end

--- Asserts that a <= v <= b.
function M.between(v, a, b, what)
  if not (v >= a and v <= b) then
    error(string.format("%s: expected between %g and %g, got %g", what or "value", a, b, v), 2)
  end
end

function M.run()
  local passed, failed = 0, 0
  local only = os.getenv("TEST_ONLY")
  for _, t in ipairs(tests) do
    if not only or t.name:find(only, 1, true) then
      local task = lakebase.spawn(t.fn)
      local ok, err = pcall(task.join, task)
      if ok then
        passed = passed + 1
        print("ok - " .. t.name)
      else
        failed = failed + 1
        print("not ok - " .. t.name .. ": " .. tostring(err))
        if task.traceback then print(task.traceback) end
      end
    end
  end
  print(string.format("%d passed, %d failed", passed, failed))
  if failed > 0 then os.exit(1) end
end

return M
