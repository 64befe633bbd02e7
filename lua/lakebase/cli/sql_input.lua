--- The SQL inputs of `lakebase query`, gathered as the Databricks CLI's experimental postgres
-- query gathers them: every --file first, then each positional (a positional ending in .sql that
-- names an existing file is read as one), and standard input only when neither was given and it
-- is not a terminal. Each input must hold one statement: a ';' separating two is refused, except
-- inside quotes, identifiers, comments and dollar-quoted bodies.
local M = {}

local function usage(msg) error({ usage = msg }, 0) end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  if text == nil then return nil, "cannot read " .. path end
  return text
end

--- Returns the inputs {{sql=, source=}, ...} from `files` and `positionals`, reading `stdin` (a
-- function returning its text, or nil when it is a terminal) only when there is no other input.
function M.collect(files, positionals, stdin)
  local inputs = {}
  for _, path in ipairs(files) do
    local text, err = read_file(path)
    if not text then usage("read --file \"" .. path .. "\": " .. tostring(err)) end
    local sql = trim(text)
    if sql == "" then usage("--file \"" .. path .. "\" is empty") end
    inputs[#inputs + 1] = { sql = sql, source = "--file " .. path }
  end
  for i, arg in ipairs(positionals) do
    local done = false
    if arg:sub(-4) == ".sql" then
      local text, err = read_file(arg)
      if text then
        local sql = trim(text)
        if sql == "" then usage("positional \"" .. arg .. "\" is empty") end
        inputs[#inputs + 1] = { sql = sql, source = arg }
        done = true
      elseif err and not err:find("No such file", 1, true) then
        usage("read positional \"" .. arg .. "\": " .. err)
      end
    end
    if not done then
      local sql = trim(arg)
      if sql == "" then usage("argv[" .. i .. "] is empty") end
      inputs[#inputs + 1] = { sql = sql, source = "argv[" .. i .. "]" }
    end
  end
  if #inputs == 0 then
    if not stdin then usage("no SQL provided; pass a SQL string, use --file, or pipe via stdin") end
    local sql = trim(stdin() or "")
    if sql == "" then usage("no SQL provided") end
    inputs[1] = { sql = sql, source = "stdin" }
  end
  return inputs
end

-- The index after a quoted string or identifier opened at s[start] ('' and "" escape the quote).
local function skip_quoted(s, start, stop, q)
  local i = start + 1
  while i <= stop do
    if s:sub(i, i) == q then
      if s:sub(i + 1, i + 1) == q and i + 1 <= stop then i = i + 2 else return i + 1 end
    else
      i = i + 1
    end
  end
  return stop + 1
end

--- True when `sql` holds more than one statement: a ';' other than a trailing one, outside
-- strings, quoted identifiers, -- and /* */ comments and $tag$ bodies.
function M.multiple_statements(sql)
  local stop = #sql:gsub("[ \t\r\n]+$", "")
  local i = 1
  while i <= stop do
    local c = sql:sub(i, i)
    if c == ";" then
      if i < stop then return true end
      i = i + 1
    elseif c == "'" or c == '"' then
      i = skip_quoted(sql, i, stop, c)
    elseif c == "-" and sql:sub(i + 1, i + 1) == "-" and i + 1 <= stop then
      local nl = sql:find("\n", i + 2, true)
      i = (nl and nl <= stop) and nl or stop + 1
    elseif c == "/" and sql:sub(i + 1, i + 1) == "*" and i + 1 <= stop then
      local close = sql:find("*/", i + 2, true)
      i = (close and close + 1 <= stop) and close + 2 or stop + 1
    elseif c == "$" then
      local tag = sql:match("^%$([%a_][%w_]*)%$", i) or (sql:sub(i, i + 1) == "$$" and "")
      if tag then
        local body = i + #tag + 2
        local close = sql:find("$" .. tag .. "$", body, true)
        i = (close and close + #tag + 1 <= stop) and close + #tag + 2 or stop + 1
      else
        i = i + 1
      end
    else
      i = i + 1
    end
  end
  return false
end

M.MULTI_HINT = "\nThis command runs one statement per input. To run multiple statements:\n" ..
  "  - Pass each as a separate positional:  query \"SELECT 1\" \"SELECT 2\"\n" ..
  "  - Pass each in its own --file:         query --file q1.sql --file q2.sql"

--- Raises a usage error naming the first input that holds several statements.
function M.check_single(inputs)
  for _, u in ipairs(inputs) do
    if M.multiple_statements(u.sql) then
      usage(u.source .. ": input contains multiple statements (a ';' separates two or more statements)" .. M.MULTI_HINT)
    end
  end
end

return M
