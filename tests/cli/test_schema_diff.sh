#!/usr/bin/env bash
# schema-diff end to end on the emulator's real PostgreSQL computes (pg_dump --schema-only of both
# branches): no change, an added column, a dropped table, two databases (every one, or one with
# --database), a database only on the branch, --fail-on-diff (exit 4, outputs still written), the
# Markdown summary, -o json, and bad input.
set -u
LB=${1:?usage: test_schema_diff.sh PATH_TO_LAKEBASE}
LB=$(cd "$(dirname "$LB")" && pwd)/$(basename "$LB")
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_pg_emulator schema-diff-token-0123456789 --op-latency 0.05
cd "$tmp"
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
sql() { "$LB" query "$1" "projects/shop/branches/$2" -d "${3:-databricks_postgres}" -o json >/dev/null 2>"$tmp/sql.err" || { cat "$tmp/sql.err"; exit 1; }; }
diff_run() { : >"$tmp/gh_output"; GITHUB_OUTPUT="$tmp/gh_output" run recipe run schema-diff --project shop "$@"; }
output() { grep -x -A1 "^$1<<.*" "$tmp/gh_output" | tail -1; }
export -f output
export tmp

"$LB" postgres create-project shop >/dev/null
role=$("$LB" postgres list-roles projects/shop/branches/production -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["name"])')
"$LB" postgres create-database projects/shop/branches/production --database-id app \
  --json "{\"spec\": {\"postgres_database\": \"app\", \"role\": \"$role\"}}" >/dev/null
sql "CREATE TABLE items (id int PRIMARY KEY, label text)" production
sql "CREATE TABLE legacy (id int)" production
sql "CREATE TABLE orders (id int, total numeric)" production app
"$LB" recipe run ci-branch --project shop --pr 1 --no-compute >/dev/null 2>&1

diff_run --pr 1
check "no change: exit 0, has_changes=false, an empty diff" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \"\$(output has_changes)\" = false ] && [ ! -s schema.diff ] && ! grep -q '^[-+]' $tmp/out"
check "every database of both branches is compared" bash -c "[ \"\$(output databases)\" = databricks_postgres,app ] && grep -q '^has_changes=false$' $tmp/out"
check "the summary says there is nothing to see" bash -c "grep -q 'No schema changes.' schema-diff.md && grep -q '| \`app\` | no change |' schema-diff.md"

sql "ALTER TABLE items ADD COLUMN note text" pr-1
diff_run --pr 1 --fail-on-diff
check "an added column: --fail-on-diff exits 4" bash -c "[ \$(cat $tmp/rc) = 4 ] && grep -q 'the schemas differ (--fail-on-diff): exit 4' $tmp/err"
check "the unified diff on stdout and in diff_file shows the column" bash -c "grep -q '^+    note text$' $tmp/out && grep -q '^--- projects/shop/branches/production/databricks_postgres$' schema.diff && grep -q '^+++ projects/shop/branches/pr-1/databricks_postgres$' schema.diff && grep -q '^+    note text$' schema.diff"
check "outputs are written even so: has_changes=true, diff_file, summary_file" bash -c "[ \"\$(output has_changes)\" = true ] && [ \"\$(output diff_file)\" = schema.diff ] && [ \"\$(output summary_file)\" = schema-diff.md ]"
check "the Markdown summary counts the lines and holds the diff" bash -c "grep -q '| \`databricks_postgres\` | +2 −1 lines |' schema-diff.md && grep -q '^\`\`\`diff$' schema-diff.md && grep -q '^+    note text$' schema-diff.md && grep -q '| \`app\` | no change |' schema-diff.md"

sql "DROP TABLE legacy" pr-1
diff_run --branch pr-1 --diff-file "$tmp/d.diff" --summary-file "$tmp/s.md"
check "a dropped table shows as removed lines (--branch by ID, files where asked)" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '^-CREATE TABLE public.legacy ($' $tmp/d.diff && grep -q '^-CREATE TABLE public.legacy ($' $tmp/s.md && [ \"\$(output diff_file)\" = $tmp/d.diff ]"

sql "ALTER TABLE orders ADD COLUMN paid boolean" pr-1 app
diff_run --pr 1
check "two databases: each changed one has its own section" bash -c "grep -q '^+++ projects/shop/branches/pr-1/app$' $tmp/out && grep -q '^+    paid boolean$' $tmp/out && grep -q '^+++ projects/shop/branches/pr-1/databricks_postgres$' $tmp/out && grep -q '| \`app\` | +2 −1 lines |' schema-diff.md"
diff_run --pr 1 --database app
check "--database app compares that one only" bash -c "[ \"\$(output databases)\" = app ] && grep -q '^+    paid boolean$' $tmp/out && ! grep -q 'note text' $tmp/out"
diff_run --pr 1 --database databricks_postgres
check "--database databricks_postgres leaves app out" bash -c "grep -q 'note text' $tmp/out && ! grep -q 'paid' $tmp/out"

"$LB" postgres create-database projects/shop/branches/pr-1 --database-id extra \
  --json "{\"spec\": {\"postgres_database\": \"extra\", \"role\": \"${role/production/pr-1}\"}}" >/dev/null
sql "CREATE TABLE fresh (id int)" pr-1 extra
diff_run --pr 1
check "a database only on the branch is all added" bash -c "[ \"\$(output databases)\" = databricks_postgres,app,extra ] && grep -q '^+CREATE TABLE public.fresh ($' $tmp/out && grep -q '| \`extra\` | only on the branch |' schema-diff.md"

diff_run --branch production --base pr-1 --database app
check "--base compares with any branch (here the other way round)" bash -c "grep -q '^-    paid boolean$' $tmp/out && grep -q '^--- projects/shop/branches/pr-1/app$' $tmp/out"

run recipe run schema-diff --project shop --pr 1 --database app -o json
check "-o json: only the JSON object on stdout" bash -c "[ \$(cat $tmp/rc) = 0 ] && python3 -c 'import json; o = json.load(open(\"$tmp/out\")); assert o[\"has_changes\"] is True and o[\"databases\"] == \"app\", o'"

run recipe run schema-diff --project shop
check "neither --branch nor --pr: exit 1 naming both" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'give exactly one of --branch and --pr' $tmp/err"
run recipe run schema-diff --project shop --branch production
check "a branch without a parent needs --base" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'projects/shop/branches/production has no parent branch: give --base' $tmp/err"
run recipe run schema-diff --project shop --pr 1 --database nosuch
check "a database on neither branch is named" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'database nosuch exists on neither branch' $tmp/err"
run recipe run schema-diff --project shop --pr 1 --pg-dump /nonexistent/pg_dump
check "a missing pg_dump is named" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q '/nonexistent/pg_dump' $tmp/err"
run recipe run schema-diff --project shop --pr 1 --summary-file /dev/full
check "a summary that cannot be written (a full disk) fails naming it, not exit 0" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'cannot write /dev/full: No space left on device' $tmp/err"

finish
