#!/usr/bin/env bash
# The GitHub Action's steps (scripts/github-action/*, as action.yml runs them) against an emulator
# with real PostgreSQL computes, with GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH and GITHUB_ACTIONS as
# on a runner: every ci-branch output, the URIs and the env file logging in with psql, the
# ::add-mask:: lines coming before any secret and no secret on stdout unmasked; reuse
# (created=false, data kept), --reset (created=true, data gone), delete and re-create over the
# deleted ID; -o json; the default project (LAKEBASE_PROJECT, `lakebase project use`).
set -u
LB=${1:?usage: test_ci_action.sh PATH_TO_LAKEBASE}
LB=$(cd "$(dirname "$LB")" && pwd)/$(basename "$LB")
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_pg_emulator ci-action-token-0123456789 --op-latency 0.05
PSQL=/usr/lib/postgresql/15/bin/psql
cd "$tmp"
"$LB" postgres create-project shop >/dev/null

# Reads output NAME from a GitHub file (heredoc or NAME=value entries); the last entry wins.
get() {
  python3 - "$1" "$2" <<'PY'
import sys
path, want = sys.argv[1], sys.argv[2]
lines, i, found = open(path).read().split("\n"), 0, None
while i < len(lines):
    line = lines[i]
    if "<<" in line and "=" not in line.split("<<")[0]:
        name, delim = line.split("<<", 1)
        j = lines.index(delim, i + 1)
        if name == want: found = "\n".join(lines[i + 1:j])
        i = j + 1
    else:
        if line.split("=", 1)[0] == want and "=" in line: found = line.split("=", 1)[1]
        i += 1
if found is None: sys.exit(1)
print(found)
PY
}

# One run of the action's recipe step, as action.yml runs it on a runner.
step() {
  : >"$tmp/gh_output"
  env GITHUB_ACTIONS=true GITHUB_OUTPUT="$tmp/gh_output" GITHUB_ENV="$tmp/gh_env" LAKEBASE="$LB" \
    INPUT_RECIPE="$1" INPUT_ARGS="$2" INPUT_PROJECT="${3:-}" \
    "$here/scripts/github-action/run-recipe" >"$tmp/out" 2>"$tmp/err"
  echo $? >"$tmp/rc"
}

# The first line of stdout holding `secret` is its ::add-mask:: line, and every other one masks
# something holding it (a URI).
masked_everywhere() {
  local secret=$1
  python3 - "$tmp/out" "$secret" <<'PY'
import sys
lines, secret = open(sys.argv[1]).read().split("\n"), sys.argv[2]
holding = [l for l in lines if secret in l]
sys.exit(0 if holding and holding[0] == "::add-mask::" + secret and all(l.startswith("::add-mask::") for l in holding) else 1)
PY
}

