-- The YAML writer of `-o yaml`, read back by a real YAML parser (PyYAML, a YAML 1.1 reader, the
-- strictest about plain scalars): strings that look like numbers, booleans, null, dates or
-- indicators stay strings; multi-line strings, control characters, unicode, empty tables and
-- nesting of lists and maps come back as they were written.
local T = require "testlib"
local yaml = require "lakebase.base.yaml"
local json = lakebase.json

-- What PyYAML reads from `text`, as JSON decoded here (floats that JSON cannot hold, and empty
-- lists and maps, which decode alike, as strings that say what they were).
local READ = [[
import json, math, sys, yaml
def fix(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)): return "float:" + repr(v)
    if isinstance(v, list): return [fix(x) for x in v] if v else "<[]>"
    if isinstance(v, dict): return {k: fix(x) for k, x in v.items()} if v else "<{}>"
    if not isinstance(v, (str, int, float, bool, type(None))): return "type:" + type(v).__name__
    return v
print(json.dumps(fix(yaml.safe_load(sys.stdin.read()))))
]]

local function read_back(text)
  local r = lakebase.exec { "python3", "-c", READ, stdin = text, check = true }
  return json.decode(r.stdout)
end

-- Deep equality, telling empty lists from empty maps and integers from strings.
local function same(a, b, path)
  path = path or "value"
  if type(a) == "table" and next(a) == nil then
    T.eq(b, json.is_array(a) and "<[]>" or "<{}>", path .. " (empty)")
    return
  end
  if type(a) == "table" and type(b) == "table" then
    for k, v in pairs(a) do same(v, b[k], path .. "." .. tostring(k)) end
    for k in pairs(b) do T.ok(a[k] ~= nil, path .. "." .. tostring(k) .. " appeared") end
    return
  end
  T.eq(b, a, path)
  T.eq(type(b), type(a), path .. " type")
end

local TRICKY = { "123", "-1", "+1", "1.5", ".5", "1e3", "0x1F", "017", "0o17", "0b101", "1_000", "12:30", "1:20:30",
  "2024-01-01", "2024-1-1 10:00", "true", "True", "FALSE", "yes", "No", "on", "OFF", "y", "n", "null", "Null", "~", "",
  " lead", "trail ", "a: b", "a:b", "#x", "x #y", "x#y", "- x", "-", "--", "---", "...", "? q", "q?", "@at", "%pct",
  "`tick", "!bang", "&anchor", "*alias", "|pipe", ">gt", "'sq", '"dq', "{b", "[a", "]", "}", ",", "a, b", "= x", "=",
  "<<", "inf", ".inf", "-.inf", "nan", ".NaN", "1.0.0", "v1", "projects/shop/branches/main", "ENDPOINT_TYPE_READ_WRITE",
  "multi\nline\n", "multi\nline", "a\n\nb", "ends\n\n", "\n", "\nlead", " indented\nnext", "tab\tin", "\ttab",
  "line  \ntrailing", "quote\"back\\slash", "ctrl\1x\127", "cr\r\n", "日本語", "é", "emoji 🎉", "a  b",
  -- what YAML takes for line breaks (NEL, LS, PS) or refuses as unprintable (C1 controls, U+FFFE/FFFF)
  "nel\u{85}x", "ls\u{2028}x", "ps\u{2029}x", "lines\nnel\u{85}\n", "lines\n\u{2028}", "c1\u{80}\u{9F}",
  "\u{FEFF}bom", "\u{FFFE}", "nc\u{FFFF}", "ok\u{A0}\u{D7FF}\u{E000}\u{FFFD}" }

T.test("strings that look like something else stay the same strings", function()
  local back = read_back(yaml.encode(TRICKY))
  for i, s in ipairs(TRICKY) do T.eq(back[i], s, "item " .. i .. " " .. string.format("%q", s)) end
  T.eq(#back, #TRICKY, "all items")
end)

T.test("the same strings as map keys and values", function()
  local t = {}
  for _, s in ipairs(TRICKY) do t[s] = s end
  same(t, read_back(yaml.encode(t)))
end)

T.test("scalars: integers, floats, booleans, null, at the top too", function()
  local v = { int = 42, neg = -7, float = 1.5, whole_float = 2.0, tiny = 1e-300, huge = 1.5e300,
    t = true, f = false, none = json.null, third = 1 / 3 }
  same(v, read_back(yaml.encode(v)))
  T.eq(read_back(yaml.encode(math.huge)), "float:inf", "infinity")
  T.eq(read_back(yaml.encode(-math.huge)), "float:-inf", "minus infinity")
  T.eq(read_back(yaml.encode(0 / 0)), "float:nan", "NaN")
  T.eq(read_back(yaml.encode("yes")), "yes", "a top-level string")
  T.eq(read_back(yaml.encode(json.null)), json.null, "a top-level null")
  T.eq(yaml.encode(7), "7\n", "a top-level integer")
  T.eq(yaml.encode(9007199254740993), "9007199254740993\n", "integers beyond 2^53 keep every digit")
end)

T.test("empty tables, nesting of lists and maps", function()
  local v = {
    empty_map = {}, empty_list = json.array {},
    list = { 1, "two", json.null, { a = 1, b = { "x", "y" } }, { 1, { 2, { 3 } } }, json.array {}, {} },
    map = { inner = { deeper = { deepest = "yes", list = { { k = "v" }, { k = "w", l = json.array {} } } } } },
    lines = { "a\nb\n", "c\nd" },
  }
  same(v, read_back(yaml.encode(v)))
  T.eq(yaml.encode({}), "{}\n", "an empty map alone")
  T.eq(yaml.encode(json.array {}), "[]\n", "an empty list alone")
end)

T.test("readable shape: plain where safe, blocks for lines, sorted keys", function()
  T.eq(yaml.encode { name = "projects/shop", status = { pg_version = 17, default = true, note = "a\nb\n" }, tags = { "x", "z" } },
    "name: projects/shop\nstatus:\n  default: true\n  note: |\n    a\n    b\n  pg_version: 17\ntags:\n  - x\n  - z\n", "the text")
  T.eq(yaml.encode { { a = 1, b = 2 }, { c = 3 } }, "- a: 1\n  b: 2\n- c: 3\n", "a list of maps")
  T.eq(yaml.encode { v = "17", w = "y" }, "v: \"17\"\nw: \"y\"\n", "number-like and YAML 1.1 boolean strings are quoted")
  T.eq(yaml.encode { 1e-300, 1.5e300, 2.0 }, "- 1.0e-300\n- 1.5e+300\n- 2.0\n", "floats as YAML 1.1 writes them")
end)

T.test("what YAML cannot hold is refused", function()
  T.raises(function() yaml.encode { f = print } end, "cannot write a function")
  T.raises(function() yaml.encode { [true] = 1 } end, "boolean key")
  local cyc = {}
  cyc.self = cyc
  T.raises(function() yaml.encode(cyc) end, "contains itself")
end)

T.run()
