#!/usr/bin/env bash
# `lakebase postgres ...` and `lakebase api ...` against an emulator process on loopback: every
# command kind, waiting and --no-wait + get-operation, pagination over several pages, update masks
# on the wire, output formats, and bad input refused before any request is sent.
set -u
LB=${1:?usage: test_postgres_cli.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_emulator cli-token-0123456789 --op-latency 0.3
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
json_field() { "$LB" -e 'local t = lakebase.json.decode(io.read("a")); for k in arg[1]:gmatch("[^.]+") do t = t[k] end print(t)' "$1" <"$tmp/out"; }
no_request_sent() { ! grep -q -e "GET http" -e "POST http" -e "PATCH http" -e "DELETE http" "$tmp/err"; }

run postgres create-project shop --json '{"spec": {"display_name": "Shop"}}' -o json
check "create-project waits and prints the project" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '\"name\":\"projects/shop\"' $tmp/out"
check "the project is there" bash -c "'$LB' postgres get-project projects/shop -o json | grep -q '\"display_name\":\"Shop\"'"

run postgres create-branch projects/shop dev --json '{"spec": {"ttl": "3600s"}}' --no-wait -o json
check "--no-wait returns the operation at once" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '\"done\":false' $tmp/out"
op=$(json_field name)
check "the operation is named under its branch" bash -c "[[ '$op' == projects/shop/branches/dev/operations/* ]]"
done_=false
for _ in $(seq 100); do
  run postgres get-operation "$op" -o json
  [ "$(json_field done)" = true ] && { done_=true; break; }
  sleep 0.1
done
check "get-operation follows it until done" [ "$done_" = true ]
check "the finished operation holds the branch" bash -c "[ \"\$('$LB' -e 'print(lakebase.json.decode(io.read(\"a\")).response.name)' <$tmp/out)\" = projects/shop/branches/dev ]"

for b in b1 b2 b3 b4; do "$LB" postgres create-branch projects/shop $b --json '{"spec": {"no_expiry": true}}' --no-wait >/dev/null; done
sleep 1
run -v postgres list-branches projects/shop --page-size 2 -o json
check "list follows every page" bash -c "[ \"\$('$LB' -e 'print(#lakebase.json.decode(io.read(\"a\")))' <$tmp/out)\" = 6 ]"
check "with page tokens on the wire" bash -c "[ \$(grep -c 'page_token=' $tmp/err) -ge 2 ]"
run postgres list-branches projects/shop -o text
check "text output is a table with a header" bash -c "head -1 $tmp/out | grep -q '^NAME  *CURRENT_STATE' && grep -q '^projects/shop/branches/b3 ' $tmp/out"
script -qec "$(printf '%q ' "$LB" postgres list-branches projects/shop)" /dev/null >"$tmp/tty" 2>&1
check "without -o, a table on a terminal" bash -c "head -1 $tmp/tty | grep -q '^NAME  *CURRENT_STATE' && grep -q '^projects/shop/branches/b3 ' $tmp/tty"
run postgres list-branches projects/shop
check "and the JSON array the Databricks CLI prints when read by a program" bash -c \
  "[ \"\$(jq -r '.[].name' $tmp/out | grep -c '^projects/shop/branches/')\" = 6 ] && head -1 $tmp/out | grep -qx '\\['"

run -v postgres update-branch projects/shop/branches/b1 --json '{"spec": {"is_protected": true}}' -o json
check "update computes the mask from --json" err_has "PATCH http.*/branches/b1?update_mask=spec.is_protected"
check "and waits for the updated branch" bash -c "grep -q '\"is_protected\":true' $tmp/out"
run -v postgres update-endpoint projects/shop/branches/production/endpoints/primary spec.autoscaling_limit_max_cu \
  --json '{"spec": {"autoscaling_limit_max_cu": 6, "autoscaling_limit_min_cu": 2}}' -o json
check "an explicit UPDATE_MASK is sent as given" err_has "update_mask=spec.autoscaling_limit_max_cu -> 200"
check "and only that field changes" bash -c "grep -q '\"autoscaling_limit_max_cu\":6' $tmp/out && grep -q '\"autoscaling_limit_min_cu\":1,' $tmp/out"

run postgres create-role projects/shop/branches/dev reader --json '{"spec": {"postgres_role": "reader", "auth_method": "NO_LOGIN"}}' -o json
check "create-role" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '\"postgres_role\":\"reader\"' $tmp/out"
run postgres create-database projects/shop/branches/dev app --json '{"spec": {"postgres_database": "app", "role": "projects/shop/branches/dev/roles/reader"}}'
check "create-database" rc_is 0
run postgres list-databases projects/shop/branches/dev -o text
check "list-databases" bash -c "grep -q '^projects/shop/branches/dev/databases/app ' $tmp/out"
run postgres generate-database-credential projects/shop/branches/production/endpoints/primary -o json
check "generate-database-credential prints a token and its expiry" bash -c "grep -q '\"token\":' $tmp/out && grep -q '\"expire_time\":' $tmp/out"

run postgres delete-database projects/shop/branches/dev/databases/app
check "delete waits and prints nothing" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ ! -s $tmp/out ]"
run postgres get-database projects/shop/branches/dev/databases/app
check "a deleted database is not found (exit 1)" rc_is 1
check "with the API's error on one line" bash -c "grep -q 'NOT_FOUND' $tmp/err && [ \$(wc -l <$tmp/err) = 1 ]"

