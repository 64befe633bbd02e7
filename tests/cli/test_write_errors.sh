#!/usr/bin/env bash
# Output that cannot be written is a failure: a full device (/dev/full) or a closed stdout (>&-)
# gives "lakebase: write error: REASON" and exit 1 for scripts, -e code, `postgres` and `api`
# commands; a reader that went away (| head) stays quiet with the command's own status.
set -u
LB=${1:?usage: test_write_errors.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
start_emulator write-token-0123456789
"$LB" postgres create-project p1 >/dev/null 2>&1
# run_to TARGET ARGS...: runs lakebase with stdout sent to TARGET (a file, or - for closed).
run_to() {
  local target=$1; shift
  : >"$tmp/out"
  if [ "$target" = - ]; then "$LB" "$@" >&- 2>"$tmp/err"; else "$LB" "$@" >"$target" 2>"$tmp/err"; fi
  echo $? >"$tmp/rc"
}
full_error() { rc_is 1 && [ "$(cat "$tmp/err")" = "lakebase: write error: No space left on device" ]; }
closed_error() { rc_is 1 && [ "$(cat "$tmp/err")" = "lakebase: write error: Bad file descriptor" ]; }

echo 'print("from a script")' >"$tmp/script.lua"
cases=(
  "-e print:-e print('x')"
  "-e io.write:-e io.write('x')"
  "-e a large io.write:-e io.write(string.rep('x',100000))"
  "a script file:run $tmp/script.lua"
  "postgres list-projects:postgres list-projects"
  "postgres get-project -o json:postgres get-project projects/p1 -o json"
  "api GET:api GET projects"
)
for c in "${cases[@]}"; do
  name=${c%%:*}
  read -r -a args <<<"${c#*:}"
  [ "${args[0]}" = -e ] && args=(-e "${c#*:-e }")
  run_to /dev/full "${args[@]}"
  check "$name > /dev/full: 'write error: No space left on device', exit 1" full_error
  run_to - "${args[@]}"
  check "$name >&-: 'write error: Bad file descriptor', exit 1" closed_error
done
run_to /dev/full -e 'print("x") os.exit(3)'
check "a script's own non-zero status is kept, with the message" \
  bash -c "[ \$(cat $tmp/rc) = 3 ] && grep -q 'write error' $tmp/err"
run_to /dev/full postgres get-project projects/nope
check "an API failure keeps its own message and status" \
  bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q '^Error: ' $tmp/err"
# A closed stdout is not taken over by a descriptor opened later (a socket, the event loop's).
run_to - -e 'lakebase.sleep(0.01) local s = lakebase.net.listen("127.0.0.1", 0) print("to the socket?") s:close()'
check "a closed stdout stays closed for output, whatever is opened later" closed_error

"$LB" -e 'for i = 1, 200000 do print(i) end' 2>"$tmp/err" | head -1 >/dev/null
check "| head (EPIPE) after print: exit 0, nothing on stderr" bash -c "[ ${PIPESTATUS[0]} = 0 ] && [ ! -s $tmp/err ]"
"$LB" -e 'for i = 1, 200000 do io.write(i, "\n") end' 2>"$tmp/err" | head -1 >/dev/null
check "| head (EPIPE) after io.write: exit 0, nothing on stderr" bash -c "[ ${PIPESTATUS[0]} = 0 ] && [ ! -s $tmp/err ]"
# `true` has exited long before the answer arrives and is written: EPIPE.
"$LB" postgres list-projects -o json 2>"$tmp/err" | true
check "postgres list-projects | true: exit 0, nothing on stderr" bash -c "[ ${PIPESTATUS[0]} = 0 ] && [ ! -s $tmp/err ]"
"$LB" api GET projects 2>"$tmp/err" | true
check "api GET | true: exit 0, nothing on stderr" bash -c "[ ${PIPESTATUS[0]} = 0 ] && [ ! -s $tmp/err ]"
"$LB" -e 'print("fine")' >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "a normal run is unaffected" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \"\$(cat $tmp/out)\" = fine ] && [ ! -s $tmp/err ]"
finish
