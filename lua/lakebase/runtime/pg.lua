--- PostgreSQL from scripts: libpq driven by the event loop, so connecting and every query yield
-- like any other wait and many connections work at once on one thread.
--
--   local conn <close> = lakebase.pg.connect { host=, port=, user=, password=, dbname=, sslmode= }
--   local rows = conn:query("SELECT id, label FROM items WHERE id > $1", 10)   -- rows[1].label
--   conn:exec("CREATE TABLE t (x int); INSERT INTO t VALUES (1)")              -- several statements
--   conn:transaction(function(tx) tx:query(...) end)                            -- rolled back on error
--
-- Values: booleans, integers, numbers, strings, and `pg.null` for SQL NULL. Parameters travel
-- apart from the SQL text ($1, $2, ...), so no value is ever parsed as SQL. Failures raise
-- lakebase.Error objects of kind "sql" with sqlstate, message, detail and hint.
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local errors = require "lakebase.base.errors"
local json = require "lakebase.base.json"

local M = {}
M.null = json.null

local Conn = {}
Conn.__index = Conn
Conn.__name = "lakebase.pg.Conn"

local function sql_error(e, sql)
  e = e or {}
  return errors.new { kind = "sql", sqlstate = e.sqlstate, detail = e.detail, hint = e.hint, severity = e.severity,
    message = (e.severity and (e.severity .. ": ") or "") .. (e.message or "query failed") ..
      (e.sqlstate and (" (SQLSTATE " .. e.sqlstate .. ")") or ""), retryable = false, sql = sql }
end

local function conn_error(raw, what)
  return errors.new { kind = "sql", message = what .. ": " .. raw:error_message(), retryable = false,
    sqlstate = "08006" }
end

local function wait_fd(raw, mode)
  sched.wait(core.watch(raw:socket(), mode))
end

local KEYWORDS = { host = true, hostaddr = true, port = true, user = true, password = true, dbname = true,
  sslmode = true, connect_timeout = true, application_name = true, options = true, sslrootcert = true,
  target_session_attrs = true }

--- Connects (yielding while libpq negotiates). opts: libpq keywords (host, port, user, password,
-- dbname, sslmode, connect_timeout, application_name, ...); `database` is accepted for dbname.
function M.connect(opts)
  if type(opts) ~= "table" then error("bad argument #1 to 'connect' (table expected, got " .. type(opts) .. ")", 2) end
  -- client_connection_check_interval (PostgreSQL 14+): a query whose client has gone away (a
  -- cancelled task closes its connection) is stopped within a second instead of running on.
  local params = { application_name = "lakebase", connect_timeout = "30",
    options = "-c client_connection_check_interval=1000" }
  for k, v in pairs(opts) do
    if k == "database" then k = "dbname" end
    if not KEYWORDS[k] then error("bad argument #1 to 'connect' (unknown connection option '" .. tostring(k) .. "')", 2) end
    if type(v) ~= "string" and type(v) ~= "number" then
      error("bad argument #1 to 'connect' (option '" .. k .. "' must be a string or number, got " .. type(v) .. ")", 2)
    end
    params[k] = tostring(v)
  end
  local raw = core.pg_connect(params)
  local ok, err = pcall(function()
    while true do
      local st = raw:connect_poll()
      if st == "ok" then return end
      if st == "failed" then
        error(conn_error(raw, "cannot connect to " .. (params.host or "localhost") .. ":" .. (params.port or "5432") ..
          " as " .. (params.user or "?")), 0)
      end
      wait_fd(raw, st == "read" and "r" or "w")
    end
  end)
  if not ok then
    raw:close()
    error(err, 0)
  end
  return setmetatable({ raw = raw, params = params }, Conn)
end

