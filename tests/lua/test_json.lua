-- lakebase.json: decoding keeps empty arrays apart from empty objects (an answer's `"x": []`
-- comes out of -o json and -o yaml as `[]`, not `{}`), wherever they are and however they are
-- spaced, without touching brackets inside strings; bad JSON is still refused with cjson's own
-- message; integers stay integers.
local T = require "testlib"
local json = lakebase.json
local yaml = require "lakebase.base.yaml"

T.test("decode then encode keeps empty arrays and empty objects as they were", function()
  local text = '{"a":[],"b":{},"c":[[]]}'
  local v = assert(json.decode(text))
  T.eq(json.encode(v), text, "compact")
  T.eq(json.pretty(v), '{\n  "a": [],\n  "b": {},\n  "c": [\n    []\n  ]\n}', "pretty")
  T.eq(yaml.encode(v), "a: []\nb: {}\nc:\n  - []\n", "yaml")
  T.ok(json.is_array(v.a) and not json.is_array(v.b), "is_array tells them apart")
  T.eq(#v.a, 0, "an empty array has length 0")
end)

T.test("empty arrays anywhere, with any white space, and at the top", function()
  T.eq(json.encode(json.decode("[]")), "[]", "the whole text")
  T.eq(json.encode(json.decode(" [ \n\t ] ")), "[]", "spaced")
  T.eq(json.encode(json.decode('[[],{},[[ ]],{"k":[]}]')), '[[],{},[[]],{"k":[]}]', "nested in arrays")
  T.eq(json.encode(json.decode('{"x":{"y":{"z":[\r\n]}}}')), '{"x":{"y":{"z":[]}}}', "deep in objects")
  T.eq(json.encode(json.decode('{"[]":[],"k[ ]":{}}')), '{"[]":[],"k[ ]":{}}', "keys that contain brackets")
  T.eq(json.encode(json.decode("{}")), "{}", "an empty object stays one")
end)

T.test("brackets inside strings are left alone", function()
  local text = [==[{"a":"[]","b":"x\"[]\"","c":"\\","d":[],"e":"\\[ ]\\","f":"\"","g":["[]",[]]}]==]
  local v = assert(json.decode(text))
  T.eq(v.a, "[]", "plain")
  T.eq(v.b, 'x"[]"', "after escaped quotes")
  T.eq(v.c, "\\", "an escaped backslash before a closing quote")
  T.eq(v.e, "\\[ ]\\", "between escaped backslashes")
  T.eq(v.f, '"', "an escaped quote alone")
  T.eq(json.encode(v), text, "and the arrays around them are arrays")
  -- Where a value could start (after : , [), and after escaped quotes and backslashes.
  text = [==[{"a":"k: [] ,[ ]","b":"\":[]","c":"\\","d":[],"e":"[[]]","f":"\\\":[\t]","g":[[],"[]"]}]==]
  v = assert(json.decode(text))
  T.eq(v.a, "k: [] ,[ ]", "after a colon and a comma")
  T.eq(v.b, '":[]', "after an escaped quote")
  T.eq(v.e, "[[]]", "after a bracket")
  T.eq(v.f, '\\":[\t]', "after an escaped backslash and quote")
  T.eq(json.encode(v), text, "and the arrays beside them are arrays")
end)

T.test("text that is not UTF-8 is refused, so the empty-array marker (a byte UTF-8 never has) cannot collide", function()
  for _, b in ipairs { "\255", "\254", "\192", "\193", "\245" } do
    local v, err = json.decode('{"s":"' .. b .. '","u":[]}')
    T.eq(v, nil, "refused " .. b:byte())
    T.eq(err, "not UTF-8 at character 7", "why " .. b:byte())
  end
  T.ok(json.is_array(json.decode('{"s":"\\u00ff","u":[]}').u), "an escaped U+00FF beside an empty array")
end)

T.test("bad JSON is refused with cjson's message, positions as in the text given", function()
  for _, case in ipairs {
    { '{[]:1}', "Expected object key string but found T_ARR_BEGIN at character 2" },
    { '{"a":[], [ ]:1}', "Expected object key string but found T_ARR_BEGIN at character 10" },
    { '[[]', "Expected comma or array end but found T_END at character 4" },
    { '{"a":[]]', "Expected comma or object end but found T_ARR_END at character 8" },
    { '[] []', "Expected the end but found T_ARR_BEGIN at character 4" },
    { '{"a":[],"b":"[]}', "Expected value but found unexpected end of string at character 17" },
    { '[\f]', "Expected value but found invalid token at character 2" },
    { '{"a":[\v]}', "Expected value but found invalid token at character 7" },
  } do
    local v, err = json.decode(case[1])
    T.eq(v, nil, case[1] .. " is not JSON")
    T.eq(err, case[2], case[1] .. " message")
  end
end)

T.test("nesting deeper than 200 is refused, an innermost empty array counted", function()
  local ok200 = ("["):rep(199) .. "[]" .. ("]"):rep(199)
  T.ok(json.decode(ok200) ~= nil, "200 levels")
  local v, err = json.decode("[" .. ok200 .. "]")
  T.eq(v, nil, "201 levels")
  T.ok(err and err:find("too many nested data structures (201)", 1, true), "says so: " .. tostring(err))
end)

T.test("numbers: integers stay integers next to empty arrays", function()
  local v = assert(json.decode('{"n":5432,"f":1.5,"l":[],"a":[1,2.5,[]]}'))
  T.eq(math.type(v.n), "integer", "5432")
  T.eq(math.type(v.f), "float", "1.5")
  T.eq(math.type(v.a[1]), "integer", "in an array")
  T.eq(json.encode(v), '{"a":[1,2.5,[]],"f":1.5,"l":[],"n":5432}', "round trip")
end)

T.test("a decoded empty array can be filled like any table", function()
  local v = assert(json.decode('{"l":[]}'))
  v.l[#v.l + 1] = "x"
  for _, s in ipairs(v.l) do T.eq(s, "x", "ipairs") end
  T.eq(json.encode(v), '{"l":["x"]}', "encodes with its element")
end)

T.run()
