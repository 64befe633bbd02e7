--- Child processes on the event loop, never through a shell. `exec` runs a program to completion,
-- reading its output while it runs; `spawn` starts one and returns a Process to talk to. Every
-- wait yields, so other tasks run meanwhile. A cancelled or timed-out exec stops its child
-- (SIGTERM, then SIGKILL after GRACE seconds) and reaps it before raising.
local core = require "lakebase.core"
local sched = require "lakebase.runtime.sched"
local errors = require "lakebase.base.errors"

local M = {}

local GRACE = 2  -- seconds a stopped child gets between SIGTERM and SIGKILL

-----------------------------------------------------------------------------------------------
-- Arguments: everything is checked before anything starts.

local OPTIONS = {
  exec = { env = true, cwd = true, stdin = true, stdout = true, stderr = true, timeout = true,
           check = true, new_group = true, pdeathsig = true, user = true },
  spawn = { env = true, cwd = true, stdin = true, stdout = true, stderr = true, new_group = true,
            pdeathsig = true, user = true },
}
local MODES = {  -- allowed values, the first is the default
  exec = { stdout = { "capture", "inherit", "null" }, stderr = { "capture", "inherit", "null", "stdout" } },
  spawn = { stdin = { "null", "pipe", "inherit" }, stdout = { "pipe", "null", "inherit" },
            stderr = { "inherit", "pipe", "null", "stdout" } },
}

-- Caught by `checked`, which raises it again at the line that called exec or spawn.
local function argerror(fname, msg)
  error({ argerror = "bad argument #1 to '" .. fname .. "' (" .. msg .. ")" }, 0)
end

local function quote(v)
  return type(v) == "string" and string.format("%q", v) or tostring(v)
end

