#!/usr/bin/env bash
# `lakebase query` against an emulator with real PostgreSQL computes: the three output formats
# byte for byte (text table, JSON rows in column order, CSV quoted as RFC 4180 says), the format
# chosen by -o, DATABRICKS_OUTPUT_FORMAT or whether stdout is a terminal, inputs from arguments,
# files and stdin, one statement per input, several inputs on one session, SQL errors with their
# SQLSTATE, statement timeouts, targets, a compute woken from zero, bad input before any request.
set -u
LB=${1:?usage: test_query.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_pg_emulator query-token-0123456789 --suspend-after 2
export HOME=$tmp/home
mkdir -p "$HOME"
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
no_request_sent() { ! grep -q -e "GET http" -e "POST http" "$tmp/err"; }
out_eq() { printf '%s' "$1" | diff - "$tmp/out" >"$tmp/diff" || { cat "$tmp/diff"; return 1; }; }
"$LB" postgres create-project shop >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
EP=projects/shop/branches/production/endpoints/primary

run query "SELECT 1 AS n, 'x' AS label, NULL::int AS nothing, 1.5::float8 AS f UNION ALL SELECT 22, 'a|b', 3, 1e10" $EP -o text
check "text: an aligned table, a rule, NULL, and (N rows)" out_eq "n    label  nothing  f
---  -----  -------  ---
1    x      NULL     1.5
22   a|b    3        1e+10
(2 rows)
"
run query "SELECT 'one' AS only" --target $EP -o text
check "text: (1 row)" bash -c "tail -1 $tmp/out | grep -qx '(1 row)'"
run query "SELECT E'tab\\there' AS t, E'line\\nbreak' AS l" $EP -o text
check "text: tabs and line breaks are written as \\t and \\n" bash -c "sed -n 3p $tmp/out | grep -qF 'tab\\there  line\\nbreak'"
# Values and column names come from the database (any user's data): terminal escapes in them are shown, not sent.
esc=$'\x1b'
run query "SELECT E'a\\x1b]0;title\\x07b\\x1b[2J' AS \"col$esc[31m\", E'\\u009b\\u202e' AS c2" $EP -o text
check "text: escape sequences in values and names are shown as \\x1B, never sent to the terminal" bash -c "
  grep -qF 'col\\x1B[31m' $tmp/out && sed -n 3p $tmp/out | grep -qF 'a\\x1B]0;title\\x07b\\x1B[2J  \\u009B\\u202E' &&
  ! LC_ALL=C grep -q \$'[\\x01-\\x1f\\x7f]' $tmp/out && ! grep -q \$'\\xc2\\x9b' $tmp/out"
run query "SELECT E'\\x1b[2J'::int" $EP
check "a SQL error quoting a value shows its escapes (exit 1)" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -qF '\\x1B[2J' $tmp/err && ! LC_ALL=C grep -q \$'\\x1b' $tmp/err"

run query "SELECT 1 AS id, 'x' AS name, true AS ok, NULL AS nothing, '{\"k\": [1, 2]}'::jsonb AS doc, 9007199254740993 AS big, 'NaN'::float8 AS nan, '\\x0102ff'::bytea AS raw, 2.50::numeric AS price, 1 AS id" $EP -o json
check "json: keys in column order, types kept, json as JSON, big ints and NaN as strings, bytea base64" out_eq '[
{"id":1,"name":"x","ok":true,"nothing":null,"doc":{"k": [1, 2]},"big":"9007199254740993","nan":"NaN","raw":"AQL/","price":"2.50","id__2":1}
]
'
check "json: a repeated column name is renamed, with a warning" err_has "duplicate column names; renamed duplicates to <name>__N"
run query "SELECT 1 WHERE false" $EP -o json
check "json: no rows is []" out_eq '[]
'

run query "SELECT 'a,b' AS c1, 'say \"hi\"' AS c2, E'two\\nlines' AS c3, ' lead' AS c4, NULL AS c5, 'plain' AS c6" $EP -o csv
check "csv: RFC 4180 quoting; NULL is an empty field" out_eq 'c1,c2,c3,c4,c5,c6
"a,b","say ""hi""","two
lines"," lead",,plain
'

run query "CREATE TABLE items (id int, label text)" $EP -o text
check "a command prints its tag" out_eq "CREATE TABLE
"
run query "INSERT INTO items VALUES (1, 'a'), (2, 'b')" $EP -o json
check "json: a command is {command, rows_affected}" out_eq '{"command":"INSERT","rows_affected":2}
'
run query "UPDATE items SET label = 'c' WHERE id = 2" $EP -o csv
check "csv: a command writes nothing to stdout, its tag to stderr" bash -c "[ ! -s $tmp/out ] && grep -qx 'UPDATE 1' $tmp/err"

run query "SELECT count(*) AS n FROM items" $EP
check "piped stdout without -o: JSON" out_eq '[
{"n":2}
]
'
DATABRICKS_OUTPUT_FORMAT=csv "$LB" query "SELECT count(*) AS n FROM items" $EP >"$tmp/out" 2>"$tmp/err"
check "DATABRICKS_OUTPUT_FORMAT=csv" out_eq 'n
2
'
script -qec "$(printf '%q ' "$LB" query "SELECT count(*) AS n FROM items" $EP)" /dev/null >"$tmp/tty" 2>&1
check "on a terminal without -o: the table" bash -c "grep -q '^(1 row)' $tmp/tty"