# --- The install steps: the cache key, and a cached build put on PATH without rebuilding. --------
env GITHUB_OUTPUT="$tmp/key_out" "$here/scripts/github-action/cache-key" "$here" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "cache-key writes key=lakebase-build-OS-ARCH-HASH to GITHUB_OUTPUT" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qE '^key=lakebase-build-[a-z0-9]+-[a-z0-9_]+-[0-9a-f]{32}$' $tmp/key_out"
mkdir -p "$tmp/action/build" && ln -s "$LB" "$tmp/action/build/lakebase"
env ROOT="$tmp/action" INSTALL_PACKAGES=false GITHUB_PATH="$tmp/gh_path" "$here/scripts/github-action/install" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "install uses a cached build that runs, and puts it on GITHUB_PATH" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'using the cached build' $tmp/out && [ \"\$(cat $tmp/gh_path)\" = '$tmp/action/build' ]"
env ROOT="$tmp/action" INSTALL_PACKAGES=maybe "$here/scripts/github-action/install" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "install-packages other than true/false exits 2 naming it" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"install-packages must be true or false, got 'maybe'\" $tmp/err"
awk '/^```yaml$/{p=1; next} /^```$/{p=0} p' "$here/README.md" >"$tmp/readme.yml"
check "the README shows the example workflow file as it is" cmp -s "$tmp/readme.yml" "$here/scripts/examples/github-pr-workflow.yml"
check "action.yml runs these scripts and declares every ci-branch and schema-diff output" bash -c "
  for s in cache-key install run-recipe; do grep -q \"scripts/github-action/\$s\" $here/action.yml || exit 1; done
  for o in branch created deleted db_host db_host_pooled db_port db_user db_name password password_expire_time db_url db_url_pooled has_changes diff_file summary_file databases; do
    grep -q \"^  \$o:\$\" $here/action.yml && grep -q \"steps.run.outputs.\$o }}\" $here/action.yml || exit 1
  done"

"$LB" recipe info ci-branch >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "recipe info lists the outputs and says the password expires in an hour" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '^Outputs' $tmp/out && for o in branch created db_host db_host_pooled db_port db_user db_name password password_expire_time db_url db_url_pooled deleted; do grep -q \"^  \$o \" $tmp/out || exit 1; done && grep -q 'password .*an OAuth token that expires one hour after it was minted (secret' $tmp/out"

# --- ci-branch: create ---------------------------------------------------------------------------
printf 'EARLIER<<ghadelimiter_x\nkept\nghadelimiter_x\n' >"$tmp/gh_env"
step ci-branch "--project shop
  --pr 12
  --env-file $tmp/gh_env"
check "ci-branch through the action's step exits 0" rc_is 0
pw=$(get "$tmp/gh_output" password); url=$(get "$tmp/gh_output" db_url); urlp=$(get "$tmp/gh_output" db_url_pooled)
check "branch, created" bash -c "[ '$(get "$tmp/gh_output" branch)' = projects/shop/branches/pr-12 ] && [ '$(get "$tmp/gh_output" created)' = true ]"
check "db_host, db_host_pooled, db_port, db_user, db_name" bash -c "[ '$(get "$tmp/gh_output" db_host)' = 127.0.0.1 ] && [ '$(get "$tmp/gh_output" db_host_pooled)' = 127.0.0.1 ] && [ -n '$(get "$tmp/gh_output" db_port)' ] && [ '$(get "$tmp/gh_output" db_user)' = emulator-user@example.com ] && [ '$(get "$tmp/gh_output" db_name)' = databricks_postgres ]"
check "password is a fresh token; password_expire_time an hour ahead" bash -c "[[ '$pw' == lbpg_* ]] && left=\$(( \$(date -d '$(get "$tmp/gh_output" password_expire_time)' +%s) - \$(date +%s) )) && [ \$left -gt 3300 ] && [ \$left -le 3600 ]"
check "db_url is postgresql://user:password@host:port/db?sslmode=require, percent-encoded" bash -c "[ '$url' = 'postgresql://emulator-user%40example.com:$pw@127.0.0.1:$(get "$tmp/gh_output" db_port)/databricks_postgres?sslmode=require' ]"
"$PSQL" "$url" -v ON_ERROR_STOP=1 -qc "CREATE TABLE migrated (id int); INSERT INTO migrated VALUES (1)" >/dev/null 2>"$tmp/err"
check "db_url logs in and migrates (psql)" bash -c "[ \"\$($PSQL '$urlp' -Atc 'SELECT count(*) FROM migrated')\" = 1 ]"
check "the ::add-mask:: of the password comes before it appears, and stdout holds it nowhere else" masked_everywhere "$pw"
check "the URIs are masked the same way" bash -c "$(declare -f masked_everywhere); tmp=$tmp; masked_everywhere '$url' && masked_everywhere '$urlp'"
check "stdout shows the secrets as ***" bash -c "grep -qx 'password=\*\*\*' $tmp/out && grep -qx 'db_url=\*\*\*' $tmp/out && grep -qx 'db_url_pooled=\*\*\*' $tmp/out && grep -qx 'db_host=127.0.0.1' $tmp/out"
check "nothing secret on stderr" bash -c "! grep -q '$pw' $tmp/err"
check "GITHUB_ENV kept its earlier entry and got PG* and DATABASE_URL appended" bash -c "[ '$(get "$tmp/gh_env" EARLIER)' = kept ] && [ '$(get "$tmp/gh_env" PGPASSWORD)' = '$pw' ] && [ '$(get "$tmp/gh_env" DATABASE_URL)' = '$url' ] && [ '$(get "$tmp/gh_env" PGSSLMODE)' = require ]"
check "the PG* variables from GITHUB_ENV log in" bash -c "env PGHOST='$(get "$tmp/gh_env" PGHOST)' PGPORT='$(get "$tmp/gh_env" PGPORT)' PGUSER='$(get "$tmp/gh_env" PGUSER)' PGPASSWORD='$pw' PGDATABASE='$(get "$tmp/gh_env" PGDATABASE)' PGSSLMODE=require $PSQL -Atc 'SELECT id FROM migrated' | grep -qx 1"

# --- reuse, reset ----------------------------------------------------------------------------------
host1=$(get "$tmp/gh_output" db_port)
step ci-branch "--pr 12" shop
check "the next push reuses the branch: created=false, same compute, data kept" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ '$(get "$tmp/gh_output" created)' = false ] && [ '$(get "$tmp/gh_output" db_port)' = '$host1' ] && [ \"\$($PSQL '$(get "$tmp/gh_output" db_url)' -Atc 'SELECT count(*) FROM migrated')\" = 1 ]"
check "and a new password, masked too" bash -c "[ '$(get "$tmp/gh_output" password)' != '$pw' ] && $(declare -f masked_everywhere); tmp=$tmp; masked_everywhere '$(get "$tmp/gh_output" password)'"
"$LB" postgres update-endpoint projects/shop/branches/pr-12/endpoints/primary spec.disabled --json '{"spec": {"disabled": true}}' >/dev/null
step ci-branch "--pr 12" shop
check "a branch whose compute is disabled is not reused: recreated (created=true), and it works" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'recreating projects/shop/branches/pr-12 (its read-write compute projects/shop/branches/pr-12/endpoints/primary is disabled)' $tmp/out && [ '$(get "$tmp/gh_output" created)' = true ] && [ \"\$($PSQL '$(get "$tmp/gh_output" db_url)' -Atc 'SELECT 1')\" = 1 ]"
$PSQL "$(get "$tmp/gh_output" db_url)" -qc "CREATE TABLE migrated (id int)" 2>"$tmp/err"
step ci-branch "--pr 12
--reset" shop
check "--reset recreates the branch from its parent: created=true, the migration gone" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ '$(get "$tmp/gh_output" created)' = true ] && ! $PSQL '$(get "$tmp/gh_output" db_url)' -Atc 'SELECT 1 FROM migrated' 2>/dev/null"
check "one branch pr-12, nothing in the trash" bash -c "[ \$(\"$LB\" postgres list-branches projects/shop --show-deleted -o json | python3 -c 'import json,sys; print(sum(b[\"status\"][\"branch_id\"] == \"pr-12\" for b in json.load(sys.stdin)))' ) = 1 ]"

# --- delete when closed, and reopen ------------------------------------------------------------------
step ci-branch "--pr 12
--action delete" shop
check "--action delete deletes it (deleted=true)" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ '$(get "$tmp/gh_output" deleted)' = true ] && ! \"$LB\" postgres list-branches projects/shop -o text | grep -q pr-12"
step ci-branch "--pr 12
--no-compute" shop
check "reopened: the deleted branch is purged and pr-12 made again (created=true)" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'purging the deleted projects/shop/branches/pr-12' $tmp/out && [ '$(get "$tmp/gh_output" created)' = true ] && \"$LB\" postgres list-branches projects/shop -o text | grep -q pr-12"
step ci-branch "--pr 99
--action delete" shop
check "deleting a branch that does not exist says so (deleted=false)" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ '$(get "$tmp/gh_output" deleted)' = false ] && grep -q 'nothing to delete' $tmp/out"