local function one_of(list)
  local q = {}
  for i, v in ipairs(list) do q[i] = '"' .. v .. '"' end
  return table.concat(q, ", ", 1, #q - 1) .. " or " .. q[#q]
end

local function check_mode(fname, opts, name)
  local list = MODES[fname][name]
  local v = opts[name]
  if v == nil then return list[1] end
  for _, m in ipairs(list) do
    if v == m then return v end
  end
  argerror(fname, name .. " must be " .. one_of(list) .. ", got " .. quote(v))
end

local function check_string(fname, v, what)
  if type(v) ~= "string" then argerror(fname, what .. " must be a string, got " .. type(v)) end
  if v:find("\0", 1, true) then argerror(fname, what .. " must not contain a NUL byte, got " .. quote(v)) end
  return v
end

--- Returns the table for core.spawn, and the options only Lua handles.
local function check(fname, opts)
  if type(opts) ~= "table" then argerror(fname, "table expected, got " .. type(opts)) end
  local argv = {}
  local n = rawlen(opts)
  if n == 0 or rawget(opts, 1) == nil then
    argerror(fname, "the program to run expected at index 1, got nil")
  end
  for i = 1, n do argv[i] = check_string(fname, rawget(opts, i), "argument " .. i) end
  for k in pairs(opts) do
    if math.type(k) == "integer" and k >= 1 and k <= n then -- an argument
    elseif math.type(k) == "integer" then
      argerror(fname, "arguments must be a sequence without holes, found index " .. k .. " after " .. n)
    elseif not OPTIONS[fname][k] then
      argerror(fname, "unknown option " .. quote(k))
    end
  end
  local env  -- core.spawn takes "NAME=value" strings
  if opts.env ~= nil then
    if type(opts.env) ~= "table" then argerror(fname, "env must be a table of strings, got " .. type(opts.env)) end
    env = {}
    for k, v in pairs(opts.env) do
      if type(k) ~= "string" or k == "" or k:find("[=\0]") then
        argerror(fname, "env name must be a non-empty string without '=', got " .. quote(k))
      end
      env[#env + 1] = k .. "=" .. check_string(fname, v, "env value of " .. k)
    end
  end
  if opts.cwd ~= nil then check_string(fname, opts.cwd, "cwd") end
  if opts.user ~= nil then check_string(fname, opts.user, "user") end
  for _, k in ipairs { "check", "new_group" } do
    if opts[k] ~= nil and type(opts[k]) ~= "boolean" then
      argerror(fname, k .. " must be a boolean, got " .. type(opts[k]))
    end
  end
  local sig = opts.pdeathsig
  if sig ~= nil and (core.signal(sig) or 0) <= 0 then  -- 0 would mean "no signal"
    argerror(fname, "pdeathsig must be a signal name such as \"TERM\" or \"INT\", or a number, got " .. quote(sig))
  end
  local t = opts.timeout
  if t ~= nil and (type(t) ~= "number" or not (t > 0)) then
    argerror(fname, "timeout must be a positive number of seconds, got " .. quote(t))
  end
  local spec = { argv = argv, env = env, cwd = opts.cwd, new_group = opts.new_group, pdeathsig = sig,
                 user = opts.user,
                 stdout = check_mode(fname, opts, "stdout"), stderr = check_mode(fname, opts, "stderr") }
  local input
  if fname == "exec" then
    input = opts.stdin
    if input ~= nil and type(input) ~= "string" then
      argerror(fname, "stdin must be the text to feed (a string) or nil, got " .. type(input))
    end
    spec.stdin = input and "pipe" or "null"
    spec.stdout = spec.stdout == "capture" and "pipe" or spec.stdout
    spec.stderr = spec.stderr == "capture" and "pipe" or spec.stderr
  else
    spec.stdin = check_mode(fname, opts, "stdin")
  end
  return spec, input
end

local function checked(fname, opts)
  local ok, spec, input = pcall(check, fname, opts)
  if ok then return spec, input end
  if type(spec) == "table" and spec.argerror then error(spec.argerror, 3) end
  error(spec, 0)
end

-----------------------------------------------------------------------------------------------
-- Process objects.

local Process = {}
Process.__index = Process
Process.__name = "lakebase.process.Process"

function Process:__tostring()
  return "lakebase.process.Process(" .. self.argv[1] .. ", pid " .. self.pid .. ", "
    .. self._proc:status() .. ")"
end

local function procerror(self, what, reason)
  return errors.new { kind = "process", message = what .. " '" .. self.argv[1] .. "': " .. reason }
end

local function start(spec)
  local ok, proc = pcall(core.spawn, spec)
  if not ok then error(errors.new { kind = "process", message = tostring(proc), argv = spec.argv }, 0) end
  return setmetatable({ pid = proc:pid(), argv = spec.argv, stdin = proc:stdin(), stdout = proc:stdout(),
                        stderr = proc:stderr(), _proc = proc, _buf = {} }, Process)
end

--- Waits for the process to exit. Returns its exit code, or nil and the name of the signal that
-- ended it ("TERM", "KILL", ...). Several tasks may wait at once, and again after a cancelled wait.
function Process:wait()
  while self._proc:status() == "running" do
    if self._waiting then  -- one task waits on the handle (the scheduler allows one); others here
      self._waiting:wait()
    else
      local ev = sched.event()
      self._waiting = ev
      local ok, err = pcall(sched.wait, self._proc:handle())
      self._waiting = nil
      ev:fire()  -- also when cancelled: another waiter takes over
      if not ok then error(err, 0) end
    end
  end
  local what, v = self._proc:status()
  if what == "exited" then return v, nil end
  return nil, v  -- "signaled", and the signal's name
end

--- "running", or "exited", code, or "signaled", signal.
function Process:status()
  return self._proc:status()
end

--- Sends sig ("TERM" by default, "KILL", "INT", ... or a number); to its process group when
-- spawned with new_group. Returns true, or false and why (it has already exited, say).
function Process:kill(sig)
  local ok, sent, why = pcall(self._proc.kill, self._proc, sig)
  if not ok then error(sent, 2) end
  return sent, why
end

local function pipe_of(self, name)
  local sock = self[name]
  if sock == nil then
    error(name .. " of '" .. self.argv[1] .. "' is not a pipe (spawn it with " .. name .. '="pipe")', 3)
  end
  return sock
end

local function check_stream(stream, fname)
  if stream == nil then return "stdout" end
  if stream ~= "stdout" and stream ~= "stderr" then
    error("bad argument #1 to '" .. fname .. "' (\"stdout\" or \"stderr\" expected, got " .. quote(stream)
      .. ")", 3)
  end
  return stream
end

-- The next chunk from a pipe, or nil at end of file.
local function recv(self, name)
  local sock = pipe_of(self, name)
  while true do
    local data, err = sock:recv(65536)
    if data then return data end
    if err == "eof" then return nil end
    if err ~= "again" then error(procerror(self, "cannot read " .. name .. " of", err), 0) end
    sched.wait(core.watch(sock, "r"))
  end
end

--- The next line of stdout (or of `stream`, "stderr"), without its "\n"; nil at end of file.
function Process:read_line(stream)
  local name = check_stream(stream, "read_line")
  local buf = self._buf[name] or ""
  if not buf:find("\n", 1, true) then
    local parts = { buf }
    repeat
      local data = recv(self, name)
      parts[#parts + 1] = data
    until data == nil or data:find("\n", 1, true)
    buf = table.concat(parts)
  end
  local nl = buf:find("\n", 1, true)
  if nl == nil then  -- end of file: the last line may lack its "\n"
    self._buf[name] = ""
    return buf ~= "" and buf or nil
  end
  self._buf[name] = buf:sub(nl + 1)
  return buf:sub(1, nl - 1)
end

--- Everything left on stdout (or `stream`) up to end of file.
function Process:read_all(stream)
  local name = check_stream(stream, "read_all")
  local parts = { self._buf[name] or "" }
  self._buf[name] = ""
  for data in function() return recv(self, name) end do parts[#parts + 1] = data end
  return table.concat(parts)
end

--- Writes all of `data` to stdin, waiting while the pipe is full. Raises a "process" error when
-- the child has closed it ("Broken pipe").
function Process:write(data)
  if type(data) ~= "string" then
    error("bad argument #1 to 'write' (string expected, got " .. type(data) .. ")", 2)
  end
  local sock = pipe_of(self, "stdin")
  local from = 1
  while from <= #data do
    local n, err = sock:send(data, from)
    if n then
      from = from + n
    elseif err == "again" then
      sched.wait(core.watch(sock, "w"))
    else
      error(procerror(self, "cannot write to stdin of", err), 2)
    end
  end
end

--- Closes stdin, so the child reads end of file.
function Process:close_stdin()
  if self.stdin then self.stdin:close() end
end

--- Starts a program (no shell) and returns a Process at once. opts: the program and its
-- arguments at 1..n, env (the whole environment; nil inherits), cwd, stdin ("null" default,
-- "pipe", "inherit"), stdout ("pipe" default, "null", "inherit"), stderr ("inherit" default,
-- "pipe", "null", "stdout"), new_group (its own process group, which kill signals as a whole),
-- pdeathsig (a signal the child gets if lakebase dies first; Linux). An unread "pipe" fills up
-- and stalls the child.
function M.spawn(opts)
  return start((checked("spawn", opts)))
end

-----------------------------------------------------------------------------------------------
-- exec.

-- Stops a child: SIGTERM, SIGKILL if still alive GRACE seconds later, and reaps it.
local function terminate(p)
  if p._proc:status() ~= "running" then return end
  p._proc:kill("TERM")
  if pcall(sched.timeout, GRACE, Process.wait, p) then return end
  p._proc:kill("KILL")
  pcall(Process.wait, p)  -- if even this wait is interrupted, the loop still reaps the child
end

local function collect(p, name, parts)
  for data in function() return recv(p, name) end do parts[#parts + 1] = data end
end

local function feed(p, text)
  pcall(Process.write, p, text)  -- input a child never reads is dropped, not an error
  p:close_stdin()
end

local function stop_helpers(p, tasks)
  for _, t in ipairs(tasks) do t:cancel() end
  for _, t in ipairs(tasks) do pcall(t.join, t) end
  for _, name in ipairs { "stdin", "stdout", "stderr" } do
    if p[name] then p[name]:close() end
  end
end

-- The last lines of a program's output, on one line, for an error message.
local function tail(s)
  local lines = {}
  for line in s:gmatch("[^\n]+") do
    if line:find("%S") then lines[#lines + 1] = line:gsub("%s+$", "") end
  end
  local t = table.concat(lines, " | ", math.max(1, #lines - 2))
  return #t > 500 and ("..." .. t:sub(-500)) or t
end

local function exit_error(argv, r)
  local what = r.code and ("exited with code " .. r.code) or ("was killed by signal " .. r.signal)
  local t = tail(r.stderr ~= "" and r.stderr or r.stdout)
  return errors.new { kind = "process", argv = argv, code = r.code, signal = r.signal, stdout = r.stdout,
                      stderr = r.stderr,
                      message = "'" .. argv[1] .. "' " .. what .. (t ~= "" and (": " .. t) or "") }
end

--- Runs a program (no shell) and waits for it, reading its output meanwhile. opts: the program and
-- its arguments at 1..n, env, cwd, stdin (text to feed; nil: /dev/null), stdout and stderr
-- ("capture" default, "inherit", "null"; stderr also "stdout"), timeout (seconds), check (raise
-- a "process" error unless it exits 0), new_group (signal its whole process group when stopping),
-- pdeathsig (as for spawn).
-- Returns {code=, signal=, stdout=, stderr=, ok=}.
function M.exec(opts)
  local spec, input = checked("exec", opts)
  if sched.current() == nil or not coroutine.isyieldable() then
    error("lakebase: cannot wait outside a lakebase task", 2)
  end
  local p = start(spec)
  local out, err, readers = {}, {}, {}
  if p.stdout then readers[#readers + 1] = sched.spawn(collect, p, "stdout", out) end
  if p.stderr then readers[#readers + 1] = sched.spawn(collect, p, "stderr", err) end
  local helpers = { table.unpack(readers) }
  if input then helpers[#helpers + 1] = sched.spawn(feed, p, input) end  -- stopped, never joined
  local function finish()
    local code, signal = p:wait()
    for _, t in ipairs(readers) do t:join() end
    return code, signal
  end
  local ok, code, signal  -- on failure, code is the error
  if opts.timeout then
    ok, code, signal = pcall(sched.timeout, opts.timeout, finish)
  else
    ok, code, signal = pcall(finish)
  end
  if not ok then  -- cancelled, timed out, or a pipe failed: stop the child, then raise
    local failure = code
    terminate(p)
    stop_helpers(p, helpers)
    if errors.is(failure, "timeout") then
      failure = errors.new { kind = "timeout", argv = spec.argv, stdout = table.concat(out),
        stderr = table.concat(err),
        message = string.format("'%s' did not finish within %gs and was stopped", spec.argv[1], opts.timeout) }
    end
    error(failure, 0)
  end
  stop_helpers(p, helpers)
  local r = { code = code, signal = signal, stdout = table.concat(out), stderr = table.concat(err),
              ok = code == 0 }
  if opts.check and not r.ok then error(exit_error(spec.argv, r), 0) end
  return r
end

M.Process = Process
return M
