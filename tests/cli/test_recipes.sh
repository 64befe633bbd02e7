#!/usr/bin/env bash
# Recipes: every built-in recipe end to end against an emulator process, parameter errors before
# anything is created, --dry-run changing nothing, user recipes from the search path (a directory
# recipe with a helper module, in its own environment), and `recipe new` whose test passes.
set -u
LB=${1:?usage: test_recipes.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_emulator recipe-token-0123456789 --op-latency 0.1
export HOME=$tmp/home LAKEBASE_RECIPE_PATH=$tmp/myrecipes
mkdir -p "$HOME" "$tmp/myrecipes"
cd "$tmp"
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
branches() { "$LB" postgres list-branches projects/shop -o json; }
"$LB" postgres create-project shop >/dev/null

run recipe list
check "list shows the built-in recipes with versions" bash -c "for r in credentials pitr-branch prune-branches scale-compute schema-diff; do grep -q \"^\$r  *1.0.0 \" $tmp/out || exit 1; done && grep -q '^ci-branch  *2.0.0 ' $tmp/out"
run recipe info scale-compute
check "info is generated from the parameters" bash -c "grep -q -- '--max-cu V' $tmp/out && grep -q 'maximum compute units (number 0.5..64, optional)' $tmp/out"

# Parameter errors: all of them at once, exit 2, nothing created.
before=$(branches)
run recipe run ci-branch --pr abc --action nuke --ttl soon --surprise 1
check "bad parameters exit 2" rc_is 2
check "every problem is named" bash -c "grep -q -- '--pr must be a number' $tmp/err && grep -q -- '--action must be one of create, delete' $tmp/err && grep -q -- '--ttl must be a duration' $tmp/err && grep -q -- '--project is required' $tmp/err && grep -q 'unknown parameter --surprise' $tmp/err"
check "and nothing was created" bash -c "[ '$(echo "$before" | md5sum)' = \"\$(\"$LB\" postgres list-branches projects/shop -o json | md5sum)\" ]"
run recipe run no-such-recipe
check "an unknown recipe exits 2 naming where it looked" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"no recipe named 'no-such-recipe'\" $tmp/err && grep -q myrecipes $tmp/err"

# --dry-run: the calls are printed, not made.
run recipe run ci-branch --project shop --pr 1 --dry-run
check "--dry-run prints the calls it would make" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '^dry run: POST /api/2.0/postgres/projects/shop/branches?branch_id=pr-1 ' $tmp/out"
check "and makes none" bash -c "! \"$LB\" postgres list-branches projects/shop -o text | grep -q pr-1"

# ci-branch: create, reuse, reset, delete (outputs, GitHub files and masking: test_ci_outputs.sh).
run recipe run ci-branch --project shop --pr 7 --env-file "$tmp/pr7.env"
check "ci-branch creates the pull request's branch pr-N and compute" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '^created projects/shop/branches/pr-7$' $tmp/out && grep -q '^db_host=127.0.0.1$' $tmp/out && grep -q '^created=true$' $tmp/out"
check "the env file has the password in GITHUB_ENV's format, mode 0600" bash -c "grep -q '^PGPASSWORD<<ghadelimiter_' $tmp/pr7.env && [ \$(stat -c %a $tmp/pr7.env) = 600 ] && ! grep -q lbpg_ $tmp/out"
run recipe run ci-branch --project shop --pr 7 --no-compute
check "running it again reuses the branch (created=false)" bash -c "grep -q '^reused projects/shop/branches/pr-7$' $tmp/out && grep -q '^created=false$' $tmp/out && [ \$(\"$LB\" postgres list-branches projects/shop -o text | grep -c pr-7) = 1 ]"
run recipe run ci-branch --project shop --pr 7 --no-compute --reset
check "--reset recreates it (created=true)" bash -c "grep -q 'recreating projects/shop/branches/pr-7 (--reset)' $tmp/out && grep -q '^created=true$' $tmp/out && [ \$(\"$LB\" postgres list-branches projects/shop -o text | grep -c pr-7) = 1 ]"
run recipe run ci-branch --project shop --pr 7 --action delete
check "--action delete removes the pull request's branch" bash -c "[ \$(cat $tmp/rc) = 0 ] && ! \"$LB\" postgres list-branches projects/shop -o text | grep -q pr-7"

# An env file at a shared path may be a symbolic link planted by someone else: appending the
# password through it wrote to whatever it pointed at (here a stand-in for ~/.bashrc).
printf 'victim\n' >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/planted.env"
run recipe run ci-branch --project shop --pr 8 --env-file "$tmp/planted.env"
check "--env-file that is a symbolic link is refused, naming it" bash -c "[ \$(cat $tmp/rc) != 0 ] && grep -q \"cannot append to $tmp/planted.env: it is a symbolic link\" $tmp/err"
check "  and the file it points at is untouched" bash -c "[ \"\$(cat $tmp/victim)\" = victim ]"
run recipe run ci-branch --project shop --pr 8 --action delete

# scale-compute, credentials, pitr-branch, prune-branches.
ep=projects/shop/branches/production/endpoints/primary
run recipe run scale-compute --endpoint $ep --min-cu 1 --max-cu 8 --suspend 10m
check "scale-compute updates the limits" bash -c "[ \$(cat $tmp/rc) = 0 ] && \"$LB\" postgres get-endpoint $ep -o json | grep -q '\"autoscaling_limit_max_cu\":8' && grep -q 'suspends after 600s' $tmp/out"
run recipe run scale-compute --endpoint $ep
check "scale-compute with nothing to change fails clearly" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'nothing to change' $tmp/err"
run recipe run credentials --endpoint $ep --env-file "$tmp/cred.env"
check "credentials prints where to connect and writes the password only to the file" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '^PGUSER=' $tmp/out && grep -q '^export PGPASSWORD=' $tmp/cred.env && ! grep -q 'lbpg_' $tmp/out"
# An env file that is not a regular file (/dev/stdout, /dev/null, a pipe from >(...)) is written
# into, never replaced by a file: as root, renaming over /dev/null or /dev/stdout replaces the device.
run recipe run credentials --endpoint $ep --env-file /dev/fd/1
check "--env-file /dev/fd/1 (standard output, here a file) writes to it" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '^export PGPASSWORD=' $tmp/out"
mkfifo "$tmp/fifo"
timeout 20 cat "$tmp/fifo" >"$tmp/from-fifo" & reader=$!
run recipe run credentials --endpoint $ep --env-file "$tmp/fifo"
wait $reader
check "--env-file naming a pipe writes into it and leaves the pipe" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '^export PGPASSWORD=' $tmp/from-fifo && [ -p $tmp/fifo ]"
mkdir "$tmp/envdir"
run recipe run credentials --endpoint $ep --env-file "$tmp/envdir"
check "--env-file naming a directory: exit 1 naming it" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q \"$tmp/envdir: Is a directory\" $tmp/err"
check "  one line, no traceback of lakebase's own code" bash -c "[ \$(wc -l <$tmp/err) = 1 ] && ! grep -q traceback $tmp/err"
run recipe run credentials --endpoint $ep-missing
check "a built-in recipe's failed API call: exit 1, one line 'Error: ...', no traceback" bash -c "[ \$(cat $tmp/rc) = 1 ] && [ \$(wc -l <$tmp/err) = 1 ] && grep -q '^Error: .*HTTP 404' $tmp/err"
run recipe run pitr-branch --project shop --branch restored --ago 1m
check "pitr-branch branches from a past moment" bash -c "[ \$(cat $tmp/rc) = 0 ] && \"$LB\" postgres get-branch projects/shop/branches/restored -o json | grep -q '\"source_branch_time\"'"
run recipe run pitr-branch --project shop --branch both --ago 1m --at 2026-01-01T00:00:00Z
check "pitr-branch refuses --ago with --at" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'exactly one of --ago and --at' $tmp/err"
for b in tmp-a tmp-b keep-c; do "$LB" postgres create-branch projects/shop $b --json '{"spec": {"no_expiry": true}}' >/dev/null; done
sleep 1
run recipe run prune-branches --project shop --prefix tmp- --older-than 1s
check "prune-branches deletes old branches with the prefix" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'deleted projects/shop/branches/tmp-a' $tmp/out && grep -q 'deleted projects/shop/branches/tmp-b' $tmp/out"
check "and only those" bash -c "\"$LB\" postgres list-branches projects/shop -o text | grep -q keep-c && \"$LB\" postgres list-branches projects/shop -o text | grep -q production"

# A user recipe: a directory with a helper module, on LAKEBASE_RECIPE_PATH.
mkdir -p "$tmp/myrecipes/greet"
cat >"$tmp/myrecipes/greet/words.lua" <<'LUA'
return { hello = function(who) return "hello, " .. who end }
LUA
cat >"$tmp/myrecipes/greet/recipe.lua" <<'LUA'
local words = require "words"
return {
  name = "greet", version = "2.1.0", description = "Greets someone",
  params = { { name = "who", type = "string", required = true, help = "whom" },
             { name = "times", type = "number", default = 1, min = 1, max = 3, help = "how often" } },
  run = function(ctx, p)
    for _ = 1, p.times do ctx.print(words.hello(p.who)) end
  end,
}
LUA
run recipe run greet --who world --times 2
check "a directory recipe with a helper module runs" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \$(grep -c '^hello, world$' $tmp/out) = 2 ]"
run recipe list
check "user recipes are listed with their source" bash -c "grep -q '^greet  *2.1.0 *Greets someone' $tmp/out"
run recipe run greet --who world --times 9
check "ranges are checked" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q -- '--times must be at most 3' $tmp/err"

