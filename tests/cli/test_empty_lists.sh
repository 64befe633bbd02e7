#!/usr/bin/env bash
# An answer's empty list stays a list through the client: a failed operation's `error.details`,
# `[]` on the wire, prints as [] with -o json, -o yaml, pretty on a terminal and through
# `lakebase api`, never as the empty map {} (decoded JSON once lost the difference).
set -u
LB=${1:?usage: test_empty_lists.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_emulator empty-token-0123456789 --faults operror=1
export HOME=$tmp
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
# details_is_empty_list FORMAT FILE: the parsed file's error.details is [] (not {}).
details_is_empty_list() {
  python3 -c 'import json, sys, yaml
d = (json.load if sys.argv[1] == "json" else yaml.safe_load)(open(sys.argv[2]))
sys.exit(0 if d["done"] is True and d["error"]["details"] == [] else print(d) or 1)' "$1" "$2"
}

run postgres create-project shop --no-wait -o json
op=$("$LB" -e 'print(lakebase.json.decode(io.read("a")).name)' <"$tmp/out")
for _ in $(seq 100); do
  run postgres get-operation "$op" -o json
  grep -q '"done":true' "$tmp/out" && break
  sleep 0.05
done
check "the operation failed (the emulator fails every operation)" grep -q '"error_code":"INTERNAL_ERROR"' "$tmp/out"
check "get-operation -o json: details is []" out_has '"details":\[\]'
check "  as a JSON reader sees it" details_is_empty_list json "$tmp/out"
run postgres get-operation "$op" -o yaml
check "get-operation -o yaml: details: []" grep -qx '  details: \[\]' "$tmp/out"
check "  as a YAML reader sees it" details_is_empty_list yaml "$tmp/out"
script -qec "$(printf '%q ' "$LB" postgres get-operation "$op")" /dev/null >"$tmp/out" 2>&1
check "pretty JSON on a terminal: \"details\": []" grep -q '^    "details": \[\],' "$tmp/out"
run api get "$op" -o json
check "api get -o json: details is []" details_is_empty_list json "$tmp/out"
run api get "$op" -o yaml
check "api get -o yaml: details: []" details_is_empty_list yaml "$tmp/out"
finish