run postgres create-branch projects/shop unbounded --json '{"spec": {"ttl": "60s"}}' --timeout 0 -o json
check "--timeout 0 waits without a limit, as the CLI's waiter reads 0" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \"\$(jq -r .status.current_state $tmp/out)\" = READY ]"
run postgres create-branch projects/shop slow --json '{"spec": {"ttl": "60s"}}' --timeout 0.1s
check "--timeout bounds the wait (exit 1)" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'did not finish within 0.1s' $tmp/err"

# Progress: one line on a terminal's stderr while waiting, none otherwise or with --quiet.
"$LB" emulator --no-postgres --token slow-token-0123456789 --op-latency 1.5 >"$tmp/slow.out" 2>&1 &
slow=$!
for _ in $(seq 100); do grep -q "listening on" "$tmp/slow.out" && break; sleep 0.05; done
slow_url=$(sed -n 's/.*listening on //p' "$tmp/slow.out")
tty_run() {  # runs lakebase ARGS under a pseudo-terminal; the terminal's output goes to $tmp/tty
  DATABRICKS_HOST=$slow_url DATABRICKS_TOKEN=slow-token-0123456789 script -qec "$(printf '%q ' "$LB" "$@")" /dev/null >"$tmp/tty" 2>&1
}
tty_run postgres create-project tty
check "on a terminal a progress line shows while waiting" grep -q 'waiting for 1 operation ([0-9]*s): projects/tty' "$tmp/tty"
line_cleared() { grep -q $'\r\e\\[K{' "$tmp/tty"; }  # erase-line, then the JSON result
check "and is cleared before the result" line_cleared
tty_run -q postgres create-project quiet
check "--quiet shows none" bash -c "! grep -q 'waiting for' '$tmp/tty'"
DATABRICKS_HOST=$slow_url DATABRICKS_TOKEN=slow-token-0123456789 "$LB" postgres create-project piped >"$tmp/out" 2>"$tmp/err"
check "nor does a stderr that is not a terminal" bash -c "[ ! -s '$tmp/err' ]"
kill $slow; wait $slow 2>/dev/null