printf "SELECT label FROM items WHERE id = 1;\n" >"$tmp/one.sql"
printf "SELECT label FROM items WHERE id = 2\n" >"$tmp/two.sql"
run query -f "$tmp/one.sql" "$tmp/two.sql" "SELECT 3 AS three" $EP -o text
check "--file first, then a .sql argument, then SQL; blocks apart" out_eq "label
-----
a
(1 row)

label
-----
c
(1 row)

three
-----
3
(1 row)
"
echo "SELECT 'from stdin' AS s" | "$LB" query $EP -o csv >"$tmp/out" 2>"$tmp/err"
check "SQL from standard input" out_eq 's
from stdin
'
run query "CREATE TEMP TABLE t AS SELECT 5 AS v" "SELECT v * 2 AS w FROM t" $EP -o csv
check "csv with several inputs exits 2" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'output csv requires a single input unit; got 2' $tmp/err"
run query "CREATE TEMP TABLE t AS SELECT 5 AS v" "SELECT v * 2 AS w FROM t" "SELECT nope FROM t" "SELECT 1" $EP -o json
check "several inputs share one session; the failing one ends them: JSON objects, exit 1" bash -c "[ \$(cat $tmp/rc) = 1 ]"
check "  with source, sql, kind and the error" bash -c "\"$LB\" -e '
  local t = lakebase.json.decode(io.read(\"a\"))
  assert(#t == 3, #t)
  assert(t[1].kind == \"command\" and t[1].command == \"SELECT\" and t[1].rows_affected == 1 and t[1].source == \"argv[1]\")
  assert(t[2].kind == \"rows\" and t[2].rows[1].w == 10 and type(t[2].elapsed_ms) == \"number\")
  assert(t[3].kind == \"error\" and t[3].error.message:find(\"SQLSTATE 42703\"), t[3].error.message)' <$tmp/out"
check "  and the error names the input" err_has 'Error: argv\[3\]: ERROR: column "nope" does not exist (SQLSTATE 42703)'

run query "SELECT * FROM missing_table" $EP -o text
check "a SQL error exits 1 with its SQLSTATE" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -qx 'Error: ERROR: relation \"missing_table\" does not exist (SQLSTATE 42P01)' $tmp/err"
run query "SELECT 1/0" $EP -o json
check "  in every format (stdout holds nothing)" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'division by zero (SQLSTATE 22012)' $tmp/err && [ ! -s $tmp/out ]"
run query "SELECT pg_sleep(20)" $EP --timeout 1s -o text
check "--timeout ends a statement: exit 1" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'Query timed out after 1s.' $tmp/err"

"$LB" postgres create-role projects/shop/branches/production --role-id owner --json '{"spec": {"postgres_role": "owner"}}' >/dev/null
"$LB" postgres create-database projects/shop/branches/production --database-id other \
  --json '{"spec": {"postgres_database": "other", "role": "projects/shop/branches/production/roles/owner"}}' >/dev/null
run query "SELECT current_database() AS db" $EP -d other -o csv
check "-d/--database" out_eq 'db
other
'
run experimental postgres query --target $EP "SELECT 'e' AS how" -o csv
check "the CLI's 'experimental postgres query' spelling" out_eq 'how
e
'
run query "SELECT 'p' AS how" --project shop -o csv
check "--project: the only branch and endpoint" out_eq 'how
p
'
run query "SELECT 'b' AS how" --project shop --branch production --endpoint primary -o csv
check "--project --branch --endpoint" out_eq 'how
b
'

sleep 4  # --suspend-after 2: the compute scales to zero
run query "SELECT 'awake' AS s" $EP -o csv
check "an idle compute is woken by the connection" out_eq 's
awake
'

# Bad input: exit 2 and no request.
for bad in "SELECT 1; SELECT 2|argv\[1\]: input contains multiple statements" \
  "--max-retries 0|--max-retries must be at least 1; got 0" \
  "--timeout soon|--timeout needs a duration" \
  "-o yaml|--output must be text, json or csv, got 'yaml'" \
  "--branch x|--project is required when using --branch or --endpoint" \
  "--file $tmp/none.sql|read --file" \
  "--frobnicate|unknown flag '--frobnicate'"; do
  args=${bad%%|*} want=${bad#*|}
  if [ "$args" = "SELECT 1; SELECT 2" ]; then run query "$args" $EP --debug; else
    # shellcheck disable=SC2086
    run query "SELECT 1" $args --debug
  fi
  check "query $args: exit 2, '$want'" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q -- \"$want\" $tmp/err"
  check "  before any request" no_request_sent
done
run query "SELECT ';' AS semi, \$\$a;b\$\$ AS body -- trailing; comment" $EP -o csv
check "a ';' in a string, a dollar body or a comment is not a second statement" out_eq 'semi,body
;,a;b
'
run query "SELECT 1;" $EP -o csv
check "a trailing ';' is fine" rc_is 0
"$LB" postgres create-branch projects/shop dev --json '{"spec": {"no_expiry": true}}' >/dev/null
run query "SELECT 1 AS x" --project shop -o csv --debug
check "several branches: exit 2 listing them and naming --branch (as the CLI's query)" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'multiple branches found in projects/shop; specify --branch:' $tmp/err && grep -qx '  - dev' $tmp/err && grep -qx '  - production' $tmp/err"
check "  and no connection" bash -c "! grep -q 'POST http.*credentials' $tmp/err"
run query "SELECT 1 AS x" --project nope -o csv
check "a project that does not exist: exit 1 with the API's error" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q NOT_FOUND $tmp/err"

finish
