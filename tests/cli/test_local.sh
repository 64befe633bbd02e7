#!/usr/bin/env bash
# `lakebase run --local`: the README's headline workflow against the embedded emulator, and the
# emulator's clean-up when the script fails or is interrupted: no PostgreSQL server and no
# temporary directory is left behind.
set -u
LB=${1:?usage: test_local.sh PATH_TO_LAKEBASE}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
chmod 0711 "$tmp"  # PostgreSQL runs as 'postgres' when the tests run as root
mkdir -m 0711 "$tmp/t"
export TMPDIR="$tmp/t"  # the emulator's temporary data directory goes here
trap 'pkill -KILL -f -- "$tmp/t" 2>/dev/null; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
# Nothing of the emulator left: no process under $TMPDIR, and $TMPDIR empty.
nothing_left() {
  for _ in $(seq 50); do
    pgrep -f -- "$tmp/t" >/dev/null || break
    sleep 0.1
  done
  ! pgrep -f -- "$tmp/t" >/dev/null && [ -z "$(ls -A "$tmp/t")" ]
}

timeout 300 "$LB" run --local "$root/scripts/examples/branch_workflow.lua" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
check "the branch workflow runs against the embedded emulator" rc_is 0
check "it branched, started a compute and migrated through psql" \
  bash -c "grep -q '^branched ' '$tmp/out' && grep -q ' is ACTIVE at 127.0.0.1:' '$tmp/out' && grep -q '1000 rows' '$tmp/out'"
check "it deleted its branch" err_has "^lakebase: deleted projects/demo/branches/ci-"
check "credentials never reach the output" bash -c "! grep -q -e lbpg_ '$tmp/out' '$tmp/err'"
check "the emulator stopped its servers and removed its data" nothing_left

cat >"$tmp/fails.lua" <<'LUA'
local c = lakebase.default_client()
c:create_project("boom", {}):wait()
error("migration failed on purpose")
LUA
timeout 120 "$LB" run --local "$tmp/fails.lua" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
check "a failing script under --local exits 1" rc_is 1
check "with its error and line" err_has "fails.lua:3: migration failed on purpose"
check "and leaves nothing running" nothing_left

cat >"$tmp/waits.lua" <<'LUA'
local c = lakebase.default_client()
c:create_project("waits", {}):wait()
print("ready")
io.stdout:flush()
lakebase.sleep(60)
LUA
"$LB" run --local "$tmp/waits.lua" >"$tmp/out" 2>"$tmp/err" &  # not under timeout(1), which signals its whole group again
pid=$!
for _ in $(seq 300); do grep -q ready "$tmp/out" 2>/dev/null && break; sleep 0.1; done
check "the script started its project" out_has ready
kill -INT "$pid"
wait "$pid"
echo $? >"$tmp/rc"
check "Ctrl-C under --local exits 130" rc_is 130
check "and still stops the emulator and its servers" nothing_left

finish