# Bad input: exit 2 and no request.
run -v postgres create-branch projects/shop Bad_Id --json '{"spec": {"ttl": "60s"}}'
check "an invalid ID exits 2" rc_is 2
check "naming the ID and the rule" err_has 'invalid branch_id "Bad_Id": must start with a lowercase letter'
check "before any request" no_request_sent
run -v postgres create-branch projects/shop ok --json '{"spec": {"ttl": "sixty"}}'
check "an invalid spec value exits 2 before any request" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'spec.ttl' $tmp/err && ! grep -q 'POST http' $tmp/err"
run -v postgres update-branch projects/shop/branches/dev --json '{"spec": {"colour": "red"}}'
check "a field lakebase does not know is sent with a warning (the service may have gained it)" bash -c "grep -q 'warning: branch spec.colour is not known to this version of lakebase' $tmp/err && grep -q 'PATCH http.*update_mask=spec.colour' $tmp/err"
check "and the service's answer decides: the emulator refuses the unknown mask path (exit 1)" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'Unknown field path in update_mask: spec.colour' $tmp/err"
run -v postgres get-branch projects/shop/endpoints/x
check "a name of the wrong kind exits 2" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'a branch name such as projects/P/branches/B expected' $tmp/err"
# --json values given as another JSON type are converted as the Databricks CLI converts them.
run -v postgres create-branch projects/shop typed --json '{"spec": {"no_expiry": "yes", "is_protected": "off"}}' -o json
check "a boolean given as yes/off is sent as a boolean" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \"\$(jq -c '.status | [.expire_time, .is_protected]' $tmp/out)\" = '[null,false]' ]"
run -v postgres create-branch projects/shop typed2 --json '{"spec": {"no_expiry": "maybe"}}'
check "one that is no boolean word is refused, named, before any request" bash -c \
  "[ \$(cat $tmp/rc) = 2 ] && grep -q 'invalid value for spec.no_expiry: expected true or false, got \"maybe\"' $tmp/err" && no_request_sent
for bad in '"0x11"' '" 17"' '"17.0"' '"1e1"'; do
  run -v postgres create-project p$RANDOM --json "{\"spec\": {\"pg_version\": $bad}}"
  check "an integer written $bad is refused (as Go's ParseInt refuses it)" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'spec.pg_version' $tmp/err" && no_request_sent
done
run postgres update-endpoint projects/shop/branches/production/endpoints/primary spec.autoscaling_limit_max_cu --json '{"spec": {"autoscaling_limit_max_cu": "4.0"}}' -o json
check "a number written as a decimal string is sent as a number" bash -c "[ \"\$(jq .status.autoscaling_limit_max_cu $tmp/out)\" = 4 ]"
run postgres create-branch projects/shop x --json '{not json'
check "bad --json exits 2" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q -- '--json is not valid JSON' $tmp/err"
for arr in '[]' '[ ]' '[{}]'; do
  run -v postgres create-branch projects/shop x --json "$arr"
  check "--json $arr, an array, is refused: exit 2" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -qF -- '--json must be a JSON object, got $arr' $tmp/err"
  check "  before any request" no_request_sent
done
run -v postgres create-branch projects/shop x --json '{"spec": []}'
check "an empty array for the spec object is refused: exit 2" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -qF 'invalid value for spec: expected an object, got an array' $tmp/err"
check "  before any request" no_request_sent
# Hostile --json files: each refused (exit 2) naming what is wrong, nothing sent.
printf '{"spec": {"no_expiry": true}}\0{"spec": {"ttl": "1s"}}' >"$tmp/nul.json"
run postgres create-branch projects/shop nul --json @"$tmp/nul.json"
check "--json with a NUL byte (what follows it was silently dropped): refused at its position" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'NUL byte at character 30' $tmp/err" && no_request_sent
printf '{"spec": {"no_expiry": true, "x": "caf\xe9"}}' >"$tmp/latin1.json"
run postgres create-branch projects/shop latin1 --json @"$tmp/latin1.json"
check "--json that is not UTF-8 (Latin-1): refused at the byte" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'not UTF-8 at character 39' $tmp/err" && no_request_sent
printf '\xef\xbb\xbf{"spec": {"no_expiry": true}}' >"$tmp/bom.json"
run postgres create-branch projects/shop bom --json @"$tmp/bom.json"
check "--json starting with a byte order mark: refused, saying so" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'byte order mark' $tmp/err" && no_request_sent
run postgres create-branch projects/shop dir --json @"$tmp"
check "--json @DIRECTORY: refused naming the path" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"cannot read --json file $tmp: Is a directory\" $tmp/err" && no_request_sent
python3 -c 'print("[" + ",".join(["1"] * 300000) + "]")' >"$tmp/big.json"
run postgres create-branch projects/shop big --json @"$tmp/big.json"
check "--json a huge non-object: refused without echoing it all" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'must be a JSON object' $tmp/err && [ \$(wc -c <$tmp/err) -lt 1000 ]" && no_request_sent
run postgres list-projects --frobnicate
check "an unknown flag exits 2" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"unknown flag '--frobnicate'\" $tmp/err"
run postgres create-branch projects/shop x --timeout soon
check "a bad duration exits 2" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'needs a duration' $tmp/err"
# Beyond Go's int64 nanoseconds the Databricks CLI refuses a duration; this one was taken as "no limit".
run -v postgres create-branch projects/shop x --timeout 99999999999999999999h
check "a duration beyond 2562047h exits 2 naming it" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"needs a duration such as 90s, 20m or 1h30m, got '99999999999999999999h'\" $tmp/err"
check "  before any request" no_request_sent
run postgres no-such-command
check "an unknown command exits 2" rc_is 2
run postgres --help
check "--help lists the generated commands" bash -c "grep -q 'create-branch PARENT BRANCH_ID' $tmp/out && grep -q 'get-operation NAME' $tmp/out && grep -q 'list-databases PARENT' $tmp/out"

