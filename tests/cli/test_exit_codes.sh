#!/usr/bin/env bash
# Exit codes tell the truth: something left behind (a failed cleanup of an ephemeral branch, a
# failed lakebase.defer) exits 3 with a line saying so (not with --keep, which leaves things on
# purpose); an error in a task nobody joined is reported with its traceback and exits 1; error
# objects print through their __tostring; help is help (exit 0, on stdout), and --help documents
# every code.
set -u
LB=${1:?usage: test_exit_codes.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_emulator exit-token-0123456789 --op-latency 0.05
export HOME=$tmp
run() { timeout -s KILL 60 "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
"$LB" postgres create-project ex >/dev/null

# --- Left behind --------------------------------------------------------------------------------
run -e 'lakebase.defer(function() error("the cleanup broke") end, "the temp table")'
check "a failed lakebase.defer exits 3" rc_is 3
check "with the failure and one line saying why" \
  bash -c "grep -q 'cleanup of the temp table failed: .*the cleanup broke' $tmp/err && grep -q '^lakebase: exit status 3: left behind (not cleaned up):' $tmp/err && grep -q '^  the temp table$' $tmp/err"
run -e 'lakebase.defer(function() error("broke") end) os.exit(0)'
check "os.exit(0) does not hide it" rc_is 3
run -e 'lakebase.defer(function() end) lakebase.defer(function() lakebase.sleep(0.01) end)'
check "cleanups that succeed leave the status at 0" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ ! -s $tmp/err ]"
run -e 'lakebase.defer(function() error("broke") end) error("the workflow failed")'
check "a failed script that also left something behind exits 3" \
  bash -c "[ \$(cat $tmp/rc) = 3 ] && grep -q 'the workflow failed' $tmp/err && grep -q 'exit status 3' $tmp/err"

cat >"$tmp/protect.lua" <<'LUA'
-- An ephemeral branch that cannot be deleted at the end: it was made protected meanwhile.
local b = lakebase.default_client():get_project("ex"):create_branch(arg[1], { ttl = "3600s" }, { ephemeral = true }):wait()
b:update { is_protected = true }:wait()
print("made " .. b.name)
LUA
run run "$tmp/protect.lua" guarded
check "an ephemeral branch whose deletion fails exits 3, naming it" \
  bash -c "[ \$(cat $tmp/rc) = 3 ] && grep -q 'cleanup of projects/ex/branches/guarded failed' $tmp/err && grep -q '^  projects/ex/branches/guarded$' $tmp/err"
run --keep run "$tmp/protect.lua" kept
check "--keep leaves it on purpose: exit 0" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'kept projects/ex/branches/kept (--keep)' $tmp/err && ! grep -q 'left behind' $tmp/err"

# --- Tasks nobody joined ------------------------------------------------------------------------
cat >"$tmp/orphan.lua" <<'LUA'
local function deep() error("the background task broke") end
lakebase.spawn(function() lakebase.sleep(0.01) deep() end)
lakebase.sleep(0.2)
print("main finished")
LUA
run run "$tmp/orphan.lua"
check "an error in a task nobody joined exits 1" rc_is 1
check "and is reported with its traceback" \
  bash -c "grep -q 'main finished' $tmp/out && grep -q \"^lakebase: a task nobody joined failed: .*orphan.lua:1: the background task broke\" $tmp/err && grep -q 'stack traceback' $tmp/err && grep -q \"orphan.lua:1: in \" $tmp/err"
run -e 'local t = lakebase.spawn(function() error("seen") end) lakebase.sleep(0.05) print(pcall(t.join, t))'
check "a failed task that is joined later is not reported" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ ! -s $tmp/err ] && grep -q 'seen' $tmp/out"
run -e 'lakebase.spawn(function() lakebase.sleep(5) error("never") end)'
check "a task still running when the script ends is cancelled, not reported" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ ! -s $tmp/err ]"
run -e 'print(pcall(lakebase.all, { function() error("first") end, function() lakebase.sleep(1) end }))'
check "lakebase.all's failures are its caller's" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ ! -s $tmp/err ]"

# --- Error objects with __tostring --------------------------------------------------------------
run -e 'error(setmetatable({}, { __tostring = function() return "custom failure object" end }))'
check "an error object prints through its __tostring" \
  bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q '^lakebase: custom failure object' $tmp/err && ! grep -q 'error object is a' $tmp/err"
run -e 'lakebase.spawn(function() error(setmetatable({}, { __tostring = function() return "custom in a task" end })) end) lakebase.sleep(0.05)'
check "also from a task nobody joined" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'a task nobody joined failed: custom in a task' $tmp/err"
run -e 'error(setmetatable({}, { __tostring = function() error("no") end }))'
check "a __tostring that fails falls back to the type" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'error object is a table value' $tmp/err"

# --- Help ---------------------------------------------------------------------------------------
run auth --help
check "auth --help prints the auth usage on stdout, exit 0" \
  bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'auth describe' $tmp/out && [ ! -s $tmp/err ]"
run auth
check "auth without a command is a usage error (exit 2)" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'auth describe' $tmp/err"
run auth frobnicate
check "an unknown auth command is named (exit 2)" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"unknown command 'frobnicate'\" $tmp/err"
run --help
check "--help documents every exit status" \
  bash -c "grep -q '^  0 *success' $tmp/out && grep -q '^  1 *the script failed' $tmp/out && grep -q '^  2 *the command line is wrong' $tmp/out && grep -q '^  3 *something was left behind' $tmp/out && grep -q '^  130/143 *interrupted' $tmp/out"

finish
