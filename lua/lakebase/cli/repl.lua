--- The REPL: `lakebase` on a terminal, or `lakebase repl`. Each line runs as a task on the event
-- loop, so waits (op:wait, queries, sleeps) work and show progress; Ctrl-C cancels the running
-- line, or the line being typed, and never the session; Ctrl-D leaves. Expressions print without
-- `return`; query results print as a grid, lists of resources as tables, other tables nested with
-- sorted keys and null shown. `client` is the
-- default client (configured like scripts; --local points it at an embedded emulator).
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local errors = require "lakebase.base.errors"
local redact = require "lakebase.base.redact"
local json = require "lakebase.base.json"

local M = {}

-- Pretty printing -----------------------------------------------------------------------------

local function key_text(k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") then return k end
  return "[" .. (type(k) == "string" and string.format("%q", k) or tostring(k)) .. "]"
end

local function show(v, indent, seen, depth)
  if v == json.null then return "null" end
  local t = type(v)
  if t == "string" then return string.format("%q", v):gsub("\\\n", "\\n") end
  if t ~= "table" then return tostring(v) end
  local mt = getmetatable(v)
  if mt and mt.__tostring and not mt.__index then return tostring(v) end
  if seen[v] then return "<cycle>" end
  if depth > 6 then return "{...}" end
  seen[v] = true
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "number" or ta == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  local name = mt and mt.__name
  if #keys == 0 then
    seen[v] = nil
    return (name and (name .. " ") or "") .. "{}"
  end
  local inner = indent .. "  "
  local parts = {}
  local n = #v
  for _, k in ipairs(keys) do
    local shown = show(v[k], inner, seen, depth + 1)
    if math.type(k) == "integer" and k >= 1 and k <= n then
      parts[#parts + 1] = inner .. shown
    else
      parts[#parts + 1] = inner .. key_text(k) .. " = " .. shown
    end
  end
  seen[v] = nil
  return (name and (name .. " ") or "") .. "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
end

-- Row sets and lists as tables ------------------------------------------------------------------

--- How results print: NULL as `null`, cells cut at max_width columns, the first max_rows rows
-- (LAKEBASE_REPL_MAX_ROWS and LAKEBASE_REPL_MAX_WIDTH change the two; 0 means no limit).
-- A malformed value is refused when the command line starts (grid_problem), so never used here.
local function grid_limit(var, default)
  local text = os.getenv(var)
  if text == nil or text == "" then return default end
  local n = text:match("^%d+$") and math.tointeger(tonumber(text))
  if not n then return nil, var .. " is '" .. text .. "': expected a whole number, 0 or more (0: no limit)" end
  return n == 0 and math.huge or n
end

function M.grid_options()
  return { null = "null", max_rows = grid_limit("LAKEBASE_REPL_MAX_ROWS", 50) or 50,
    max_width = grid_limit("LAKEBASE_REPL_MAX_WIDTH", 40) or 40 }
end

--- The message naming a malformed LAKEBASE_REPL_MAX_ROWS or LAKEBASE_REPL_MAX_WIDTH, or nil.
function M.grid_problem()
  local _, rows = grid_limit("LAKEBASE_REPL_MAX_ROWS", 50)
  local _, width = grid_limit("LAKEBASE_REPL_MAX_WIDTH", 40)
  return rows or width
end

-- A row set of lakebase.pg as sql_render takes it: conn:statement's result as it is, conn:query's
-- rows (maps, with .fields and .command) by position. nil for anything else.
local function as_result(v)
  if type(v) ~= "table" or getmetatable(v) or type(v.command) ~= "string" or type(v.fields) ~= "table" then return nil end
  if type(v.rows) == "table" then return v end
  local rows = {}
  for i, row in ipairs(v) do
    local cells = {}
    for c, name in ipairs(v.fields) do cells[c] = row[name] end
    rows[i] = cells
  end
  return { fields = v.fields, types = v.types, rows = rows, command = v.command }
end

local function listed_kind(r)
  local mt = type(r) == "table" and getmetatable(r)
  local kind = mt and rawget(mt, "kind")
  return kind and require("lakebase.api.commands").COLUMNS[kind] and kind or nil
end

-- A list of resources of one kind (an array of them, or a listing iterator, which is drained up to
-- the row limit): the kind, the resources, and whether more were left out.
local function as_resource_list(v, max_rows)
  local kind = type(v) == "function" and require("lakebase.api.client").listing_kind(v)
  if kind then
    local items = {}
    for r in v do
      if #items >= max_rows then return kind, items, true end
      items[#items + 1] = r
    end
    return kind, items, false
  end
  if type(v) ~= "table" or getmetatable(v) or #v == 0 then return nil end
  kind = listed_kind(v[1])
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  if not kind or n ~= #v then return nil end
  for _, r in ipairs(v) do if listed_kind(r) ~= kind then return nil end end
  return kind, table.move(v, 1, math.min(#v, max_rows), 1, {}), #v > max_rows, #v
end

-- The grid of a row set, or the table of a list of resources; nil for other values.
local function grid_text(v, opts)
  opts = opts or M.grid_options()
  local r = as_result(v)
  if r then
    local out = {}
    require("lakebase.cli.sql_render").text(function(s) out[#out + 1] = s end, r, opts)
    return (table.concat(out):gsub("\n$", ""))
  end
  local kind, items, more, total = as_resource_list(v, opts.max_rows)
  if not kind then return nil end
  local text = require("lakebase.cli.postgres").table_text(kind, items)
  if more then
    text = text .. (total and string.format("... %d more\n", total - #items) or "... more not shown\n")
  end
  local n = total or #items
  local noun = require("lakebase.api.names").display(kind)
  if n ~= 1 then noun = noun .. (noun:match("[sh]$") and "es" or "s") end
  return text .. string.format("(%s%d %s)", more and not total and "first " or "", n, noun)
end

--- Text for a value, as the REPL prints it: row sets as a grid, lists of resources as a table, other
-- values nested. `opts` as grid_options gives them (the default).
function M.show(v, opts) return redact.text(grid_text(v, opts) or show(v, "", {}, 0)) end

-- Completion ----------------------------------------------------------------------------------

-- The fields a value offers: its own keys, then those of its metatable's __index tables.
local function fields_of(v, out)
  local depth = 0
  while type(v) == "table" and depth < 5 do
    for k in pairs(v) do if type(k) == "string" then out[k] = out[k] or rawget(v, k) end end
    local mt = getmetatable(v)
    v = mt and type(mt.__index) == "table" and mt.__index or nil
    depth = depth + 1
  end
  return out
end

--- Candidates completing `text` (such as "lakebase.sl" or "client:get_p") from the globals.
function M.complete(text)
  local path, sep, partial = text:match("^(.*)([.:])([%w_]*)$")
  local base
  if path then
    base = _G
    for part in path:gmatch("[^.:]+") do
      if type(base) ~= "table" then return {} end
      base = fields_of(base, {})[part]
    end
    if type(base) ~= "table" then return {} end
  else
    partial, path, sep, base = text, "", "", _G
  end
  local out = {}
  for k, val in pairs(fields_of(base, {})) do
    if k:sub(1, #partial) == partial and k:match("^[%a_][%w_]*$") and (sep ~= ":" or type(val) == "function") then
      out[#out + 1] = path .. sep .. k .. (type(val) == "function" and "(" or "")
    end
  end
  table.sort(out)
  return out
end

-- Reading -------------------------------------------------------------------------------------

local function read_line(prompt)
  core.repl_prompt(prompt)
  while true do
    local line = core.repl_feed()
    if line ~= nil then return line end
    local ok, err = pcall(sched.wait, core.watch(0, "r"))
    if not ok then error(err, 0) end
  end
end

-- Standard input that is not a terminal (a pipe, a file) is read here, without libedit, which
-- neither reads it line by line nor reports its end. Returns a read_line: the next line (a last
-- one without a newline too), or false at the end.
local unreadable = false  -- standard input could not be read: the REPL fails

local function input_reader()
  local stdin, buf, ended = core.repl_stdin(), "", false
  return function()
    while true do
      local nl = buf:find("\n", 1, true)
      if nl or (ended and buf ~= "") then
        local line = buf:sub(1, (nl or #buf + 1) - 1)
        buf = buf:sub((nl or #buf) + 1)
        return line
      end
      if ended then return false end
      local data, err = stdin:recv()
      if data then
        buf = buf .. data
      elseif err == "eof" then
        ended = true
      elseif err == "again" then
        sched.wait(core.watch(stdin, "r"))
      else  -- a closed or unreadable stdin ends the input, as a failure
        io.stderr:write("lakebase repl: cannot read standard input: ", err, "\n")
        unreadable = true
        return false
      end
    end
  end
end

-- Compiles the input: as an expression first (printed), then as statements. Returns the chunk,
-- or nil and "incomplete" when more lines are needed, or nil and the syntax error.
local function compile(src)
  local chunk = load("return " .. src, "=stdin", "t")
  if chunk then return chunk end
  local err
  chunk, err = load(src, "=stdin", "t")
  if chunk then return chunk end
  if err:match("<eof>$") then return nil, "incomplete" end
  return nil, err
end

--- Runs the REPL until end of input. opts.history: the history file. Returns true when a line
-- failed (an error, a syntax error, a statement left incomplete at the end): for input that is
-- not a terminal, the exit status says so.
function M.run(opts)
  opts = opts or {}
  local lb = require "lakebase"
  local ok, client = pcall(lb.default_client)
  _G.client = ok and client or nil
  -- Input from a pipe or a file: no banner and no prompts, only what the lines print.
  local terminal = core.isatty(0)
  local say = terminal and io.stdout or io.stderr
  if terminal then
    say:write("lakebase ", lb.version, " — Lua 5.4 on an event loop. Ctrl-C cancels a line, Ctrl-D quits.\n")
  end
  if ok and terminal then
    say:write("`client` is ready for ", client.host, ".\n")
  elseif not ok then
    say:write("No workspace configured (", errors.message(client), ");\n",
      "use lakebase.client{...}, or start with --local for an embedded emulator.\n")
  end
  local running  -- the task of the line being run
  local buffer   -- the lines of an unfinished statement
  local failed = false
  sched.on_signal = function(sig)
    if sig ~= "SIGINT" then return false end
    if running then
      running:cancel("interrupted by SIGINT")
    elseif not terminal then
      return false  -- waiting for piped input: ends the REPL as any program
    else  -- at the prompt: drop what was typed and start over
      buffer = nil
      core.repl_interrupt()
      core.repl_prompt("> ")
    end
    return true
  end
  if terminal then core.repl_open(opts.history, M.complete) end
  local closer <close> = setmetatable({}, { __close = function()
    sched.on_signal = nil
    if terminal then core.repl_close() end
  end })
  local next_line = not terminal and input_reader()
  while true do
    local line
    if terminal then line = read_line(buffer and ">> " or "> ") else line = next_line() end
    if line == false then
      if terminal then io.stdout:write("\n") end
      if buffer then
        io.stdout:write(select(2, load(buffer, "=stdin", "t")), "\n")
        failed = true
      end
      break
    end
    do
      buffer = buffer and (buffer .. "\n" .. line) or line
      local chunk, err = compile(buffer)
      if chunk or err ~= "incomplete" then
        buffer = nil
        if not chunk then
          io.stdout:write(err, "\n")
          failed = true
        else
          running = sched.spawn(chunk)
          local res = table.pack(pcall(running.join, running))
          running = nil
          if not res[1] then
            failed = true
            local e = res[2]
            if errors.is(e, "cancelled") then
              io.stdout:write("cancelled\n")
            else
              io.stdout:write("error: ", redact.text(tostring(e)), "\n")
            end
          else
            for i = 2, res.n do io.stdout:write(M.show(res[i]), "\n") end
          end
        end
      end
    end
  end
  return failed or unreadable
end

return M
