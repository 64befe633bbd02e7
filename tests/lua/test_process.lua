-- Child processes: real programs, run without a shell, waited for on the event loop; stopped and
-- reaped when cancelled or timed out, and never left behind as zombies.
local T = require "testlib"
local lb = lakebase
local errors = lb.errors
local process = lb.process

local function gone(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if f then f:close() end
  return f == nil  -- neither running nor an unreaped zombie
end

-- Gone, or a zombie waiting for its (new) parent: a grandchild is reaped by init, not by us.
local function dead(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return true end
  local state = f:read("a"):match("%) (%a)")
  f:close()
  return state == "Z"
end

-- Gives a signalled process up to a second to be gone.
local function wait_dead(pid)
  for _ = 1, 100 do
    if dead(pid) then return end
    lb.sleep(0.01)
  end
end

-- The pid a child wrote to `path` (the child runs `echo $$ > path` first).
local function read_pidfile(path)
  for _ = 1, 500 do
    local f = io.open(path)
    local pid = f and tonumber(f:read("a"))
    if f then f:close() end
    if pid then return pid end
    lb.sleep(0.01)
  end
  error("the child never wrote " .. path)
end

-- The program this test runs in: lakebase, or valgrind's tool when scripts/test runs it there.
local function host_exe()
  local me = io.open("/proc/self/stat"):read("a"):match("^(%d+)")
  return (lb.exec { "readlink", "/proc/" .. me .. "/exe" }.stdout:gsub("\n$", ""))
end

-- Zombie children of this lakebase process, as "pid (name)" strings.
local function zombies()
  local f = assert(io.open("/proc/self/stat"))
  local me = f:read("a"):match("^(%d+)")
  f:close()
  local r = lb.exec { "sh", "-c", "cat /proc/[0-9]*/stat 2>/dev/null" }
  local found = {}
  for line in r.stdout:gmatch("[^\n]+") do
    local pid, name, state, ppid = line:match("^(%d+) %((.*)%) (%a) (%d+)")
    if ppid == me and state == "Z" then found[#found + 1] = pid .. " (" .. name .. ")" end
  end
  return found
end

T.test("exit codes and captured stdout and stderr", function()
  local r = lb.exec { "/bin/echo", "hello", "world" }
  T.eq(r.code, 0, "echo code") T.eq(r.ok, true, "echo ok") T.eq(r.signal, nil, "echo signal")
  T.eq(r.stdout, "hello world\n", "echo stdout") T.eq(r.stderr, "", "echo stderr")
  r = lb.exec { "/bin/sh", "-c", "echo out; echo err >&2; exit 7" }
  T.eq(r.code, 7, "sh code") T.eq(r.ok, false, "sh ok")
  T.eq(r.stdout, "out\n", "sh stdout") T.eq(r.stderr, "err\n", "sh stderr")
  r = lb.exec { "/bin/sh", "-c", "kill -TERM $$" }
  T.eq(r.code, nil, "signaled code") T.eq(r.signal, "TERM", "signal name") T.eq(r.ok, false, "signaled ok")
  r = lb.exec { "sh", "-c", "echo a; echo b >&2; echo c", stderr = "stdout" }
  T.eq(r.stdout, "a\nb\nc\n", "stderr merged into stdout") T.eq(r.stderr, "", "nothing left on stderr")
  r = lb.exec { "sh", "-c", "echo a; echo b >&2", stdout = "null", stderr = "null" }
  T.eq(r.stdout .. r.stderr, "", "null streams capture nothing")
end)

T.test("stdin text is fed to cat, also more than a pipe holds", function()
  T.eq(lb.exec { "cat", stdin = "line 1\nline 2" }.stdout, "line 1\nline 2", "small input")
  T.eq(lb.exec { "cat", stdin = "" }.stdout, "", "empty input")
  local big = string.rep("0123456789abcdef", 200000)  -- 3.2 MB both ways at once
  local r = lb.exec { "cat", stdin = big }
  T.eq(#r.stdout, #big, "bytes through cat") T.ok(r.stdout == big, "the same bytes")
  T.eq(lb.exec { "true", stdin = big }.code, 0, "input the child never reads is dropped")
end)

T.test("several MB on stdout and stderr at once without deadlock", function()
  local r = lb.exec { "head", "-c", "5000000", "/dev/zero" }
  T.eq(#r.stdout, 5000000, "stdout bytes")
  r = lb.exec { "sh", "-c", "head -c 3000000 /dev/zero >&2; head -c 3000000 /dev/zero" }
  T.eq(#r.stderr, 3000000, "stderr bytes") T.eq(#r.stdout, 3000000, "stdout bytes after stderr")
end)

T.test("env replaces the environment and cwd sets the directory", function()
  local r = lb.exec { "sh", "-c", 'echo "$FOO|$HOME"; pwd', cwd = "/tmp",
                      env = { FOO = "bar baz", PATH = os.getenv("PATH") } }
  T.eq(r.stdout, "bar baz|\n/tmp\n", "env and cwd")
  T.eq(lb.exec { "sh", "-c", 'printf %s "$HOME"' }.stdout, os.getenv("HOME") or "", "inherited by default")
  T.raises(function() lb.exec { "pwd", cwd = "/nonexistent/dir" } end,
    "cannot run 'pwd': cannot change directory to '/nonexistent/dir': No such file or directory", "bad cwd")
end)

T.test("user runs the child as another account, or says why it cannot", function()
  T.raises(function() lb.exec { "id", user = "no-such-user-lb" } end, "no such user 'no%-such%-user%-lb'",
    "an unknown account")
  local me = lb.exec { "id", "-u" }.stdout
  if me == "0\n" then
    -- Root drops everything: uid, gid and the supplementary groups (PostgreSQL runs this way).
    T.eq(lb.exec { "id", user = "nobody" }.stdout, lb.exec { "id", "nobody" }.stdout, "id as nobody")
  else
    T.raises(function() lb.exec { "id", user = "root" } end,
      "cannot run 'id' as user 'root': Operation not permitted", "not root")
  end
  T.raises(function() lb.exec { "pwd", cwd = "/etc/passwd" } end,
    "cannot change directory to '/etc/passwd': Not a directory", "a file as the directory")
end)

T.test("20 processes sleeping 0.5 s run concurrently", function()
  local fns = {}
  for i = 1, 20 do fns[i] = function() return lb.exec { "sleep", "0.5" }.code end end
  -- Forking under valgrind on a busy machine is slow: there, half the sequential time proves it.
  local limit = host_exe():find("valgrind") and 5 or 1.5
  local t0 = lb.now()
  local codes = { lb.all(fns) }
  T.between(lb.now() - t0, 0.5, limit, "elapsed seconds (10 s if one after another)")
  for i = 1, 20 do T.eq(codes[i], 0, "code " .. i) end
end)

T.test("a program that cannot run raises a clear process error", function()
  local err = T.raises(function() lb.exec { "no-such-program-lakebase" } end,
    "^cannot run 'no%-such%-program%-lakebase': No such file or directory$", "missing program")
  T.ok(errors.is(err, "process"), "a lakebase.Error of kind process")
  T.raises(function() lb.exec { "/etc/passwd" } end, "cannot run '/etc/passwd': Permission denied",
    "not executable")
  T.raises(function() process.spawn { "no-such-program-lakebase" } end, "cannot run", "spawn too")
end)

T.test("arguments reach the program verbatim, with no shell in between", function()
  local args = { "a b", "it's", '"quoted"', "$(echo hi)", "`id`", "x; echo injected", "$HOME", "*", "",
                 "tab\there", "back\\slash", "new\nline", "| cat", "&& true", ">file" }
  local r = lb.exec { "printf", "%s\n", table.unpack(args) }
  T.eq(r.stdout, table.concat(args, "\n") .. "\n", "printf output")
end)

--- Runs shell `script` (which writes its pid to "$1") under exec in a task, cancels the task and
-- returns the cancellation error, the child's pid and the seconds the cancellation took.
local function cancel_exec(script)
  local pidfile = os.tmpname()
  local task = lb.spawn(function() return lb.exec { "sh", "-c", script, "sh", pidfile } end)
  local pid = read_pidfile(pidfile)
  os.remove(pidfile)
  T.ok(not gone(pid), "the child runs")
  local t0 = lb.now()
  task:cancel()
  local err = T.raises(function() task:join() end, "cancelled", "join")
  return err, pid, lb.now() - t0
end

T.test("cancelling exec stops the child and reaps it", function()
  local err, pid, took = cancel_exec('echo $$ > "$1"; exec sleep 30')
  T.ok(errors.is(err, "cancelled"), "the cancellation is raised again")
  T.between(took, 0, 1.5, "seconds to stop")
  T.ok(gone(pid), "the child is gone and reaped")
end)

T.test("a child that ignores SIGTERM gets SIGKILL after 2 s", function()
  local _, pid, took = cancel_exec('trap "" TERM; echo $$ > "$1"; while :; do sleep 0.05; done')
  T.between(took, 1.9, 3, "seconds to stop")
  T.ok(gone(pid), "the child is gone and reaped")
end)

T.test("timeout stops the child and raises a timeout error with the output so far", function()
  local pidfile = os.tmpname()
  local t0 = lb.now()
  local err = T.raises(function()
    lb.exec { "sh", "-c", 'echo $$ > "$1"; echo partial; exec sleep 30', "sh", pidfile, timeout = 0.3 }
  end, "'sh' did not finish within 0.3s and was stopped", "exec")
  T.between(lb.now() - t0, 0.3, 1.5, "seconds")
  T.ok(errors.is(err, "timeout"), "kind timeout")
  T.eq(err.stdout, "partial\n", "output so far")
  local pid = read_pidfile(pidfile)
  os.remove(pidfile)
  T.ok(gone(pid), "the child is gone and reaped")
end)

T.test("check=true raises a process error naming the program, code and stderr", function()
  local err = T.raises(function()
    lb.exec { "sh", "-c", "echo noise >&2; echo 'relation does not exist' >&2; exit 3", check = true }
  end, "^'sh' exited with code 3: noise | relation does not exist$", "failing exec")
  T.ok(errors.is(err, "process"), "kind process")
  T.eq(err.code, 3, "code field") T.eq(err.stderr, "noise\nrelation does not exist\n", "stderr field")
  T.raises(function() lb.exec { "sh", "-c", "kill -KILL $$", check = true } end,
    "'sh' was killed by signal KILL", "a signal")
  T.eq(lb.exec { "true", check = true }.ok, true, "success passes")
end)

T.test("bad arguments are refused before anything starts", function()
  local cases = {
    { nil, "table expected, got nil" },
    { {}, "the program to run expected at index 1" },
    { { "echo", 42 }, "argument 2 must be a string, got number" },
    { { "echo", "a\0b" }, "argument 2 must not contain a NUL byte" },
    { { "echo", [4] = "x" }, "sequence without holes, found index 4" },
    { { "echo", stdot = "null" }, 'unknown option "stdot"' },
    { { "echo", env = { A = 1 } }, "env value of A must be a string, got number" },
    { { "echo", env = { ["A=B"] = "x" } }, "env name must be a non%-empty string without '=', got \"A=B\"" },
    { { "echo", stdout = "pipe" }, 'stdout must be "capture", "inherit" or "null", got "pipe"' },
    { { "echo", stdin = true }, "stdin must be the text to feed %(a string%) or nil, got boolean" },
    { { "echo", timeout = 0 }, "timeout must be a positive number of seconds, got 0" },
    { { "echo", check = "yes" }, "check must be a boolean, got string" },
  }
  for i, c in ipairs(cases) do
    local err = T.raises(function() lb.exec(c[1]) end, nil, "case " .. i)
    T.ok(err:find("^[^:]*test_process%.lua:%d+: bad argument #1 to 'exec' %(") and err:find(c[2]),
      "case " .. i .. " message: " .. err)
  end
  T.raises(function() process.spawn { "cat", stdin = "text" } end,
    'stdin must be "null", "pipe" or "inherit", got "text"', "spawn's stdin")
end)

T.test("spawn: write, read_line, read_all, close_stdin, wait", function()
  local p = process.spawn { "cat", stdin = "pipe" }
  T.ok(math.type(p.pid) == "integer" and p.pid > 0, "pid")
  T.eq(p:status(), "running", "status while running")
  p:write("first\nsecond\npartial")
  T.eq(p:read_line(), "first", "line 1")
  T.eq(p:read_line(), "second", "line 2")
  p:close_stdin()
  T.eq(p:read_line(), "partial", "the last line without a newline")
  T.eq(p:read_line(), nil, "end of file")
  T.eq(p:wait(), 0, "exit code")
  local what, code = p:status()
  T.eq(what .. " " .. code, "exited 0", "status after exit")
  local q = process.spawn { "sh", "-c", "echo one; echo two; echo oops >&2", stderr = "pipe" }
  T.eq(q:read_all(), "one\ntwo\n", "read_all stdout")
  T.eq(q:read_all("stderr"), "oops\n", "read_all stderr")
  T.eq(q:wait(), 0, "exit code")
  T.raises(function() q:write("x") end, "stdin of 'sh' is not a pipe", "write without a stdin pipe")
end)

T.test("spawn: kill sends signals and a dead process is not signalled", function()
  local p = process.spawn { "sleep", "30", stdout = "null" }
  T.eq(p:kill(), true, "kill")
  local code, sig = p:wait()
  T.eq(code, nil, "no exit code") T.eq(sig, "TERM", "signal")
  local ok, why = p:kill("KILL")
  T.eq(ok, false, "a second kill") T.eq(why, "the process has already exited", "why")
  T.raises(function() p:kill("NOPE") end, "signal name such as \"TERM\".* got 'NOPE'", "bad signal")
  local pidfile = os.tmpname()
  local g = process.spawn { "sh", "-c", 'sleep 30 & echo $! > "$1"; wait', "sh", pidfile,
                            stdout = "null", new_group = true }
  local grandchild = read_pidfile(pidfile)
  os.remove(pidfile)
  T.eq(g:kill("KILL"), true, "kill the group")
  T.eq(select(2, g:wait()), "KILL", "the leader was killed")
  wait_dead(grandchild)
  T.ok(dead(grandchild), "the rest of the group was killed too")
end)

T.test("pdeathsig: the child is signalled when lakebase itself dies", function()
  local exe = host_exe()
  if not exe:find("/lakebase$") then return print("# skipped: the host runs as " .. exe) end
  local pidfile = os.tmpname()
  local inner = process.spawn { exe, "-e", string.format([[
    local p = lakebase.process.spawn { "sleep", "30", stdout = "null", pdeathsig = "KILL" }
    local f = io.open(%q, "w") f:write(p.pid) f:close()
    lakebase.sleep(30)]], pidfile), stdout = "null" }
  local pid = read_pidfile(pidfile)
  os.remove(pidfile)
  T.ok(not dead(pid), "the grandchild runs")
  -- The signal comes from the inner lakebase's watchdog: its child, in a session of its own.
  local ps = lb.exec { "ps", "-o", "pid=,sid=,args=", "--ppid", tostring(inner.pid) }.stdout
  local watchdog, sid = ps:match("(%d+)%s+(%d+)%s+%S+ __watchdog\n")
  T.ok(watchdog, "the inner lakebase runs a watchdog: " .. ps)
  T.eq(sid, watchdog, "the watchdog leads a session of its own (Ctrl-C for the host does not end it)")
  inner:kill("KILL")
  T.eq(select(2, inner:wait()), "KILL", "the inner lakebase was killed")
  wait_dead(pid)
  T.ok(dead(pid), "its child got SIGKILL too")
  wait_dead(tonumber(watchdog))
  T.ok(dead(tonumber(watchdog)), "the watchdog ends once it has sent its signals")
  T.raises(function() process.spawn { "true", pdeathsig = "NOPE" } end,
    'pdeathsig must be a signal name.*got "NOPE"', "bad pdeathsig")
end)

T.test("waits can be repeated after a cancelled one, and several tasks may wait", function()
  local p = process.spawn { "sh", "-c", "sleep 0.2; exit 5", stdout = "null" }
  T.raises(function() lb.timeout(0.05, p.wait, p) end, "timed out", "first wait")
  T.eq(p:status(), "running", "still running")
  lb.sleep(0.4)  -- it exits and is reaped while nobody waits
  T.eq(select(2, p:status()), 5, "status kept")
  T.eq(p:wait(), 5, "wait again")
  local q = process.spawn { "sh", "-c", "sleep 0.2; exit 6", stdout = "null" }
  T.raises(function() lb.timeout(0.05, q.wait, q) end, "timed out", "first wait")
  T.eq(q:wait(), 6, "waiting again while it runs")
  local r = process.spawn { "sh", "-c", "sleep 0.2; exit 7", stdout = "null" }
  local first = lb.spawn(r.wait, r)
  local second = lb.spawn(r.wait, r)
  lb.sleep(0.05)
  first:cancel()  -- the second waiter takes over the watch
  T.eq(lb.spawn(r.wait, r):join(), 7, "a third waiter")
  T.eq(second:join(), 7, "the second waiter")
  T.raises(function() first:join() end, "cancelled", "the cancelled waiter")
end)

T.test("the core binding: status, handle result, errors naming the bad value", function()
  local core = require "lakebase.core"
  local p = core.spawn { argv = { "sh", "-c", "exit 4" } }
  T.eq(p:status(), "running", "running")
  local h = lb.spawn(function() return require("lakebase.runtime.sched").wait(p:handle()) end):join()
  T.eq(select(2, h:result()), 4, "handle result")
  T.eq(tostring(h):match("process"), "process", "handle kind")
  T.raises(function() core.spawn { argv = { "x" }, stdout = "file" } end,
    "field 'stdout' must be \"pipe\", \"null\" or \"inherit\", got 'file'", "mode")
  T.raises(function() core.spawn { argv = "ls" } end, "field 'argv' must be a table of strings, got string",
    "argv")
end)

T.test("the host's own descriptors do not leak into children", function()
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))  -- Lua opens files without O_CLOEXEC
  local r = lb.exec { "sh", "-c", "ls /proc/$$/fd" }
  f:close()
  os.remove(path)
  T.eq(r.stdout, "0\n1\n2\n", "descriptors in the child")
end)

T.test("no zombies are left behind", function()
  for _ = 1, 5 do process.spawn { "true", stdout = "null" } end  -- never waited for
  local p = process.spawn { "sh", "-c", "sleep 0.1", stdout = "null" }
  pcall(lb.timeout, 0.01, p.wait, p)  -- its handle is cancelled, then the object dropped
  p = nil
  collectgarbage()
  lb.sleep(0.3)
  T.eq(table.concat(zombies(), ", "), "", "zombie children")
end)

T.test("core.sha256 agrees with sha256sum on every padding boundary and a megabyte", function()
  local sha256 = require("lakebase.core").sha256
  local lengths = { 0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 1048576 }
  for _, n in ipairs(lengths) do
    local bytes = {}
    for i = 1, math.min(n, 256) do bytes[i] = string.char((i * 37 + n) % 256) end
    local data = string.rep(table.concat(bytes), math.ceil(n / 256)):sub(1, n)
    local want = process.exec { "sha256sum", stdin = data, check = true }.stdout:match("^(%x+)")
    T.eq(sha256(data), want, "sha256 of " .. n .. " bytes")
  end
end)

T.run()