# Packaging: pack -> install -> run, and refusals.
run recipe pack "$tmp/myrecipes/greet" -o "$tmp/greet.lbrecipe"
check "pack writes one checksummed file" bash -c "[ \$(cat $tmp/rc) = 0 ] && head -1 $tmp/greet.lbrecipe | grep -q '^lakebase-recipe-pack 1$' && grep -q '^sha256 [0-9a-f]\{64\}$' $tmp/greet.lbrecipe"
rm -rf "$tmp/myrecipes/greet"
run recipe install "$tmp/greet.lbrecipe"
check "install adds it to ~/.lakebase/recipes" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ -f $HOME/.lakebase/recipes/greet/recipe.lua ] && [ -f $HOME/.lakebase/recipes/greet/words.lua ]"
run recipe run greet --who packages
check "the installed recipe runs, helper module included" bash -c "grep -q '^hello, packages$' $tmp/out"
sed 's/hello, /HELLO, /' "$tmp/greet.lbrecipe" >"$tmp/tampered.lbrecipe"
run recipe install "$tmp/tampered.lbrecipe"
check "a tampered package is refused" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'checksum does not match' $tmp/err"
sed 's/^version 2.1.0$/version 9.9.9/' "$tmp/greet.lbrecipe" >"$tmp/mismatch.lbrecipe"
run recipe install "$tmp/mismatch.lbrecipe"
check "a package whose header does not match its recipe is refused" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'says greet 9.9.9 but its recipe is greet 2.1.0' $tmp/err"
run recipe run greet --who still
check "and the installed recipe is untouched" bash -c "grep -q '^hello, still$' $tmp/out"

