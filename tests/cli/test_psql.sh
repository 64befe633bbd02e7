#!/usr/bin/env bash
# `lakebase psql` against an emulator with real PostgreSQL computes: the endpoint picked as
# `databricks psql` picks it, what psql is given (a fake psql on PATH echoes its arguments and PG*
# variables, as the Databricks CLI's acceptance tests do), exit codes passed on, retries while a
# compute wakes up, bad command lines refused before any request; then the real psql, on a pipe
# and on a terminal, including a compute woken from zero.
set -u
LB=${1:?usage: test_psql.sh PATH_TO_LAKEBASE}
command -v psql >/dev/null || { echo "1..0 # skip: psql is not installed"; exit 0; }
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_pg_emulator psql-token-0123456789 --suspend-after 2 --op-latency 1  # INIT lasts at least 1 s
export HOME=$tmp/home
mkdir -p "$HOME" "$tmp/fake"
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
no_request_sent() { ! grep -q -e "GET http" -e "POST http" "$tmp/err"; }
"$LB" postgres create-project shop >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
EP=projects/shop/branches/production/endpoints/primary

# The fake: prints its arguments and PG* variables, appends a line to calls, and exits with
# $FAKE_EXIT after writing $FAKE_STDERR to stderr.
cat >"$tmp/fake/psql" <<'EOF'
#!/bin/bash
echo "args: $*"
for v in PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE; do echo "$v=${!v}"; done
echo call >>"$FAKE_CALLS"
[ -n "${FAKE_STDERR:-}" ] && echo "$FAKE_STDERR" >&2
exit "${FAKE_EXIT:-0}"
EOF
chmod +x "$tmp/fake/psql"
export FAKE_CALLS=$tmp/calls
fake() { : >"$FAKE_CALLS"; PATH="$tmp/fake:$PATH" run "$@"; }
calls() { [ "$(wc -l <"$FAKE_CALLS")" = "$1" ]; }
export -f calls
env_is() { grep -qx -- "$1" "$tmp/out"; }

port=$("$LB" postgres get-endpoint $EP -o json | "$LB" -e 'print(lakebase.json.decode(io.read("a")).status.hosts.port)')
sslmode=$("$LB" -e "print(lakebase.default_client():get('$EP'):pg_env().PGSSLMODE)")

fake psql $EP -- -c "SELECT 1"
check "full endpoint path: psql runs and exits 0" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qx 'args: -c SELECT 1' $tmp/out"
check "PGHOST and PGPORT are the endpoint's" bash -c "grep -qx 'PGHOST=127.0.0.1' $tmp/out && grep -qx 'PGPORT=$port' $tmp/out"
check "PGUSER is the caller's identity" env_is "PGUSER=emulator-user@example.com"
check "PGDATABASE is databricks_postgres" env_is "PGDATABASE=databricks_postgres"
check "PGSSLMODE follows the endpoint's rules ($sslmode)" env_is "PGSSLMODE=$sslmode"
pw=$(sed -n 's/^PGPASSWORD=//p' "$tmp/out")
check "PGPASSWORD is a credential, never in psql's arguments" bash -c "[ -n '$pw' ] && ! grep -q -- '$pw' <(grep '^args:' $tmp/out)"
check "the steps are said on stderr as the CLI says them" bash -c "grep -qx 'Project: shop' $tmp/err && grep -qx 'Branch: production' $tmp/err && grep -qx 'Endpoint: primary' $tmp/err && grep -q '^Connecting to read-write endpoint' $tmp/err"
"$LB" -e "local c = lakebase.pg.connect { host = '127.0.0.1', port = '$port', user = 'emulator-user@example.com', password = '$pw', dbname = 'databricks_postgres' } print(c:query_one('SELECT 6 * 7 AS x').x)" >"$tmp/out2" 2>&1
check "and the credential logs in" grep -qx 42 "$tmp/out2"

fake psql --project shop
check "--project alone: the only branch and endpoint are picked" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qx 'Branch: production' $tmp/err && grep -qx 'Endpoint: primary' $tmp/err && grep -qx 'args: ' $tmp/out"
fake psql
check "nothing at all: the only project is picked" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qx 'Project: shop' $tmp/err"
fake psql projects/shop --branch production --endpoint primary -- -p 5433 -d other
check "-p after -- is psql's (port), flags fill in the path" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qx 'args: -p 5433 -d other' $tmp/out"
cat >"$HOME/.databrickscfg" <<EOF
[dev]
host = $DATABRICKS_HOST
token = $DATABRICKS_TOKEN
EOF
(unset DATABRICKS_HOST DATABRICKS_TOKEN; fake psql $EP -p dev -- -p 5433)
check "-p before -- is the profile" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qx 'args: -p 5433' $tmp/out"

