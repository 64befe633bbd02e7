#!/usr/bin/env bash
# -o yaml and -o csv against an emulator process: YAML that a real YAML parser (PyYAML) reads as
# the same data as -o json gives, for get, list, create, api and auth describe, with values that
# look like numbers, booleans or YAML syntax; CSV of the list commands that Python's csv module
# reads back as the JSON's fields (RFC 4180 quoting); csv refused where the output is not rows.
set -u
LB=${1:?usage: test_output_formats.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_emulator formats-token-0123456789
export HOME=$tmp
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
# same_data FILE_YAML FILE_JSON: PyYAML's reading of the one equals json's of the other.
same_data() {
  python3 -c 'import json, sys, yaml
a = yaml.safe_load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
sys.exit(0 if a == b and a is not None else print("yaml:", a, "\njson:", b) or 1)' "$1" "$2"
}

run postgres create-project shop --json '{"spec": {"display_name": "Shop, \"the\" one: #1"}}' -o yaml
check "create-project -o yaml exits 0" rc_is 0
cp "$tmp/out" "$tmp/created.yaml"
"$LB" postgres create-project p123 --json '{"spec": {"display_name": "123"}}' >/dev/null
"$LB" postgres create-project ptrue --json '{"spec": {"display_name": "true"}}' >/dev/null
"$LB" postgres create-branch projects/shop dev --json '{"spec": {"no_expiry": true}}' >/dev/null

run postgres get-project projects/shop -o json
cp "$tmp/out" "$tmp/get.json"
check "the created project's YAML reads back with its display name" python3 -c 'import sys, yaml
p = yaml.safe_load(open(sys.argv[1])); sys.exit(0 if p["name"] == "projects/shop" and p["status"]["display_name"] == "Shop, \"the\" one: #1" else 1)' "$tmp/created.yaml"
run postgres get-project projects/shop -o yaml
cp "$tmp/out" "$tmp/get.yaml"
check "get-project -o yaml reads back as -o json" same_data "$tmp/get.yaml" "$tmp/get.json"
check "  keys in order, nested maps indented" bash -c "grep -q '^name: projects/shop$' $tmp/get.yaml && grep -q '^  display_name: \"Shop, ' $tmp/get.yaml"
for p in p123 ptrue; do
  "$LB" postgres get-project projects/$p -o yaml >"$tmp/$p.yaml"
  "$LB" postgres get-project projects/$p -o json >"$tmp/$p.json"
  check "a display name '$p' that YAML would take for a number or boolean stays a string" same_data "$tmp/$p.yaml" "$tmp/$p.json"
done

"$LB" postgres list-projects -o yaml >"$tmp/list.yaml"
"$LB" postgres list-projects -o json >"$tmp/list.json"
check "list-projects -o yaml: the same list as -o json" same_data "$tmp/list.yaml" "$tmp/list.json"
check "  a sequence of maps" bash -c "grep -q '^- create_time: ' $tmp/list.yaml"
"$LB" postgres list-branches projects/shop -o yaml >"$tmp/branches.yaml"
"$LB" postgres list-branches projects/shop -o json >"$tmp/branches.json"
check "list-branches -o yaml as well" same_data "$tmp/branches.yaml" "$tmp/branches.json"
DATABRICKS_OUTPUT_FORMAT=yaml "$LB" postgres list-branches projects/shop >"$tmp/out"
check "DATABRICKS_OUTPUT_FORMAT=yaml chooses it" same_data "$tmp/out" "$tmp/branches.json"
"$LB" postgres list-snapshots projects/shop -o yaml >"$tmp/out"
check "an empty list is []" out_is "[]"

"$LB" api get projects/shop -o yaml >"$tmp/api.yaml"
"$LB" api get projects/shop -o json >"$tmp/api.json"
check "api -o yaml" same_data "$tmp/api.yaml" "$tmp/api.json"
"$LB" current-user me -o yaml >"$tmp/me.yaml"
"$LB" current-user me -o json >"$tmp/me.json"
check "current-user me -o yaml" same_data "$tmp/me.yaml" "$tmp/me.json"
"$LB" auth describe -o yaml >"$tmp/auth.yaml"
"$LB" auth describe -o json >"$tmp/auth.json"
check "auth describe -o yaml" same_data "$tmp/auth.yaml" "$tmp/auth.json"

# CSV where rows are rows: the list commands, a header of field paths.
run postgres list-projects -o csv
cp "$tmp/out" "$tmp/list.csv"
check "list-projects -o csv exits 0 with a header of field paths" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \"\$(head -1 $tmp/list.csv)\" = name,status.display_name,status.pg_version,status.default_branch ]"
check "  quoted as RFC 4180 says" grep -q '^projects/shop,"Shop, ""the"" one: #1",' "$tmp/list.csv"
check "  and Python's csv module reads the JSON's values back" python3 -c 'import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
want = [{"name": p["name"], "status.display_name": p["status"]["display_name"], "status.pg_version": str(p["status"]["pg_version"]),
         "status.default_branch": p["status"]["default_branch"]} for p in json.load(open(sys.argv[2]))]
sys.exit(0 if rows == want and len(rows) == 3 else print(rows, want) or 1)' "$tmp/list.csv" "$tmp/list.json"
run postgres list-branches projects/shop -o csv
check "an empty field for what a branch does not have" bash -c "grep -q '^projects/shop/branches/dev,READY,false,projects/shop/branches/production,$' $tmp/out"
run postgres list-snapshots projects/shop -o csv
check "an empty list: the header alone" out_is "name,status.source_branch,status.expire_time,status.full_size_bytes"
run postgres get-project projects/shop -o csv
check "csv where the output is not rows: exit 2, saying so, nothing sent" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"got 'csv' (csv is for the list commands)\" $tmp/err && [ ! -s $tmp/out ]"
run api get projects -o csv
check "api -o csv: exit 2" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'text, json or yaml' $tmp/err"
run postgres list-projects -o xml
check "an unknown format names the ones there are" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"text, json, yaml or csv, got 'xml'\" $tmp/err"
# The table is for a terminal: a name holding control characters (ESC sequences, CR, a line
# break, C1, a bidi override) is shown with them visible, one line per resource, aligned.
"$LB" postgres create-project evil --json "{\"spec\": {\"display_name\": \"a\\u001b]0;title\\u0007b\\u001b[2J\\r\\nc\\u009b\\u202ed \u00e9\"}}" >/dev/null
run postgres list-projects -o text
check "a table shows control characters in names as escapes" bash -c "grep -q '^projects/evil  *a\\\\x1B\]0;title\\\\x07b\\\\x1B\[2J\\\\r\\\\nc\\\\u009B\\\\u202Ed é  ' $tmp/out"
check "  none reaches the terminal" bash -c "! LC_ALL=C grep -q \$'[\\x01-\\x1f\\x7f]' $tmp/out && ! grep -q \$'\\xc2\\x9b' $tmp/out && ! grep -q \$'\\xe2\\x80\\xae' $tmp/out"
check "  one line per resource, columns aligned in characters" python3 -c 'import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
col = lines[0].index("PG_VERSION")
sys.exit(0 if len(lines) == 5 and all(l[col - 2:col] == "  " and l[col] != " " for l in lines) else print(lines) or 1)' "$tmp/out"
"$LB" postgres get-project projects/evil -o json >"$tmp/evil.json"
"$LB" postgres get-project projects/evil -o yaml >"$tmp/evil.yaml"
check "  while json and yaml keep the value itself" same_data "$tmp/evil.yaml" "$tmp/evil.json"
check "  (json escapes it as JSON does)" grep -q '"display_name": *"a\\u001b\]0;title\\u0007b' "$tmp/evil.json"

run postgres --help
check "--help lists yaml and csv" bash -c "grep -q 'text, json, yaml, or csv for lists' $tmp/out"

finish
