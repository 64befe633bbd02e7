# Shared by tests/cli/test_peers_*.sh (sourced, after lib.sh): node and the pinned packages,
# emulators on free loopback ports, and nothing left running afterwards.
#   peers_init LB     $tmp (PostgreSQL may traverse it), emulators' data under $tmp/t, clean-up trap
#   peers_install     npm ci in tests/peers when node_modules is missing or older than the lock
#   start_emu NAME [OPTIONS...]   an emulator (secrets from the environment, not argv): sets
#                     NAME_url and NAME_ca; output in $tmp/NAME.out
#   peers_node TAG SCRIPT         runs tests/peers/SCRIPT with the environment set by the caller
#   peers_result NAME TAG         shows that run's results and checks its exit status
#   nothing_left      the emulators stopped cleanly (exit 0, no sanitizer report), no PostgreSQL
#                     of this test running, and $tmp/t empty
peers_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
emus=()

peers_init() {
  LB=$(realpath "$1")
  tmp=$(mktemp -d)
  chmod 0711 "$tmp"  # PostgreSQL runs as 'postgres' when the tests run as root
  mkdir -m 0711 "$tmp/t" "$tmp/home"
  : >"$tmp/out"; : >"$tmp/err"
  export TMPDIR="$tmp/t"  # the emulators' temporary data directories go here
  # The clients see only what the tests set: no Databricks or PostgreSQL settings of the caller's.
  local v
  for v in $(compgen -e); do
    case $v in DATABRICKS_*|PG*|LAKEBASE_ENDPOINT|NODE_EXTRA_CA_CERTS) unset "$v" ;; esac
  done
  trap 'peers_stop; rm -rf "$tmp"' EXIT
}

# Stops the emulators (SIGTERM: a clean stop); emus_ok stays 1 if each exited 0 (sanitizer
# builds report leaks and errors through the exit status and stderr).
emus_ok=1
peers_stop() {
  local pid
  for pid in "${emus[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${emus[@]}"; do wait "$pid" 2>/dev/null || emus_ok=0; done
  emus=()
}

peers_install() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "not ok - node and npm are needed for the peer tests: scripts/bootstrap --deps installs them (Debian nodejs, npm)"
    exit 1
  fi
  local stamp="$peers_dir/node_modules/.lakebase-lock" want
  want=$(cat "$peers_dir/package.json" "$peers_dir/package-lock.json" | sha256sum | cut -d' ' -f1)
  # One npm ci at a time (ctest runs the peer tests in parallel); the stamp says which lock it installed.
  (
    flock 9
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
      local t0=$SECONDS
      if ! (cd "$peers_dir" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >"$tmp/npm.out" 2>&1; then
        echo "not ok - npm ci in tests/peers failed:"; cat "$tmp/npm.out"; exit 1
      fi
      echo "$want" >"$stamp"
      echo "# npm ci in tests/peers: $((SECONDS - t0)) s"
    fi
  ) 9>"$peers_dir/.npm-ci.lock" || exit 1
}

start_emu() {
  local name=$1; shift
  "$LB" emulator "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  emus+=($!)
  for _ in $(seq 300); do grep -q "listening on" "$tmp/$name.out" && break; sleep 0.05; done
  if ! grep -q "listening on" "$tmp/$name.out"; then
    echo "not ok - emulator $name did not start:"; cat "$tmp/$name.err"; exit 1
  fi
  printf -v "${name}_url" '%s' "$(sed -n 's/.*listening on //p' "$tmp/$name.out")"
  printf -v "${name}_ca" '%s' "$(sed -n 's/^postgres CA: //p' "$tmp/$name.out")"
}

# peers_node TAG SCRIPT: tests/peers/SCRIPT with the caller's environment (peers_init removed the
# shell's DATABRICKS_* and PG* settings) and an empty HOME (no ~/.databrickscfg), under a timeout;
# its output in $tmp/TAG.out, .err, .rc. Quiet, so that runs in parallel do not mix their lines.
peers_node() {
  local tag=$1 script=$2 t0=$SECONDS
  (cd "$peers_dir" && timeout 90 env HOME="$tmp/home" node "$script") >"$tmp/$tag.out" 2>"$tmp/$tag.err"
  echo $? >"$tmp/$tag.rc"
  echo "$((SECONDS - t0))" >"$tmp/$tag.secs"
}

# peers_result NAME TAG: the run's results and time, then `check NAME` on its exit status.
peers_result() {
  local name=$1 tag=$2
  grep -E '^(not )?ok |^# [0-9]' "$tmp/$tag.out" | sed 's/^/  /'
  echo "# $name: $(cat "$tmp/$tag.secs") s"
  cp "$tmp/$tag.out" "$tmp/out"; cp "$tmp/$tag.err" "$tmp/err"; cp "$tmp/$tag.rc" "$tmp/rc"
  check "$name" rc_is 0
}

nothing_left() {
  peers_stop
  if [ "$emus_ok" != 1 ] || cat "$tmp"/*.err | grep -q -e 'Sanitizer' -e 'runtime error'; then
    cat "$tmp"/*.err; return 1
  fi
  for _ in $(seq 50); do
    pgrep -f -- "$tmp/t" >/dev/null || break
    sleep 0.1
  done
  ! pgrep -f -- "$tmp/t" >/dev/null && [ -z "$(ls -A "$tmp/t")" ]
}
