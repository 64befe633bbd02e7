#!/usr/bin/env bash
# The REPL driven through a pseudo-terminal (script(1)): expressions printed without return,
# tables pretty-printed, multi-line input, tab completion, history across restarts (file mode
# 0600), a wait that completes, Ctrl-C cancelling a long wait without ending the session, Ctrl-D,
# and --local with a ready client.
set -u
LB=${1:?usage: test_repl.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
export HOME=$tmp
touch "$tmp/err"

# session ARGS... : feeds the input steps on stdin (each "sleep S" or text for printf) to
# `lakebase ARGS` under a pseudo-terminal; the terminal's output goes to $tmp/out.
session() {
  local steps=$1; shift
  local start=$(date +%s)
  bash -c "$steps" | timeout 60 script -qec "$(printf '%q ' "$LB" "$@")" /dev/null | tr -d '\r' >"$tmp/out"
  echo $? >"$tmp/rc"
  echo $(( $(date +%s) - start )) >"$tmp/took"
}

session "sleep 0.5; printf 'x = 40 + 2\nx\n'; sleep 0.3
  printf '{b = lakebase.json.null, a = {1, 2}}\n'; sleep 0.3
  printf 'for i = 1, 2 do\nprint(\"line \" .. i)\nend\n'; sleep 0.3
  printf 'lakebase.sle\t'; sleep 0.3; printf '0.2) return \"slept\"\n'; sleep 0.8
  printf 'lakebase.sleep(30)\n'; sleep 1; printf '\003'; sleep 0.5
  printf 'print(\"alive \" .. x)\n'; sleep 0.3
  printf 'print(\"from history \" .. 6 * 7)\n'; sleep 0.3; printf '\004'" repl
check "an expression prints without return" bash -c "grep -q '^42$' $tmp/out"
check "tables print nested with sorted keys and null" bash -c "tr -d ' \n' <$tmp/out | grep -q '{a={1,2},b=null}'"
check "multi-line input runs once complete" bash -c "grep -q '^>> end' $tmp/out && grep -q '^line 2$' $tmp/out"
check "a wait completes and prints its result" bash -c "grep -q '^\"slept\"$' $tmp/out"
check "Ctrl-C cancels the running line" grep -q 'cancelled' "$tmp/out"
check "and the session goes on" bash -c "grep -q '^alive 42$' $tmp/out"
check "Ctrl-D ends it with status 0, well before the 30 s wait" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \$(cat $tmp/took) -lt 20 ]"
check "tab completion completed lakebase.sle to lakebase.sleep(" grep -q '^lakebase.sleep(0.2)' "$tmp/.lakebase_history"
check "the history file is private" bash -c "[ \$(stat -c %a $tmp/.lakebase_history) = 600 ]"

session "sleep 0.5; printf '\033[A'; sleep 0.3; printf '\n'; sleep 0.5; printf '\004'" repl
check "history survives a restart (up-arrow recalls the last line)" bash -c "grep -q '^from history 42$' $tmp/out"

session "sleep 0.5; printf 'abc'; sleep 0.3; printf '\003'; sleep 0.5; printf '1 + 1\n'; sleep 0.3; printf '\004'" repl
check "Ctrl-C at the prompt drops the typed line" bash -c "grep -q '^2$' $tmp/out && ! grep -q 'abc1' $tmp/out"

session "sleep 1; printf 'client:create_project(\"repl\", {}):wait().name\n'; sleep 12; printf '\004'" --local
check "--local opens a REPL with a ready client" bash -c "grep -q 'client. is ready for http://127.0.0.1' $tmp/out && grep -q '\"projects/repl\"$' $tmp/out"

echo 'print("piped " .. 1 + 1)' | "$LB" >"$tmp/out" 2>&1
check "piped input that is not a terminal runs as a script" bash -c "grep -q '^piped 2$' $tmp/out"

# `lakebase repl` with input that is not a terminal. It used to hand the pipe to libedit, which
# neither ran the lines nor reported the end: nothing printed, and the REPL spun at full CPU
# forever on the closed pipe. Now the lines run as typed, without banner or prompts, and it ends
# at the end of input: status 0, or 1 when a line failed.
printf 'x = 6 * 7\nx\nfor i = 1, 2 do\nprint("line " .. i)\nend\nlakebase.sleep(0.1) return "slept"\nprint("last, no newline")' \
  | timeout 10 "$LB" repl >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "piped lines run one by one; the end of input ends the REPL with status 0" rc_is 0
check "their results print, with no banner or prompt" bash -c "[ \"\$(cat $tmp/out)\" = \"\$(printf '42\nline 1\nline 2\n\"slept\"\nlast, no newline')\" ]"
printf 'print(1)\nerror("boom")\nprint(2)\n' | timeout 10 "$LB" repl >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "a failing piped line is reported, the rest run, and the status is 1" bash -c "[ \$(cat $tmp/rc) = 1 ] && [ \"\$(cat $tmp/out)\" = \"\$(printf '1\nerror: stdin:1: boom\n2')\" ]"
printf 'function f(\n' >"$tmp/incomplete.lua"
timeout 10 "$LB" repl <"$tmp/incomplete.lua" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "input from a file; a statement left incomplete at its end is an error (status 1)" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q \"expected near <eof>\" $tmp/out"
timeout 10 "$LB" repl </dev/null >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "empty input (/dev/null, which cannot be polled) ends at once with status 0" rc_is 0
timeout 10 "$LB" repl <&- >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "a closed standard input: one line naming it, status 1, no traceback" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -qx 'lakebase repl: cannot read standard input: Bad file descriptor' $tmp/err && ! grep -q traceback $tmp/err"
timeout 10 "$LB" run - <&- >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "run - with a closed standard input: exit 2 saying why" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"cannot read the script from standard input: Bad file descriptor\" $tmp/err"
{ printf 'print("first")\n'; sleep 1; printf 'print("after a pause")\n'; } | timeout 10 "$LB" repl >"$tmp/out" 2>"$tmp/err"
check "a line written later to a pipe left open is read when it comes" bash -c "[ \"\$(cat $tmp/out)\" = \"\$(printf 'first\nafter a pause')\" ]"

# The grid's limits from the environment (rows shaped as conn:statement gives them).
grid='local r = {fields = {"n", "s"}, types = {23, 25}, rows = {}, command = "SELECT 5"}
for i = 1, 5 do r.rows[i] = {i, string.rep("x", 30)} end
print(require("lakebase.cli.repl").show(r))'
LAKEBASE_REPL_MAX_ROWS=2 LAKEBASE_REPL_MAX_WIDTH=10 "$LB" -e "$grid" >"$tmp/out" 2>&1
check "LAKEBASE_REPL_MAX_ROWS and _MAX_WIDTH limit the grid" bash -c "[ \"\$(sed -n '3p;5p;6p' $tmp/out)\" = \"\$(printf '  1  xxxxxxxxx…\n... 3 more rows\n(5 rows)')\" ]"
for var in LAKEBASE_REPL_MAX_ROWS LAKEBASE_REPL_MAX_WIDTH; do
  for bad in abc -3 1.5; do
    env $var=$bad "$LB" repl </dev/null >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
    check "$var=$bad is refused naming it (exit 2), not silently replaced by the default" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"$var is '$bad': expected a whole number\" $tmp/err"
  done
done
LAKEBASE_REPL_MAX_ROWS=0 "$LB" -e "$grid" >"$tmp/out" 2>&1
check "0 shows every row, default width 40" bash -c "[ \$(wc -l <$tmp/out) = 8 ] && grep -q '^  5  x\{30\}$' $tmp/out"

finish
