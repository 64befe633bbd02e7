# Shared by the tests that point the client at hostile_server.py (after lib.sh).
# start_hostile_server NAME [--tls CERT KEY]: starts one on a free loopback port, stopped when the
# test exits; sets $hostile_port.
hostile_pids=()
start_hostile_server() {
  local name=$1; shift
  python3 "$(dirname "${BASH_SOURCE[0]}")/hostile_server.py" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  hostile_pids+=($!)
  trap 'kill "${hostile_pids[@]}" 2>/dev/null; wait "${hostile_pids[@]}" 2>/dev/null; rm -rf "$tmp"' EXIT
  hostile_port=
  for _ in $(seq 100); do
    hostile_port=$(sed -n 's/^listening on //p' "$tmp/$name.out" 2>/dev/null)
    [ -n "$hostile_port" ] && return 0
    sleep 0.05
  done
  echo "the hostile server $name did not start: $(cat "$tmp/$name.err")" >&2
  exit 1
}

# bounded SECONDS MAX_KB CMD...: runs CMD like run() (stdout, stderr, status in $tmp) and records
# its wall time in $tmp/secs and its peak RSS in KB in $tmp/kb. A watchdog kills it once it runs
# longer than SECONDS or grows past MAX_KB (so a broken build cannot take the machine's memory);
# $tmp/killed then says which.
bounded() {
  local max_s=$1 max_kb=$2; shift 2
  : >"$tmp/killed"
  local t0 child="" rss
  t0=$(date +%s%N)
  /usr/bin/time -o "$tmp/time" -f %M "$@" >"$tmp/out" 2>"$tmp/err" &
  local timer=$!
  while kill -0 "$timer" 2>/dev/null; do
    [ -n "$child" ] || child=$(pgrep -P "$timer" | head -1)
    if [ -n "$child" ]; then
      rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$child/status" 2>/dev/null)
      if [ "${rss:-0}" -gt "$max_kb" ]; then echo "memory: ${rss} KB" >"$tmp/killed"; kill -9 "$child"; fi
      if [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt $(( max_s * 1000 )) ]; then
        echo "time" >"$tmp/killed"; kill -9 "$child"
      fi
    fi
    sleep 0.02
  done
  wait "$timer"; echo $? >"$tmp/rc"
  awk -v t0="$t0" -v t1="$(date +%s%N)" 'BEGIN { printf "%.2f\n", (t1 - t0) / 1e9 }' >"$tmp/secs"
  tail -1 "$tmp/time" >"$tmp/kb"
}
secs_under() { [ ! -s "$tmp/killed" ] && awk -v s="$(cat "$tmp/secs")" -v m="$1" 'BEGIN { exit !(s < m) }'; }
secs_over() { awk -v s="$(cat "$tmp/secs")" -v m="$1" 'BEGIN { exit !(s >= m) }'; }
kb_under() { [ ! -s "$tmp/killed" ] && [ "$(cat "$tmp/kb")" -lt "$1" ]; }