-- Sends, then collects every result; returns the results, or raises the first error once the
-- connection is ready again. A cancelled wait closes the connection (the server then stops the
-- query), since a half-read result would leave it unusable.
local function run(self, sql, params, positional)
  local raw = self.raw
  if raw:status() == "closed" then error(errors.new { kind = "sql", message = "the connection is closed" }, 3) end
  local ok, results = pcall(function()
    if not raw:send(sql, params) then error(conn_error(raw, "cannot send the query"), 0) end
    while true do
      local f = raw:flush()
      if f == 0 then break end
      if f < 0 then error(conn_error(raw, "cannot send the query"), 0) end
      wait_fd(raw, "w")
    end
    local out = {}
    while true do
      if raw:is_busy() then
        wait_fd(raw, "r")
        if not raw:consume() then error(conn_error(raw, "connection lost"), 0) end
      else
        local r = raw:get_result(M.null, positional)
        if r == nil then break end
        out[#out + 1] = r
      end
    end
    return out
  end)
  if not ok then
    if errors.is(results, "cancelled") then raw:close() end
    error(results, 0)
  end
  for _, r in ipairs(results) do
    if r.error then error(sql_error(r.error, sql), 0) end
  end
  return results
end

local function pack_params(fname, ...)
  local n = select("#", ...)
  local params = { n = n }
  for i = 1, n do
    local v = select(i, ...)
    local t = type(v)
    if v == nil or v == M.null then
      params[i] = nil
    elseif t == "string" then
      params[i] = v
    elseif t == "number" then
      params[i] = math.type(v) == "integer" and string.format("%d", v) or string.format("%.17g", v)
    elseif t == "boolean" then
      params[i] = v and "true" or "false"
    elseif t == "table" then
      params[i] = json.encode(v)  -- for json/jsonb parameters
    else
      error("bad argument #" .. (i + 1) .. " to '" .. fname .. "' (" .. t .. " cannot be a query parameter)", 3)
    end
  end
  return params
end

--- Runs one statement with parameters $1, $2, ... Returns its rows (an array of {column = value};
-- rows.fields lists the column names in order; rows.affected counts changed rows for DML).
function Conn:query(sql, ...)
  if type(sql) ~= "string" then error("bad argument #1 to 'query' (SQL string expected, got " .. type(sql) .. ")", 2) end
  local results = run(self, sql, pack_params("query", ...))
  local r = results[#results]
  local rows = r.rows
  rows.fields, rows.affected, rows.command = r.fields, r.affected, r.command
  return rows
end

--- Runs one SQL statement as written, without parameters (the extended protocol, so a second
-- statement is refused and CREATE DATABASE works), and returns its result with the columns by
-- position: {fields = {names}, types = {type OIDs}, rows = {{value, ...}}, command = "INSERT 0 1",
-- affected = n}. Duplicate column names are kept. For tools that print any result.
function Conn:statement(sql)
  if type(sql) ~= "string" then error("bad argument #1 to 'statement' (SQL string expected, got " .. type(sql) .. ")", 2) end
  local results = run(self, sql, { n = 0 }, true)
  local r = results[#results]
  return { fields = r.fields, types = r.types, rows = r.rows, command = r.command, affected = r.affected }
end

--- The first row of a query, or nil.
function Conn:query_one(sql, ...)
  return self:query(sql, ...)[1]
end

--- Runs SQL text that may hold several statements (no parameters). Returns the last command tag
-- and its affected-row count.
function Conn:exec(sql)
  if type(sql) ~= "string" then error("bad argument #1 to 'exec' (SQL string expected, got " .. type(sql) .. ")", 2) end
  local results = run(self, sql, nil)
  local last = results[#results] or {}
  return last.command, last.affected
end

--- Runs fn(conn) inside BEGIN ... COMMIT; on any error (or cancellation) rolls back and raises it
-- again. Returns fn's results.
function Conn:transaction(fn)
  self:exec("BEGIN")
  local res = table.pack(pcall(fn, self))
  if res[1] then
    self:exec("COMMIT")
    return table.unpack(res, 2, res.n)
  end
  if self.raw:status() == "ok" then pcall(self.exec, self, "ROLLBACK") end
  error(res[2], 0)
end

function Conn:close() self.raw:close() end
M.Conn = Conn  -- for lakebase.types' test, which compares the annotations with the methods
Conn.__close = Conn.close
function Conn:__tostring()
  return string.format("lakebase.pg.Conn(%s@%s:%s/%s, %s)", self.params.user or "?", self.params.host or "localhost",
    self.params.port or "5432", self.params.dbname or "?", self.raw:status())
end

return M
