#!/usr/bin/env bash
# A script busy in code that never waits (a loop, a long computation) still answers Ctrl-C and
# SIGTERM: signals reach scripts through the event loop, which such code never returns to, so
# `timeout 30 lakebase run x.lua` used to run on for as long as the loop did. Now the running code
# is interrupted a second after the signal, cleanups run, and the exit status says which signal;
# code that keeps catching the interruption is ended five seconds later, as a second signal would.
set -u
LB=${1:?usage: test_busy_interrupt.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

# busy SIGNAL DELAY CODE: runs `lakebase -e CODE`, sends SIGNAL after DELAY seconds; records the
# status, output and how many seconds the process lived.
busy() {
  local sig=$1 delay=$2 code=$3 start
  start=$(date +%s.%N)
  "$LB" -e "$code" >"$tmp/out" 2>"$tmp/err" &
  local pid=$!
  sleep "$delay"
  kill -s "$sig" "$pid"
  # Never hang the suite: a process still there after 20 s is killed (and the test fails).
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
  wait "$pid"; echo $? >"$tmp/rc"
  echo "$(date +%s.%N) - $start" | bc >"$tmp/secs"
}
lived_under() { [ "$(echo "$(cat "$tmp/secs") < $1" | bc)" = 1 ]; }

busy INT 0.5 'local n = 0 while true do n = n + 1 end'
check "a busy loop ends on SIGINT with status 130" rc_is 130
check "saying why" err_has "interrupted by SIGINT while running code that never waits"
check "within a few seconds" lived_under 5

busy TERM 0.5 'while true do end'
check "and on SIGTERM with status 143" rc_is 143
check "saying so" err_has "interrupted by SIGTERM while running code that never waits"

busy INT 0.5 'lakebase.defer(function() print("cleanup ran") end) while true do end'
check "cleanups registered by the script still run" bash -c "grep -q 'cleanup ran' $tmp/out && [ \$(cat $tmp/rc) = 130 ]"

busy INT 0.5 'local gen = coroutine.wrap(function() while true do end end) gen()'
check "code busy inside the script's own coroutine is interrupted too" rc_is 130

busy INT 0.5 'while true do pcall(function() while true do end end) end'
check "code that catches every interruption is ended as a second signal would end it" rc_is 130
check "five seconds on" bash -c "[ \$(echo \"\$(cat $tmp/secs) >= 5\" | bc) = 1 ] && [ \$(echo \"\$(cat $tmp/secs) < 12\" | bc) = 1 ]"

busy INT 0.5 'lakebase.sleep(30)'
check "a waiting script is still interrupted at once, as before" bash -c "[ \$(cat $tmp/rc) = 130 ] && ! grep -q 'never waits' $tmp/err"
check "within a second" lived_under 2
finish
