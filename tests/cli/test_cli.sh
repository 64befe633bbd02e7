#!/usr/bin/env bash
# The command line as a user meets it: exit codes, one-line errors, tracebacks naming the script's
# file and line, script arguments, stdin scripts, os.exit, signals, and --verbose redaction.
set -u
LB=${1:?usage: test_cli.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
err_lines_are() { [ "$(wc -l <"$tmp/err")" = "$1" ]; }

run --version
check "--version prints the version and exits 0" rc_is 0
check "--version names lakebase" grep -q '^lakebase [0-9]' "$tmp/out"

run --help
check "--help exits 0" rc_is 0
check "--help documents run, -e and the exit codes" \
  bash -c "grep -q 'run FILE' '$tmp/out' && grep -q -- '-e CODE' '$tmp/out' && grep -q 'Exit status' '$tmp/out'"

run --frobnicate
check "an unknown flag exits 2" rc_is 2
check "an unknown flag gives one line naming it" bash -c "[ \$(wc -l <'$tmp/err') = 1 ] && grep -q \"unknown option '--frobnicate'\" '$tmp/err'"

run "$tmp/missing.lua"
check "a missing script exits 2" rc_is 2
check "a missing script gives one line naming the file" bash -c "[ \$(wc -l <'$tmp/err') = 1 ] && grep -q 'missing.lua: No such file' '$tmp/err'"

(cd "$tmp" && "$LB" database get-database-instance my-instance -o json >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc")
check "a 'databricks database' (Lakebase Provisioned) line exits 2 saying what lakebase manages" bash -c \
  "[ \$(cat $tmp/rc) = 2 ] && grep -q \"Lakebase Provisioned group\" $tmp/err && grep -q \"'lakebase postgres ...'\" $tmp/err"
printf 'print("a script called database")\n' >"$tmp/database"
(cd "$tmp" && "$LB" database >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc")
check "while a script called database still runs" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'a script called database' $tmp/out"

run -e
check "-e without code exits 2" rc_is 2

printf 'local x = 1\nx = = 2\n' >"$tmp/syntax.lua"
run run "$tmp/syntax.lua"
check "a syntax error exits 1" rc_is 1
check "a syntax error gives one line with file and line" bash -c "[ \$(wc -l <'$tmp/err') = 1 ] && grep -q 'syntax.lua:2:' '$tmp/err'"

cat >"$tmp/fails.lua" <<'LUA'
local function deeper()
  lakebase.sleep(0.01)
  error("workflow broke")
end
deeper()
LUA
run "$tmp/fails.lua"
check "a runtime error exits 1" rc_is 1
check "the error names the script's file and line" err_has "fails.lua:3: workflow broke"
check "the traceback names the calling line" err_has "fails.lua:5:"
check "the traceback leaves out the scheduler's frames" bash -c "! grep -q 'sched.lua' '$tmp/err'"

cat >"$tmp/args.lua" <<'LUA'
local a, b = ...
print(arg[0]:match("[^/]+$"), arg[1], arg[2], #arg, a, b, lakebase == require("lakebase"))
LUA
run run "$tmp/args.lua" one "two words"
check "script arguments are in arg and ..." out_is "args.lua	one	two words	2	one	two words	true"
run -e 'print(arg[1], ...)' x y
check "-e gets arguments too" out_is "x	x	y"

echo 'lakebase.sleep(0.01) print("from stdin")' | "$LB" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "a script piped on stdin runs" out_is "from stdin"

run -e 'local ok = pcall(lakebase.sleep, 0) os.exit(7)'
check "os.exit(7) exits 7" rc_is 7
run -e 'local t <close> = setmetatable({}, {__close = function() print("closed") end}) os.exit(true)'
check "os.exit runs pending cleanups first" bash -c "[ \"\$(cat '$tmp/rc')\" = 0 ] && grep -q closed '$tmp/out'"

# SIGINT mid-wait: the workflow's cleanup runs (and may wait), then the exit status is 130.
cat >"$tmp/sigint.lua" <<'LUA'
print("ready") io.stdout:flush()
local ok, err = pcall(lakebase.sleep, 30)
lakebase.sleep(0.05)  -- cleanup that waits
print("cleanup after " .. tostring(err.kind))
error(err, 0)
LUA
"$LB" "$tmp/sigint.lua" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do grep -q ready "$tmp/out" 2>/dev/null && break; sleep 0.1; done
kill -INT $pid
wait $pid; echo $? >"$tmp/rc"
check "SIGINT exits 130" rc_is 130
check "SIGINT lets the cleanup finish" grep -q "cleanup after cancelled" "$tmp/out"
check "SIGINT is reported in one line" bash -c "[ \$(wc -l <'$tmp/err') = 1 ] && grep -q 'interrupted by SIGINT' '$tmp/err'"

"$LB" -e 'print("ready") io.stdout:flush() lakebase.sleep(30)' >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do grep -q ready "$tmp/out" 2>/dev/null && break; sleep 0.1; done
kill -TERM $pid
wait $pid; echo $? >"$tmp/rc"
check "SIGTERM exits 143" rc_is 143

# --verbose logs requests with secrets redacted.
cat >"$tmp/verbose.lua" <<'LUA'
local srv = lakebase.httpd.serve { handler = function() return 200, {}, "ok" end }
lakebase.http.request { url = "http://127.0.0.1:" .. srv.port .. "/api?token=query-secret-abc&x=1",
  headers = { Authorization = "Bearer header-secret-xyz" } }
local ok, err = pcall(lakebase.http.request, { url = "http://127.0.0.1:1/?access_token=header-secret-xyz" })
print(tostring(err))
srv:close()
LUA
run -v "$tmp/verbose.lua"
check "--verbose logs method, URL and status" err_has "GET http://127.0.0.1:[0-9]*/api?token=\*\*\*&x=1 -> 200"
check "--verbose output and errors hold no secret" bash -c "! grep -q -e query-secret-abc -e header-secret-xyz '$tmp/err' '$tmp/out'"
LAKEBASE_DEBUG=1 "$LB" "$tmp/verbose.lua" >"$tmp/out" 2>"$tmp/err"
check "LAKEBASE_DEBUG=1 is the same as --verbose" err_has "GET http://127.0.0.1"

# The embedded modules are bytecode that keeps its debug information (src/embed_lua.c).
run -e 'lakebase.http.request(42)'
check "a traceback through an embedded module names its file and line" err_has "lua/lakebase/runtime/http.lua:[0-9][0-9]*: in upvalue 'check'"

# libcurl, libpq and libedit load on first use only (src/dynlib.h): not for a run that needs none.
maps='local m = io.open("/proc/self/maps"):read("a") print(m:match("libcurl") or m:match("libpq") or m:match("libedit") or "none")'
run -e "$maps"
check "a run without HTTP, SQL or REPL loads neither libcurl, libpq nor libedit" out_is "none"
run -e "pcall(lakebase.http.request, {url = 'http://127.0.0.1:1/'}) $maps"
check "the first HTTP request loads libcurl" out_is "libcurl"

# Development override of the embedded modules.
mkdir -p "$tmp/lua/lakebase"
printf 'return { hello = "from disk" }\n' >"$tmp/lua/lakebase/devcheck.lua"
LAKEBASE_LUA_DIR="$tmp/lua" "$LB" -e 'print(require("lakebase.devcheck").hello)' >"$tmp/out" 2>"$tmp/err"
check "LAKEBASE_LUA_DIR puts on-disk modules first" out_is "from disk"
run -e 'print(pcall(require, "lakebase.devcheck"))'
check "without it only embedded modules load" bash -c "grep -q false '$tmp/out'"

# Scripts name things with math.random: runs started together draw different numbers (without
# address randomisation, as under the sanitizers, Lua's own time-and-address seed repeats).
for k in 1 2 3 4 5; do "$LB" -e 'print(math.random(1 << 40))'; done >"$tmp/draws"
check "math.random differs between runs started in the same second" bash -c "[ \$(sort -u '$tmp/draws' | wc -l) = 5 ]"

finish
