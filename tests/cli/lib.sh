# Shared by the command-line tests: `check NAME CONDITION...` counts and reports a result (showing
# the last command's output on failure); `finish` prints the totals and sets the exit status.
# Expects $tmp, with the last command's output in $tmp/out, $tmp/err and its status in $tmp/rc.
passed=0 failed=0

check() {
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok - $name"
  else failed=$((failed + 1)); echo "not ok - $name"; echo "  stdout: $(cat "$tmp/out")"; echo "  stderr: $(cat "$tmp/err")"; fi
}
rc_is() { [ "$(cat "$tmp/rc")" = "$1" ]; }
out_has() { grep -q -- "$1" "$tmp/out"; }
err_has() { grep -q -- "$1" "$tmp/err"; }
out_is() { [ "$(cat "$tmp/out")" = "$1" ]; }

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}

# start_emulator TOKEN [EMULATOR OPTIONS...]: a simulated-compute emulator process on a free port,
# stopped when the test exits (with $tmp removed); exports DATABRICKS_HOST and DATABRICKS_TOKEN.
start_emulator() {
  local token=$1; shift
  launch_emulator "$token" --no-postgres "$@"
}

# start_pg_emulator TOKEN [EMULATOR OPTIONS...]: the same with real PostgreSQL computes (for psql
# and SQL); stopping it stops every PostgreSQL server it started.
start_pg_emulator() {
  launch_emulator "$@"
}

launch_emulator() {
  local token=$1; shift
  "$LB" emulator --token "$token" "$@" >"$tmp/emu.out" 2>"$tmp/emu.err" &
  emu=$!
  trap 'kill $emu 2>/dev/null; wait $emu 2>/dev/null; rm -rf "$tmp"' EXIT
  for _ in $(seq 200); do grep -qs "listening on" "$tmp/emu.out" && break; sleep 0.05; done
  DATABRICKS_HOST=$(sed -n 's/.*listening on //p' "$tmp/emu.out")
  export DATABRICKS_HOST DATABRICKS_TOKEN=$token
}
