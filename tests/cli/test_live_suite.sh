#!/usr/bin/env bash
# scripts/test-live, the live scenario suite, against a fresh emulator started as its own process
# (real PostgreSQL computes) and addressed only through DATABRICKS_HOST and DATABRICKS_TOKEN, as a
# workspace is: every scenario passes twice (two runs at once, each in its own project) and the
# two reports compare equal; nothing is left behind (the projects listed before and after are the
# same, the trash included) and a project it did not make is never touched. Also: nothing
# configured exits 0 without running anything; --dry-run sends no request; a failing scenario
# fails the run, is named in the report and still gets cleaned up; Ctrl-C purges the project.
set -u
LB=${1:?usage: test_live_suite.sh PATH_TO_LAKEBASE}
LB=$(cd "$(dirname "$LB")" && pwd)/$(basename "$LB")
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v psql >/dev/null || { echo "1..0 # skip: psql is not installed"; exit 0; }
tmp=$(mktemp -d)
chmod 0711 "$tmp"  # PostgreSQL runs as 'postgres' when the tests run as root
. "$(dirname "$0")/lib.sh"
export LAKEBASE_BIN=$LB HOME=$tmp/home
mkdir -p "$HOME"
unset DATABRICKS_HOST DATABRICKS_TOKEN DATABRICKS_CONFIG_PROFILE DATABRICKS_CONFIG_FILE DATABRICKS_AUTH_TYPE \
  DATABRICKS_CLIENT_ID DATABRICKS_CLIENT_SECRET DATABRICKS_USERNAME DATABRICKS_PASSWORD
