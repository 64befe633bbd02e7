-- The LuaLS definitions `lakebase types` writes, against the real module: every public function
-- and table of `lakebase` and its submodules, of the client, the resource classes (built from the
-- schema), operations, tasks, lakebase.pg connections, processes and the emulator has an
-- annotation, and every annotation names something that exists (walking the real tables at run
-- time, both ways); the fields of real answers from the emulator, of a real API error and of a
-- recipe's ctx are annotated, and the annotated fields are there. The language server itself is
-- not installable here, so the annotations are parsed by the small reader below.
local T = require "testlib"
local types = require "lakebase.types"
local schema = require "lakebase.api.schema"

local files = types.files()

-- Reads the annotation files: classes with their fields, methods and parents, the Lua variable
-- each class is bound to, and every type name an annotation mentions.
local function parse(texts)
  local classes, vars, mentions = {}, {}, {}
  local function class(name)
    classes[name] = classes[name] or { fields = {}, methods = {}, parents = {}, bound = {} }
    return classes[name]
  end
  for fname, text in pairs(texts) do
    local current, pending, n = nil, nil, 0
    for line in (text .. "\n"):gmatch("(.-)\n") do
      n = n + 1
      local where = fname .. ":" .. n
      local cname, parents = line:match("^%-%-%-@class ([%w_.]+):? ?(.*)$")
      if cname then
        current, pending = class(cname), cname
        for p in parents:gmatch("lakebase[%w_.]*") do current.parents[#current.parents + 1] = p end
      elseif line:match("^%-%-%-@field ") then
        local field, opt = line:match("^%-%-%-@field ([%a_][%w_]*)(%??)%s")
        if not field then field, opt = line:match('^%-%-%-@field %["([^"]+)"%](%??)') end
        if field then
          current.fields[field] = where
          current.optional = current.optional or {}
          current.optional[field] = opt == "?"
        end
      end
      if line:match("^%-%-%-@") then
        for name in line:gmatch("lakebase[%w_.]*[%w_]") do mentions[#mentions + 1] = { name = name, where = where } end
      end
      local var = line:match("^local ([%w_]+) = {}$") or line:match("^([%w_.]+) = {}$")
      if var and pending then
        vars[fname .. ":" .. var] = pending
        vars[var] = vars[var] or pending
        local owner, key = var:match("^(.+)%.([%w_]+)$")
        if owner and vars[owner] then class(vars[owner]).fields[key] = where end
        class(pending).bound[var] = true
        pending = nil
      elseif not line:match("^%-%-%-") then
        pending = nil
      end
      local fvar, method = line:match("^function ([%w_.]+)[.:]([%w_]+)%(")
      if fvar then
        local cname2 = vars[fname .. ":" .. fvar] or vars[fvar]
        assert(cname2, where .. ": function on " .. fvar .. ", which no class is bound to")
        class(cname2).methods[method] = where
      end
    end
  end
  return classes, mentions
end

local classes, mentions = parse(files)

-- Fields and methods of a class with those of its parents.
local function members(cname, seen)
  seen = seen or {}
  local c = classes[cname]
  assert(c, "no class " .. cname)
  local all = {}
  for k, w in pairs(c.fields) do all[k] = w end
  for k, w in pairs(c.methods) do all[k] = w end
  for _, p in ipairs(c.parents) do
    if not seen[p] then
      seen[p] = true
      for k, w in pairs(members(p, seen)) do all[k] = all[k] or w end
    end
  end
  return all
end

-- Private by Lua custom: a leading underscore; a trailing one marks state kept beside a method of
-- the same name (an Operation's done_ beside done()).
local function public(k) return type(k) == "string" and not k:match("^_") and not k:match("_$") end

-- Both ways: every public key of `runtime` (a set) is annotated on `cname`, and every member
-- annotated on `cname` (its own, or `only` of them: "methods"/"fields") is in `runtime`, except,
-- with `absent_ok`, fields annotated optional (`name?`).
local function compare(cname, runtime, only, absent_ok)
  local c = classes[cname]
  T.ok(c, "a class " .. cname .. " is annotated")
  local annotated = members(cname)
  local missing, extra = {}, {}
  for k in pairs(runtime) do
    if public(k) and not annotated[k] then missing[#missing + 1] = k end
  end
  local own = only and c[only] or annotated
  for k, where in pairs(own) do
    if not runtime[k] and not (absent_ok and (c.optional or {})[k]) then extra[#extra + 1] = k .. " (" .. where .. ")" end
  end
  table.sort(missing) table.sort(extra)
  T.eq(table.concat(missing, ", "), "", cname .. ": public names without an annotation")
  T.eq(table.concat(extra, ", "), "", cname .. ": annotations naming nothing that exists")
end

local function keys_of(t, functions_only)
  local set = {}
  for k, v in pairs(t) do
    if not functions_only or type(v) == "function" then set[k] = true end
  end
  return set
end

T.test("every type an annotation mentions is a class, or a field of one", function()
  local bad = {}
  for _, m in ipairs(mentions) do
    local owner, key = m.name:match("^(.+)%.([%w_]+)$")
    if not classes[m.name] and not (owner and classes[owner] and members(owner)[key]) then
      bad[#bad + 1] = m.name .. " at " .. m.where
    end
  end
  T.eq(table.concat(bad, "; "), "", "unknown names")
end)

T.test("the lakebase module: every function, value and submodule, and nothing else", function()
  local runtime = keys_of(lakebase)
  for name in pairs(getmetatable(lakebase).submodules) do runtime[name] = true end
  runtime.config = true  -- set by the command line before a script runs
  T.ok(lakebase.config ~= nil, "lakebase.config is set under `lakebase run`")
  compare("lakebase", runtime)
  T.ok(classes.lakebase.fields.pg and classes.lakebase.fields.schema, "submodules are fields of lakebase")
end)

T.test("each submodule: every public name, and nothing else", function()
  for name in pairs(getmetatable(lakebase).submodules) do
    compare("lakebase." .. name, keys_of(lakebase[name]))
  end
end)

T.test("the client: every method of lakebase.Client (its own and those made for top-level kinds)", function()
  local Client = require("lakebase.api.client").Client
  compare("lakebase.Client", keys_of(Client, true), "methods")
  T.ok(classes["lakebase.Client"].methods.create_synced_table, "generated: client:create_synced_table")
  T.ok(not classes["lakebase.Client"].methods.synced_tables, "synced tables are not listed, so no client:synced_tables")
  local c = lakebase.client { host = "http://127.0.0.1:9", token = "types-test-token", client_id = "sp",
    retry_timeout = 5, request_timeout = 5, max_response_bytes = 1000 }
  compare("lakebase.Client", keys_of(c), "fields")
end)

T.test("every resource class: exactly the methods the client builds from the schema", function()
  local classes_rt = require("lakebase.api.resource").classes
  for _, kind in ipairs(schema.kinds) do
    local cname = "lakebase." .. schema[kind].type_name
    compare(cname, keys_of(classes_rt[kind], true), "methods")
    T.ok(classes[cname .. "Operation"], cname .. " has its Operation class")
  end
  -- Spot checks that the generator follows the schema's rules, not a copy of them.
  T.ok(classes["lakebase.Catalog"].methods.update == nil, "catalogs have no update")
  T.ok(classes["lakebase.CdfStatus"].methods.delete == nil, "CDF statuses are read-only")
  T.ok(classes["lakebase.Branch"].methods.get_snapshot_schedule, "a branch has its snapshot schedule")
  T.ok(classes["lakebase.Branch"].methods.create_snapshot_schedule == nil, "which is never created")
  T.ok(classes["lakebase.BranchSpec"].fields.ttl and classes["lakebase.EndpointSpec"].fields.endpoint_type,
    "spec fields come from the schema")
  T.ok(files["resources.lua"]:find('---@field endpoint_type? "ENDPOINT_TYPE_READ_WRITE"|"ENDPOINT_TYPE_READ_ONLY"', 1, true),
    "enums are unions of their values")
end)

T.test("every spec class has exactly the schema's fields, nested objects included", function()
  local function check(cname, obj)
    compare(cname, keys_of(obj.fields), "fields")
    for name, f in pairs(obj.fields) do
      local item = f.type == "list" and f.item or f
      if item.type == "object" then check(cname .. "." .. name, item) end
    end
  end
  for _, kind in ipairs(schema.kinds) do
    local def = schema[kind]
    check("lakebase." .. def.type_name .. "Spec", def.spec)
    if def.create_fields then
      local body = { spec = true }
      for k in pairs(def.create_fields) do body[k] = true end
      compare("lakebase." .. def.type_name .. "CreateBody", body, "fields")
    end
  end
  T.ok(classes["lakebase.ProjectCreateBody"].fields.initial_endpoint_spec, "a project's create body")
end)

T.test("operations, tasks, events, connections, processes and servers: every method, both ways", function()
  local operation = require "lakebase.api.operation"
  local op = operation.new(lakebase.client { host = "http://127.0.0.1:9", token = "types-test-token" }, { name = "projects/p/operations/o", done = true }, "project", "projects/p")
  compare("lakebase.Operation", keys_of(getmetatable(op), true), "methods")
  compare("lakebase.Operation", keys_of(op), "fields")
  local task = lakebase.spawn(function() end)
  compare("lakebase.Task", keys_of(getmetatable(task), true), "methods")
  task:join()
  compare("lakebase.Event", keys_of(getmetatable(lakebase.event()), true), "methods")
  compare("lakebase.pg.Conn", keys_of(lakebase.pg.Conn, true), "methods")
  compare("lakebase.process.Process", keys_of(lakebase.process.Process, true), "methods")
  local p = lakebase.process.spawn { "true" }
  p:wait()
  compare("lakebase.process.Process", keys_of(p), "fields", true)  -- pipes only when asked for
  compare("lakebase.net.Conn", keys_of(lakebase.net.Conn, true), "methods")
  local server <close> = lakebase.net.listen("127.0.0.1", 0)
  compare("lakebase.net.Server", keys_of(getmetatable(server), true), "methods")
  compare("lakebase.net.Server", keys_of(server), "fields")
  local result = lakebase.exec { "true" }
  local r = {}
  for k in pairs(result) do r[k] = true end
  compare("lakebase.process.Result", r, "fields", true)  -- signal: only when one ended it
end)

T.test("real answers, a real API error and the emulator handle carry the annotated fields, both ways", function()
  local emu = lakebase.emulator.start { postgres = false, op_latency = 0.01 }
  local ok, err = pcall(function()
    compare("lakebase.emulator.Emulator", keys_of(emu), nil, true)  -- ca_file: only with PostgreSQL
    T.eq(emu.ca_file, nil, "no CA without PostgreSQL")
    local c = lakebase.client { host = emu.url, token = emu.token }
    local project = c:create_project("types", {}):wait()
    local branch = project:get_branch("production")
    local ep = branch:primary_endpoint()
    local role
    for r in branch:roles() do role = r end
    local db = branch:create_database("appdb", { postgres_database = "appdb", role = role.name }):wait()
    local gone = c:create_project("gone", {}):wait()
    gone:delete():wait()
    local deleted
    for p in c:projects { show_deleted = true } do if p.name == "projects/gone" then deleted = p end end
    T.ok(deleted and deleted.delete_time, "a soft-deleted project is listed with its delete_time")
    local function fields_of(...)
      local set = {}
      for _, obj in ipairs { ... } do for k in pairs(obj) do set[k] = true end end
      return set
    end
    compare("lakebase.Project", fields_of(project, deleted), "fields")
    compare("lakebase.Branch", fields_of(branch), "fields")
    compare("lakebase.Endpoint", fields_of(ep), "fields")
    compare("lakebase.Role", fields_of(role), "fields")
    compare("lakebase.Database", fields_of(db), "fields")
    local _, api_err = pcall(c.get_project, c, "missing")
    T.eq(api_err.kind, "api", "a real API error")
    local annotated = members("lakebase.Error")
    for k in pairs(api_err) do T.ok(annotated[k], "lakebase.Error field " .. k .. " is annotated") end
  end)
  emu:stop()
  if not ok then error(err, 0) end
end)

T.test("a recipe's ctx has exactly the annotated fields", function()
  local c = lakebase.client { host = "http://127.0.0.1:9", token = "types-test-token" }
  compare("lakebase.recipe.Context", keys_of(require("lakebase.recipe.command").context(c, false, {})))
  compare("lakebase.recipe.Context", keys_of(require("lakebase.recipe.command").context(c, true, {})))
end)

T.test("the generated definitions follow the schema when it changes", function()
  -- A kind added to the description shows up in the definitions with its methods and spec.
  local saved = { kinds = schema.kinds, project = schema.project }
  local def = { collection = "widgets", id_field = "widget_id", parent_kind = "project", type_name = "Widget",
    kind = "widget", noun = "widget", list_key = "widgets", omit = {},
    spec = require("lakebase.api.fields").object { size = require("lakebase.api.fields").integer { min = 1 } } }
  schema.widget = def
  local kinds = {}
  for i, k in ipairs(saved.kinds) do kinds[i] = k end
  kinds[#kinds + 1] = "widget"
  schema.kinds = kinds
  local ok, text = pcall(require("lakebase.types.resources").text)
  schema.widget, schema.kinds = nil, saved.kinds
  assert(ok, text)
  local parsed = parse { ["resources.lua"] = text }
  T.ok(parsed["lakebase.Project"].methods.create_widget and parsed["lakebase.Project"].methods.widgets,
    "project:create_widget and project:widgets")
  T.ok(parsed["lakebase.WidgetSpec"].fields.size, "WidgetSpec.size")
  T.ok(not classes["lakebase.WidgetSpec"], "and the real definitions do not have it")
end)

T.run()
