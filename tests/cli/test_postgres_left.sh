#!/usr/bin/env bash
# scripts/postgres-left, the check scripts/test and the soak make after the tests: it reports the
# PostgreSQL servers whose sockets are under the run's own TMPDIR (a real one the emulator started
# there, and processes planted with a server's command line, nested or not), and passes over
# servers of other runs (a sibling directory, one a regular expression would confuse with it).
set -u
LB=${1:?usage: test_postgres_left.sh PATH_TO_LAKEBASE}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
chmod 0711 "$tmp"  # PostgreSQL runs as 'postgres' when the tests run as root
mkdir -m 0711 "$tmp/t" "$tmp/a.b" "$tmp/axb" "$tmp/t2"
export TMPDIR="$tmp/t"
planted=()
trap 'for p in "${planted[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
left() { "$root/scripts/postgres-left" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
# plant SOCKET_DIR: a process whose command line is a PostgreSQL server's with that socket directory.
plant() {
  bash -c "exec -a 'postgres -D $tmp/data -p 5999 -k $1 -c listen_addresses=' sleep 60" &
  planted+=("$!")
  sleep 0.2
}
unplant() { kill "${planted[@]}" 2>/dev/null; wait "${planted[@]}" 2>/dev/null; planted=(); }

plant "$tmp/axb/lbpg-other"
plant "$tmp/t2/lbpg-other"
left "$tmp/a.b"
check "servers of other runs are not this run's ('.' is not any character)" rc_is 0
left "$tmp/t"
check "nor of a directory that only starts like it" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qx 'no PostgreSQL server left running under $tmp/t' $tmp/out"

plant "$tmp/t/lbpg-planted"
left "$tmp/t/"
check "a server left under the run's directory fails the check" rc_is 1
check "  which lists it and says so" bash -c "grep -q -- '-k $tmp/t/lbpg-planted' $tmp/err && grep -q '^FAIL: .* outlived the tests' $tmp/err"
unplant
plant "$tmp/t/lakebase-soak.x/t/lbpg-nested"
left "$tmp/t"
check "and one deeper under it (a test's own TMPDIR inside the run's)" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q lbpg-nested $tmp/err"
unplant

# A real server: the emulator makes its socket directory in $TMPDIR.
start_pg_emulator left-token-0123456789
"$LB" postgres create-project shop >/dev/null 2>"$tmp/err"
# (pgrep from this script, not a bash -c, which would hold the pattern in its own command line)
running() { pgrep -f -- "$1" >/dev/null; }
check "the emulator's server has its socket directory in \$TMPDIR" running "-k $tmp/t/lbpg-"
left "$tmp/t"
check "the check reports it while it runs" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'bin/postgres -D $tmp/t/' $tmp/err"
kill "$emu"; wait "$emu" 2>/dev/null
left "$tmp/t"
check "and passes once the emulator has stopped it" rc_is 0
finish
