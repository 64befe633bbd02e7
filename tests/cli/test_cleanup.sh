#!/usr/bin/env bash
# Cleanup that always happens: ephemeral resources and lakebase.defer run when the script ends
# normally, fails, or is interrupted (SIGINT/SIGTERM), with the deletions awaited; --keep leaves
# them; a second Ctrl-C or the end of the grace period exits at once and lists what was left.
# Checked against an emulator process, whose branches are listed after each run.
set -u
LB=${1:?usage: test_cleanup.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_emulator cleanup-token-0123456789 --op-latency 0.2
export HOME=$tmp
"$LB" postgres create-project cl >/dev/null
branches() { "$LB" postgres list-branches projects/cl -o json; }
branch_gone() { ! branches | grep -q "\"projects/cl/branches/$1\""; }
branch_there() { branches | grep -q "\"projects/cl/branches/$1\""; }

# A script that creates an ephemeral branch (no <close>: registered for the end of the run), then
# does $1: "error", "wait" or "ok".
cat >"$tmp/wf.lua" <<'LUA'
local c = lakebase.default_client()
local b = c:get_project("cl"):create_branch(arg[1], { ttl = "3600s" }):wait():ephemeral()
lakebase.defer(function() print("deferred cleanup ran") end)
print("created " .. b.name)
io.stdout:flush()
if arg[2] == "error" then error("the migration failed") end
if arg[2] == "wait" then lakebase.sleep(60) end
LUA
run_wf() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }

run_wf run "$tmp/wf.lua" b-ok ok
check "a finished script deletes its ephemeral branch" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'deleted projects/cl/branches/b-ok' $tmp/err"
check "the branch is gone" branch_gone b-ok
check "deferred cleanups ran" out_has "deferred cleanup ran"

run_wf run "$tmp/wf.lua" b-err error
check "a failing script exits 1 with its error" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'wf.lua:6: the migration failed' $tmp/err"
check "and still deletes its branch" branch_gone b-err

"$LB" run "$tmp/wf.lua" b-int wait >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q created "$tmp/out" && break; sleep 0.05; done
kill -INT $pid; wait $pid; echo $? >"$tmp/rc"
check "Ctrl-C mid-wait exits 130" rc_is 130
check "after deleting the branch" branch_gone b-int

"$LB" run "$tmp/wf.lua" b-term wait >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q created "$tmp/out" && break; sleep 0.05; done
kill -TERM $pid; wait $pid; echo $? >"$tmp/rc"
check "SIGTERM exits 143 after deleting the branch" bash -c "[ \$(cat $tmp/rc) = 143 ] && ! '$LB' postgres list-branches projects/cl | grep -q b-term"

run_wf --keep run "$tmp/wf.lua" b-keep error
check "--keep leaves the branch and says so" bash -c "grep -q 'kept projects/cl/branches/b-keep (--keep)' $tmp/err"
check "the kept branch is there" branch_there b-keep

cat >"$tmp/slow.lua" <<'LUA'
local c = lakebase.default_client()
c:get_project("cl"):create_branch(arg[1], { ttl = "3600s" }):wait():ephemeral()
lakebase.defer(function() lakebase.sleep(30) end, "a slow cleanup")
print("created")
io.stdout:flush()
lakebase.sleep(60)
LUA
"$LB" run "$tmp/slow.lua" b-twice >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q created "$tmp/out" && break; sleep 0.05; done
kill -INT $pid; sleep 0.5; kill -INT $pid; wait $pid; echo $? >"$tmp/rc"
check "a second Ctrl-C exits at once (130)" rc_is 130
check "listing what was left behind" bash -c "grep -q 'cleanup abandoned' $tmp/err && grep -q 'left behind' $tmp/err && grep -q 'a slow cleanup' $tmp/err && grep -q 'projects/cl/branches/b-twice' $tmp/err"

LAKEBASE_CLEANUP_GRACE=1 "$LB" run "$tmp/slow.lua" b-grace >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q created "$tmp/out" && break; sleep 0.05; done
start=$(date +%s)
kill -TERM $pid; wait $pid; echo $? >"$tmp/rc"
took=$(( $(date +%s) - start ))
check "cleanups get a bounded grace period (LAKEBASE_CLEANUP_GRACE)" bash -c "[ \$(cat $tmp/rc) = 143 ] && grep -q 'a slow cleanup' $tmp/err && [ $took -lt 10 ]"

for bad in 5m -1 inf; do
  LAKEBASE_CLEANUP_GRACE=$bad "$LB" -e 'print("ran")' >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
  check "LAKEBASE_CLEANUP_GRACE=$bad is refused before anything runs (exit 2, named)" \
    bash -c "[ \$(cat $tmp/rc) = 2 ] && [ ! -s $tmp/out ] && grep -q \"LAKEBASE_CLEANUP_GRACE is '$bad': expected a number of seconds\" $tmp/err"
done

finish