# A recipe installed as a Lua module, as a LuaRocks rock installs it (lakebase_recipes.NAME).
mkdir -p "$tmp/rocktree/lakebase_recipes"
cat >"$tmp/rocktree/lakebase_recipes/rock_hello.lua" <<'LUA'
return { name = "rock-hello", version = "0.3.0", description = "From a rock", params = {},
  run = function(ctx) ctx.print("hello from a rock") end }
LUA
LUA_PATH="$tmp/rocktree/?.lua;;" "$LB" recipe run rock-hello >"$tmp/out" 2>"$tmp/err"
check "a recipe on package.path (a rock) runs" bash -c "grep -q '^hello from a rock$' $tmp/out"
LUA_PATH="$tmp/rocktree/?.lua;;" "$LB" recipe list >"$tmp/out" 2>"$tmp/err"
check "and is listed" bash -c "grep -q '^rock-hello  *0.3.0 *From a rock' $tmp/out"

run recipe new nightly
check "recipe new writes a skeleton and a test" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ -f recipes/nightly/recipe.lua ] && [ -f recipes/nightly/test.lua ]"
run recipe new nightly
check "and never overwrites one" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'already exists' $tmp/err"
timeout 120 "$LB" run --local recipes/nightly/test.lua >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "the skeleton's test passes against the embedded emulator" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '^ok - nightly' $tmp/out"

finish