FAKE_EXIT=3 fake psql $EP
check "psql's exit status is passed on" bash -c "[ \$(cat $tmp/rc) = 3 ] && calls 1"
FAKE_EXIT=2 FAKE_STDERR='psql: error: connection to server failed: Connection refused' fake psql $EP --max-retries 2
check "exit 2 without a permanent reason is tried again, then exit 1" bash -c "[ \$(cat $tmp/rc) = 1 ] && calls 2"
check "saying so as the CLI does" bash -c "grep -q 'Connection attempt 1/2 failed, retrying in 1s' $tmp/err && grep -q 'failed to connect after 2 attempts' $tmp/err && grep -q 'Connection refused' $tmp/err"
FAKE_EXIT=2 FAKE_STDERR='psql: error: FATAL:  password authentication failed for user "x"' fake psql $EP
check "an authentication failure is not tried again (psql's exit 2)" bash -c "[ \$(cat $tmp/rc) = 2 ] && calls 1"
FAKE_EXIT=2 FAKE_STDERR='boom' fake psql $EP --max-retries 0
check "--max-retries 0: one attempt" bash -c "[ \$(cat $tmp/rc) = 2 ] && calls 1 && grep -q boom $tmp/err"

"$LB" postgres create-endpoint projects/shop/branches/production ro --no-wait \
  --json '{"spec": {"endpoint_type": "ENDPOINT_TYPE_READ_ONLY"}}' >/dev/null
fake psql projects/shop/branches/production/endpoints/ro
check "an endpoint still starting: exit 1, not ready" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'endpoint is not ready for accepting connections (state: INIT)' $tmp/err && calls 0"
fake psql --project shop
check "several endpoints: the read-write one, the others named" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qx 'Endpoint: primary (the read-write one; also ro: choose with --endpoint)' $tmp/err && grep -qx 'PGPORT=$port' $tmp/out && calls 1"
"$LB" postgres create-branch projects/shop dev --json '{"spec": {"no_expiry": true}}' >/dev/null
fake psql --project shop
check "several branches: the project's default, the others named" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qx 'Branch: production (the project'\\''s default; also dev: choose with --branch)' $tmp/err && calls 1"

# Bad command lines: exit 2, no request.
for bad in "my-instance|Lakebase Provisioned instances are not supported" \
  "--branch production|--project is required when using --branch or --endpoint" \
  "$EP --branch dev|--branch flag conflicts with branch in path: dev vs production" \
  "projects/|invalid resource path: missing project ID" \
  "projects/shop/branches/|invalid resource path: missing branch ID" \
  "projects/Shop|invalid project ID 'Shop'" \
  "projects/shop extra|at most one positional argument" \
  "$EP --max-retries -1|--max-retries needs a whole number" \
  "$EP -c select|unknown flag '-c'" \
  "--provisioned|Autoscaling endpoints only"; do
  args=${bad%%|*} want=${bad#*|}
  # shellcheck disable=SC2086
  fake psql $args --debug
  check "psql $args: exit 2, '$want'" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q -- \"$want\" $tmp/err && calls 0"
  check "  before any request" no_request_sent
done
PATH=/nonexistent run psql $EP
check "without psql on PATH: exit 1 saying how to install it" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'cannot run psql' $tmp/err && grep -q postgresql-client $tmp/err"

# The real psql.
run psql $EP -- -At -c "SELECT current_user || ' ' || 6 * 7"
check "real psql: runs the query as the caller" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qx 'emulator-user@example.com 42' $tmp/out"
run psql $EP -- -c "SELECT 1/0"
check "a failing statement: psql's exit status (1) and its error" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'division by zero' $tmp/err"
echo "SELECT 'from stdin';" | "$LB" psql $EP -- -At >"$tmp/out" 2>"$tmp/err"
check "psql reads our standard input" bash -c "grep -qx 'from stdin' $tmp/out"
printf 'SELECT 6 * 7 AS answer;\n\\q\n' | script -qec "$(printf '%q ' "$LB" psql $EP)" /dev/null >"$tmp/tty" 2>&1
check "on a terminal psql is interactive (its prompt shows)" bash -c "grep -q 'databricks_postgres=>' $tmp/tty && grep -q ' 42' $tmp/tty"
sleep 4  # --suspend-after 2: the compute scales to zero
state=$("$LB" postgres get-endpoint $EP -o json | "$LB" -e 'print(lakebase.json.decode(io.read("a")).status.current_state)')
run psql $EP -- -At -c "SELECT 'awake'"
check "an idle compute ($state) is woken by the connection" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qx awake $tmp/out && grep -q 'idle, waking up' $tmp/err"
marker="sigterm_test_$$"  # its own: other tests running at the same time sleep in psql too
"$LB" psql $EP -- -c "SELECT pg_sleep(30) AS $marker" >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 1.5
kill -TERM $pid
start=$(date +%s)
wait $pid; echo $? >"$tmp/rc"
check "SIGTERM is passed to psql, which ends; lakebase ends with it" bash -c "[ \$(( \$(date +%s) - $start )) -lt 10 ] && [ \$(cat $tmp/rc) != 0 ]"
check "no psql is left running" bash -c "! pgrep -f '[s]${marker#s}' >/dev/null"  # [s]: not this check's own command line

finish
