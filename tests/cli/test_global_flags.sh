#!/usr/bin/env bash
# Global flags as the Databricks CLI takes its persistent flags: before the command or anywhere
# after it, in every spelling (-p NAME, --profile NAME, --profile=NAME, -ojson, -o=json), for
# postgres, api, auth, psql and query; never taken from a script's arguments or after `--`.
# DATABRICKS_OUTPUT_FORMAT, --debug/--log-level/--log-file/--log-format, -t, and --help listing them.
set -u
LB=${1:?usage: test_global_flags.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_emulator flags-token-0123456789
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
is_json_array() { "$LB" -e 'local t = lakebase.json.decode(io.read("a")) os.exit(type(t) == "table" and 0 or 1)' <"$tmp/out"; }

# A profile that reaches the emulator, and none in the environment.
mkdir -p "$tmp/home"
cat >"$tmp/home/.databrickscfg" <<EOF
[DEFAULT]
host = $DATABRICKS_HOST
token = wrong-token-0000000000

[dev]
host = $DATABRICKS_HOST
token = $DATABRICKS_TOKEN
EOF
export HOME=$tmp/home
unset DATABRICKS_HOST DATABRICKS_TOKEN
"$LB" -p dev postgres create-project shop >/dev/null 2>&1

for line in "postgres list-projects -p dev" "postgres list-projects --profile dev" "postgres list-projects --profile=dev" \
  "-p dev postgres list-projects" "--profile dev postgres list-projects" "postgres -p dev list-projects" \
  "postgres list-projects -pdev" "postgres list-projects -p=dev"; do
  # shellcheck disable=SC2086
  run $line
  check "profile: lakebase $line" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '\"name\": \"projects/shop\"' $tmp/out"
done
run postgres get-project projects/shop
check "without -p the DEFAULT profile is used (its token is refused: exit 1)" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q UNAUTHENTICATED $tmp/err"

run postgres get-project projects/shop -p dev -o json
check "-o json after the arguments" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '^{\"' $tmp/out"
for spelling in "--output json" "--output=json" "-ojson" "-o=json"; do
  # shellcheck disable=SC2086
  run postgres list-projects -p dev $spelling
  check "output spelt $spelling" is_json_array
done
DATABRICKS_OUTPUT_FORMAT=json "$LB" postgres list-projects -p dev >"$tmp/out" 2>"$tmp/err"
check "DATABRICKS_OUTPUT_FORMAT=json sets the default" is_json_array
DATABRICKS_OUTPUT_FORMAT=json "$LB" postgres list-projects -p dev -o text >"$tmp/out" 2>"$tmp/err"
check "-o text beats DATABRICKS_OUTPUT_FORMAT" bash -c "head -1 $tmp/out | grep -q '^NAME'"
DATABRICKS_OUTPUT_FORMAT=xml "$LB" postgres list-projects -p dev >"$tmp/out" 2>"$tmp/err"
check "an unknown DATABRICKS_OUTPUT_FORMAT is ignored, as the CLI ignores it (the default: JSON when piped)" bash -c "head -1 $tmp/out | grep -qx '\\['"
run postgres list-projects -p dev -o xml
check "-o xml exits 2 naming it" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"output must be text, json, yaml or csv, got 'xml'\" $tmp/err"

run postgres list-projects -p dev --debug
check "--debug after the arguments logs requests" err_has "GET http://127.0.0.1:[0-9]*/api/2.0/postgres/projects -> 200"
run postgres list-projects --log-level debug -p dev
check "--log-level debug does too" err_has "GET http.*/projects -> 200"
run postgres list-projects --log-level info -p dev
check "--log-level info does not" bash -c "! grep -q 'GET http' $tmp/err"
run postgres list-projects --log-level loud -p dev
check "a bad --log-level exits 2 naming it" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"got 'loud'\" $tmp/err"
run postgres list-projects -p dev --debug --log-file "$tmp/debug.log"
check "--log-file takes the log instead of stderr" bash -c "grep -q 'GET http.*/projects -> 200' $tmp/debug.log && ! grep -q 'GET http' $tmp/err"
run postgres list-projects -p dev --debug --log-format json
check "--log-format json writes JSON lines" bash -c "grep -q '^{\"level\":\"DEBUG\",\"msg\":\"GET http' $tmp/err"
run postgres list-projects -p dev -t prod
check "-t/--target (bundles) is accepted and ignored" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '\"name\": \"projects/shop\"' $tmp/out"

LAKEBASE_RETRY_TIMEOUT=soon "$LB" postgres list-projects -p dev >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "a malformed LAKEBASE_RETRY_TIMEOUT exits 2" rc_is 2
LAKEBASE_RETRY_TIMEOUT=soon "$LB" postgres list-projects -p dev --retry-timeout 30s >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "--retry-timeout after the command overrides it" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '\"name\": \"projects/shop\"' $tmp/out"
for bad in 0 2.5 1e999 ten; do
  LAKEBASE_MAX_REQUESTS=$bad "$LB" postgres list-projects -p dev >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
  check "a malformed LAKEBASE_MAX_REQUESTS=$bad exits 2 naming it, before any request" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"^lakebase: LAKEBASE_MAX_REQUESTS is '$bad': expected a whole number from 1 to 10000\" $tmp/err && [ ! -s $tmp/out ]"
done
run postgres list-projects -p dev --retry-timeout=never
check "a bad --retry-timeout exits 2 naming it" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q never $tmp/err"

run api get projects/shop -p dev -o json
check "api: lowercase method as in 'databricks api get', flags after" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '^{\"' $tmp/out"
run api post 'projects?project_id=other' --json '{"spec": {}}' --profile=dev
check "api post with --json and the profile after it" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'projects/other/operations/' $tmp/out"

run auth describe -p dev -o json
check "auth describe -p NAME -o json" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '\"profile\": \"dev\"' $tmp/out"

# Never from a script's arguments, nor after --.
printf 'print(table.concat(arg, " "))\n' >"$tmp/args.lua"
run run "$tmp/args.lua" -p dev -o json --debug
check "a script's own -p, -o and --debug stay its arguments" out_is "-p dev -o json --debug"
run "$tmp/args.lua" --profile x
check "also without 'run'" out_is "--profile x"
run postgres get-project -p dev -- projects/shop
check "after -- an argument is an argument" rc_is 0

run postgres list-projects -p dev --profil dev
check "a misspelt flag exits 2 naming it" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"unknown flag '--profil'\" $tmp/err"
run postgres list-projects -p
check "-p without its value exits 2" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"'-p' needs a value\" $tmp/err"
run postgres list-projects --local -o json
check "--local after the command" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \"\$(cat $tmp/out)\" = '[]' ]"
run postgres list-projects --local -p dev
check "--local with -p exits 2" rc_is 2

for cmd in "postgres list-projects" "postgres create-role" "api" "auth describe" "psql" "query"; do
  # shellcheck disable=SC2086
  run $cmd --help
  check "$cmd --help lists the global flags" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q -- '-p, --profile NAME' $tmp/out && grep -q -- '-o, --output FORMAT' $tmp/out && grep -q -- '--debug' $tmp/out"
done
run postgres --help
check "postgres --help lists them too" bash -c "grep -q -- '-p, --profile NAME' $tmp/out"
run --help
check "lakebase --help documents them" bash -c "grep -q -- '-p/--profile NAME' $tmp/out && grep -q DATABRICKS_OUTPUT_FORMAT $tmp/out"

finish