cd "$tmp"
live() { "$root/scripts/test-live" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
# report FILE EXPR: a Lua expression over the decoded report `r` must be true.
report() {
  "$LB" -e 'local r = lakebase.json.decode(io.open(arg[1]):read("a")) local f = load("return " .. arg[2], "expr", "t",
    setmetatable({ r = r }, { __index = _G })) os.exit(f() and 0 or 1)' "$1" "$2"
}
# The scenarios that passed, failed, ... in a report, as "NAME=RESULT" lines.
results() {
  "$LB" -e 'for _, s in ipairs(lakebase.json.decode(io.open(arg[1]):read("a")).scenarios) do print(s.scenario .. "=" .. s.result) end' "$1"
}
projects() { "$LB" postgres list-projects --show-deleted -o json | "$LB" -e '
  local names = {} for _, p in ipairs(lakebase.json.decode(io.read("a"))) do names[#names + 1] = p.name end
  table.sort(names) print(table.concat(names, " "))'; }
export LB; export -f projects results report
nscenarios=$(ls "$root"/tests/live/scenarios/[0-9][0-9]_*.lua | wc -l)

# Nothing configured (not even ~/.databrickscfg's DEFAULT profile counts): exit 0, nothing run.
printf '[DEFAULT]\nhost = http://127.0.0.1:9\ntoken = live-SEKRIT-unused\n' >"$HOME/.databrickscfg"
live --report "$tmp/none.json"
check "nothing configured exits 0" rc_is 0
check "and says so" out_has "nothing configured"
check "and runs nothing (no report)" test ! -e "$tmp/none.json"
rm "$HOME/.databrickscfg"

# --dry-run sends nothing: against a host where nobody listens it still answers at once.
DATABRICKS_HOST=http://127.0.0.1:9 DATABRICKS_TOKEN=live-SEKRIT-unused LAKEBASE_RETRY_TIMEOUT=0 \
  live --dry-run --report "$tmp/dry.json"
check "--dry-run exits 0 without reaching the target" rc_is 0
check "--dry-run lists the project it would create" out_has "create project lbtest-[0-9]*-[0-9a-f]*"
check "--dry-run lists each scenario's resources" bash -c "grep -q 'create branch lbt02-ttl (ttl 1h)' '$tmp/out' &&
  [ \$(grep -c '^  [0-9][0-9]_' '$tmp/out') = $nscenarios ]"
check "--dry-run's report says dry-run" report "$tmp/dry.json" 'r.dry_run and #r.scenarios == '"$nscenarios"

start_pg_emulator live-SEKRIT-token-0123456789
"$LB" postgres create-project someone-elses >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
before=$(projects)

(unset DATABRICKS_TOKEN; live --report "$tmp/nocred.json")
check "a host without credentials exits 2" rc_is 2
check "naming what was tried" err_has "credentials do not resolve: no credentials for"
DATABRICKS_TOKEN=live-SEKRIT-wrong live --report "$tmp/denied.json"
check "a token the target refuses exits 1, nothing left to clean up (not 3)" rc_is 1
check "saying the project could not be made" err_has "could not create the project lbtest-.*401"
check "and its report says no scenario ran" report "$tmp/denied.json" \
  'r.result == "failed" and r.setup.result == "failed" and r.scenarios[1].result == "not run"'

live --dry-run
check "--dry-run against the emulator exits 0" rc_is 0
check "and creates nothing" bash -c "[ \"\$(cd '$tmp' && projects)\" = '$before' ]"

# Two whole runs at once, each in its own project.
t0=$(date +%s)
"$root/scripts/test-live" --keep-going --report "$tmp/r1.json" >"$tmp/out1" 2>"$tmp/err1" &
p1=$!
"$root/scripts/test-live" --keep-going --report "$tmp/r2.json" >"$tmp/out2" 2>"$tmp/err2" &
p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
echo "# two runs of $nscenarios scenarios at once: $(( $(date +%s) - t0 )) s"
cp "$tmp/out1" "$tmp/out"; cp "$tmp/err1" "$tmp/err"; echo $rc1 >"$tmp/rc"
check "a run against the emulator exits 0" rc_is 0
check "every scenario passed" bash -c "[ \$(grep -c '^passed ' '$tmp/out1') = $nscenarios ]"
check "the report has every scenario, passed" report "$tmp/r1.json" \
  'r.result == "passed" and #r.scenarios == '"$nscenarios"' and (function() for _, s in ipairs(r.scenarios) do
     if s.result ~= "passed" or #s.requests == 0 or not s.duration then return false end end return true end)()'
check "the report names its target and project" report "$tmp/r1.json" \
  'r.target.host == os.getenv("DATABRICKS_HOST") and r.project:match("^lbtest%-%d+%-%x+$") and r.cleanup.result == "done"'
cp "$tmp/out2" "$tmp/out"; cp "$tmp/err2" "$tmp/err"; echo $rc2 >"$tmp/rc"
check "a second run at the same time exits 0" rc_is 0
check "in a project of its own" bash -c "[ \"\$(grep -o 'project lbtest-[0-9a-f-]*' '$tmp/out1' | head -1)\" != \
  \"\$(grep -o 'project lbtest-[0-9a-f-]*' '$tmp/out2' | head -1)\" ]"
check "nothing is left behind: the projects (the trash included) are the ones before" \
  bash -c "[ \"\$(cd '$tmp' && projects)\" = '$before' ]"
check "no secret in the reports" bash -c "! grep -q -e SEKRIT -e lbpg_ '$tmp/r1.json' '$tmp/r2.json' '$tmp/out1' '$tmp/err1'"

live --compare "$tmp/r1.json" "$tmp/r2.json"
check "--compare of the two runs finds no difference" rc_is 0
check "and says so" out_has "no difference in $nscenarios scenarios"

# A scenario that fails, one that reaches outside its project, with two real ones: the run goes
# on (--keep-going), exits 1, names them in the report, and still cleans up.
mkdir "$tmp/scen"
ln -s "$root/tests/live/scenarios/01_project.lua" "$tmp/scen/01_project.lua"
ln -s "$root/tests/live/scenarios/02_branch_ttl.lua" "$tmp/scen/02_branch_ttl.lua"
cat >"$tmp/scen/03_fails.lua" <<'LUA'
return { description = "makes a branch, then fails", creates = { "branch $doomed" }, run = function(t)
  local b = t:create_branch("doomed", { ttl = "3600s" })
  b:update { is_protected = true }:wait()  -- its clean-up must unprotect it
  t:eq(b.status.current_state, "NO_SUCH_STATE", "the branch's state")
end }
LUA
cat >"$tmp/scen/04_outside.lua" <<'LUA'
return { description = "tries to delete a project it did not make", run = function(t)
  t.client:get_project("someone-elses"):delete():wait()
end }
LUA
live --keep-going --scenarios "$tmp/scen" --report "$tmp/fail.json"
check "a failing scenario makes the run exit 1" rc_is 1
check "the report names the failures" bash -c "[ \"\$(cd '$tmp' && results fail.json | tr '\n' ' ')\" = \
  '01_project=passed 02_branch_ttl=passed 03_fails=failed 04_outside=failed ' ]"
check "with the failed check's words" report "$tmp/fail.json" \
  'r.scenarios[3].error:find("the branch.s state: expected \"NO_SUCH_STATE\", got \"READY\"") ~= nil'
check "the guard refused the change outside the run's project" report "$tmp/fail.json" \
  'r.scenarios[4].error:find("test-live refuses DELETE projects/someone-elses: not inside this run", 1, true) ~= nil'
check "the output names the failed scenarios" bash -c "grep -q '^failed   03_fails' '$tmp/out' && grep -q '^failed   04_outside' '$tmp/out'"
check "the project it did not make is still there" bash -c "'$LB' postgres get-project projects/someone-elses >/dev/null"
check "and nothing of the run is left (the protected branch included)" bash -c "[ \"\$(cd '$tmp' && projects)\" = '$before' ]"
live --compare "$tmp/r1.json" "$tmp/fail.json"
check "--compare with the failed run exits 1" rc_is 1
check "and names what only one of them ran" bash -c "grep -q '^03_fails:' '$tmp/out' && grep -A1 '^03_fails:' '$tmp/out' | grep -q 'only in B'"

# --compare on a report changed by hand: a result, an answer's status and a field.
"$LB" -e 'local json = lakebase.json local r = json.decode(io.open(arg[1]):read("a"))
  local s5 = r.scenarios[5] s5.result, s5.error = "failed", "made up"
  for _, q in ipairs(r.scenarios[8].requests) do if q.status == 404 then q.status, q.error_code = 400, "BAD_REQUEST" end end
  for _, q in ipairs(r.scenarios[3].requests) do
    for i, f in ipairs(q.response_fields or {}) do if f:find("status.hosts.host", 1, true) then q.response_fields[i] = "x" end end
  end
  io.open(arg[2], "w"):write(json.encode(r))' "$tmp/r1.json" "$tmp/changed.json"
live --compare "$tmp/r1.json" "$tmp/changed.json"
check "--compare of a changed report exits 1" rc_is 1
check "naming the scenarios that differ" out_has "3 of $nscenarios scenarios differ: 03_sql_psql, 05_roles_databases, 08_failures"
check "with a changed result" out_has "result: A passed, B failed"
check "with a changed status code" bash -c "grep -q 'A answered 404 NOT_FOUND, B 400 BAD_REQUEST' '$tmp/out'"
check "with a missing field" out_has "fields only in A: .*status.hosts.host"

# Without --keep-going the run stops at the first failure; the rest are reported as not run.
live --scenarios "$tmp/scen" --report "$tmp/stop.json" --only 03,04
check "without --keep-going it exits 1" rc_is 1
check "and the scenarios after the failure are not run" bash -c "[ \"\$(cd '$tmp' && results stop.json | tr '\n' ' ')\" = \
  '03_fails=failed 04_outside=not run ' ]"
check "and cleans up" bash -c "[ \"\$(cd '$tmp' && projects)\" = '$before' ]"

# A ~/.databrickscfg profile named with --profile, and nothing in the environment: the suite and
# the lakebase processes it starts (the recipe's) reach the target through the profile.
printf '[live]\nhost = %s\ntoken = %s\n' "$DATABRICKS_HOST" "$DATABRICKS_TOKEN" >"$HOME/.databrickscfg"
(unset DATABRICKS_HOST DATABRICKS_TOKEN; live --profile live --only 01,10 --report "$tmp/profile.json")
rm "$HOME/.databrickscfg"
check "a run through --profile passes" rc_is 0
check "both scenarios, the recipe's process included" bash -c "[ \"\$(cd '$tmp' && results profile.json | tr '\n' ' ')\" = \
  '01_project=passed 10_ci_branch=passed ' ]"
check "and cleans up" bash -c "[ \"\$(cd '$tmp' && projects)\" = '$before' ]"

# Ctrl-C in the middle of a run: the project is still purged, the report written.
"$root/scripts/test-live" --report "$tmp/int.json" --only 01,03 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 300); do grep -q '^passed   01_project' "$tmp/out" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
kill -INT "$pid"
wait "$pid"
echo $? >"$tmp/rc"
check "Ctrl-C ends the run with 130" rc_is 130
check "after purging its project" out_has "purged project lbtest-"
check "nothing of it is left" bash -c "[ \"\$(cd '$tmp' && projects)\" = '$before' ]"
check "its report says interrupted" report "$tmp/int.json" 'r.result == "interrupted" and r.scenarios[1].result == "passed"'

live --compare "$tmp/r1.json"
check "--compare needs two reports (exit 2)" rc_is 2
live --bogus
check "an unknown option exits 2" rc_is 2
check "naming it" err_has "unknown option --bogus"
finish