# --- outside GitHub Actions, and -o json -------------------------------------------------------------
"$LB" recipe run ci-branch --project shop --pr 12 >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "outside GitHub Actions: no ::add-mask::, no secret on stdout" bash -c "[ \$(cat $tmp/rc) = 0 ] && ! grep -q '::add-mask::' $tmp/out && ! grep -q lbpg_ $tmp/out && grep -qx 'password=\*\*\*' $tmp/out"
"$LB" recipe run ci-branch --project shop --pr 12 -o json >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "-o json prints one object with every output (typed), and nothing else on stdout" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \$(wc -l <$tmp/out) = 1 ] && python3 -c '
import json, sys
o = json.load(open(\"$tmp/out\"))
keys = [\"branch\", \"created\", \"db_host\", \"db_host_pooled\", \"db_port\", \"db_user\", \"db_name\", \"password\", \"password_expire_time\", \"db_url\", \"db_url_pooled\"]
assert list(o) == keys, list(o)
assert o[\"created\"] is False and o[\"password\"].startswith(\"lbpg_\") and o[\"password\"] in o[\"db_url\"]
' && grep -q 'reused projects/shop/branches/pr-12' $tmp/err"
"$LB" recipe run ci-branch --project shop --pr 77 --dry-run -o json >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "--dry-run -o json: the calls on stderr, the JSON alone on stdout, nothing made" bash -c "[ \$(cat $tmp/rc) = 0 ] && python3 -c 'import json; o = json.load(open(\"$tmp/out\")); assert o == {\"branch\": \"projects/shop/branches/pr-77\", \"created\": True}, o' && grep -q '^dry run: POST /api/2.0/postgres/projects/shop/branches?branch_id=pr-77 ' $tmp/err && ! \"$LB\" postgres list-branches projects/shop -o text | grep -q pr-77"
"$LB" recipe run ci-branch --project shop --pr 12 -o yaml >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "-o yaml exits 2 naming it" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"takes text or json, got 'yaml'\" $tmp/err"

# --- the default project -------------------------------------------------------------------------------
"$LB" postgres create-project other >/dev/null
mkdir -p "$tmp/repo" && cd "$tmp/repo"
"$LB" recipe run ci-branch --pr 5 --no-compute >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "without --project or a default, --project is required (exit 2)" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q -- '--project is required' $tmp/err"
"$LB" project use other >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "lakebase project use writes ./.lakebase-project" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \"\$(cat .lakebase-project)\" = other ] && \"$LB\" project show | grep -qx 'other (./.lakebase-project)'"
"$LB" recipe run ci-branch --pr 5 --no-compute >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "a recipe uses the project file" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qx 'branch=projects/other/branches/pr-5' $tmp/out"
LAKEBASE_PROJECT=shop "$LB" recipe run ci-branch --pr 5 --no-compute >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "LAKEBASE_PROJECT wins over the file" bash -c "grep -qx 'branch=projects/shop/branches/pr-5' $tmp/out"
LAKEBASE_PROJECT=shop "$LB" recipe run ci-branch --project other --pr 6 --no-compute >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "--project wins over both" bash -c "grep -qx 'branch=projects/other/branches/pr-6' $tmp/out"
"$LB" query "SELECT current_database()" --branch pr-6 -o csv >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "query takes the default project (two projects exist; --branch pr-6, only in 'other', is enough)" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -qx databricks_postgres $tmp/out"
"$LB" postgres create-branch from-default --json '{"spec": {"ttl": "3600s"}}' -o json >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "postgres create-branch without PARENT takes the default project" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '\"name\":\"projects/other/branches/from-default\"' $tmp/out"
"$LB" postgres list-branches -o json >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "postgres list-branches without PARENT lists the default project's" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'projects/other/branches/from-default' $tmp/out && ! grep -q 'projects/shop/' $tmp/out"
"$LB" postgres list-branches projects/shop -o json >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "a PARENT given wins over the default project" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'projects/shop/branches/' $tmp/out && ! grep -q 'projects/other/' $tmp/out"
"$LB" postgres create-branch projects/other -o json >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "a forgotten BRANCH_ID is not taken for a PARENT-less call (exit 2)" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'create-branch takes PARENT BRANCH_ID, got 1 argument' $tmp/err"
"$LB" project use Not_An_Id >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "project use refuses a bad ID (exit 2) and keeps the file" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"invalid project ID 'Not_An_Id'\" $tmp/err && [ \"\$(cat .lakebase-project)\" = other ]"
"$LB" project use other extra >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "project use with a second argument exits 2 naming it and keeps the file" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"unexpected argument 'extra'\" $tmp/err && [ \"\$(cat .lakebase-project)\" = other ]"
"$LB" project use 9e2e7ee4-bc9e-4a1b-8c3d-0123456789ab >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "project use takes the UUID of a project made in the workspace UI" bash -c "[ \$(cat $tmp/rc) = 0 ] && \"$LB\" project show | grep -q '^9e2e7ee4-bc9e-4a1b-8c3d-0123456789ab '"
echo "Bad Id" >.lakebase-project
"$LB" recipe run ci-branch --pr 5 --no-compute >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "a malformed project file exits 2 naming it, before anything runs" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"the default project 'Bad Id' (from ./.lakebase-project) is not a project ID\" $tmp/err"
"$LB" project clear >"$tmp/out" 2>"$tmp/err"
check "project clear removes the file" bash -c "[ ! -e .lakebase-project ]"
# A checkout may plant .lakebase-project as a symlink (to ~/.bashrc, say): project use replaces the
# link with a file and never writes through it; a directory there is refused, naming the path.
echo precious >"$tmp/victim"
ln -s "$tmp/victim" .lakebase-project
"$LB" project use shop >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "project use replaces a symlink planted at .lakebase-project, never writing through it" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \"\$(cat $tmp/victim)\" = precious ] && [ ! -L .lakebase-project ] && [ \"\$(cat .lakebase-project)\" = shop ]"
rm .lakebase-project; mkdir .lakebase-project
"$LB" project use shop >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "a directory at .lakebase-project: exit 1 naming it" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'cannot write .lakebase-project: Is a directory' $tmp/err"
rmdir .lakebase-project
cd "$tmp"

finish