run api GET projects/shop/branches/dev
check "api GET prints the resource" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '\"branch_id\": \"dev\"' $tmp/out"
run api POST 'projects/shop/branches?branch_id=raw' --json '{"spec": {"ttl": "60s"}}'
check "api POST sends the body and query" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'projects/shop/branches/raw/operations/' $tmp/out"
run api GET /api/2.0/postgres/projects/nope
check "api errors exit 1 with the API's message" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'NOT_FOUND' $tmp/err"
run api FETCH projects
check "api with a bad method exits 2" rc_is 2

# `databricks current-user me -o json | jq -r .userName` is how connection recipes find PGUSER
run current-user me -o json
me_rc=$(cat $tmp/rc) me_user=$(json_field userName)
expected=$("$LB" -e 'print(lakebase.default_client():current_user())')
check "current-user me prints SCIM Me as JSON" bash -c "[ $me_rc = 0 ] && [ -n '$expected' ] && [ '$me_user' = '$expected' ]"
run current-user me --profile nope
check "current-user takes global flags after it" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q nope $tmp/err"
run current-user you
check "current-user with another verb exits 2 naming it" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"got 'you'\" $tmp/err"

unset DATABRICKS_HOST DATABRICKS_TOKEN
export HOME=$tmp/home  # no ~/.databrickscfg
run postgres list-projects
check "without configuration: exit 1 and what to set" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'no Databricks host configured: set DATABRICKS_HOST' $tmp/err"
run --local postgres list-projects -o json
check "--local runs a command against an embedded emulator" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \"\$(cat $tmp/out)\" = '[]' ]"

# The emulator refusing to start says why in one line (exit 1), and leaves its data as it was.
emu_port=$(sed -n "s/.*listening on http:\/\/127.0.0.1://p" "$tmp/emu.out")
timeout 10 "$LB" emulator --no-postgres --port "$emu_port" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "emulator on a port in use: exit 1, one line naming it, no traceback" bash -c "[ \$(cat $tmp/rc) = 1 ] && [ \$(wc -l <$tmp/err) = 1 ] && grep -q \"127.0.0.1:$emu_port: Address already in use\" $tmp/err"
for state in '{"resources": ' '"x"' '[1, 2]' '{"resources": "none"}'; do
  mkdir -p "$tmp/data"; printf '%s' "$state" >"$tmp/data/state.json"
  timeout 10 "$LB" emulator --no-postgres --data "$tmp/data" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
  check "emulator --data with state.json '$state': refused in one line naming it, the file kept" bash -c "[ \$(cat $tmp/rc) = 1 ] && [ \$(wc -l <$tmp/err) = 1 ] && grep -q \"cannot read $tmp/data/state.json\" $tmp/err && [ \"\$(cat $tmp/data/state.json)\" = '$state' ]"
done
rm -rf "$tmp/data"; mkdir -p "$tmp/data/state.json"
timeout 10 "$LB" emulator --no-postgres --data "$tmp/data" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "emulator --data with a directory as state.json: 'Is a directory'" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q \"cannot read $tmp/data/state.json: Is a directory\" $tmp/err"

finish
