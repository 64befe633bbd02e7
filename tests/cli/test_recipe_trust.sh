#!/usr/bin/env bash
# Recipes from strangers: listing, describing, packing and installing read a recipe's declarations
# without running its code with powers (no os/io/require..., bounded instructions and memory), so a
# package or a checkout whose recipes run commands, loop forever or allocate without end leaves no
# trace and finishes quickly; only `recipe run` runs a recipe. Packages with duplicate or clashing
# entries are refused and leave nothing half-installed; recipes shadowed by a built-in or an
# earlier directory are listed with a warning; parameters (durations, whole numbers) are all
# checked before anything runs.
set -u
LB=${1:?usage: test_recipe_trust.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_emulator trust-token-0123456789 --op-latency 0.05
export HOME=$tmp/home LAKEBASE_RECIPE_PATH=
mkdir -p "$HOME" "$tmp/work"
cd "$tmp/work"
run() { timeout -s KILL 60 "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
# timed CMD...: runs the command (at most 30 s), its duration in whole seconds in $tmp/secs.
timed() {
  local start=$SECONDS
  timeout -s KILL 30 "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
  echo $((SECONDS - start)) >"$tmp/secs"
}
no_trace() { ! ls "$tmp"/PWNED* >/dev/null 2>&1; }

# package NAME VERSION OUT PATH CONTENT [PATH CONTENT]...: a package written by hand (the format of
# pack.lua), so that no lakebase code runs the recipe to make it.
package() {
  local name=$1 version=$2 out=$3; shift 3
  local payload=$tmp/payload
  : >"$payload"
  while [ $# -gt 0 ]; do
    printf 'file %s %d\n' "$1" "$(printf '%s' "$2" | wc -c)" >>"$payload"
    printf '%s\n' "$2" >>"$payload"
    shift 2
  done
  { printf 'lakebase-recipe-pack 1\nname %s\nversion %s\nsha256 %s\n\n' "$name" "$version" \
      "$(sha256sum "$payload" | cut -d' ' -f1)"; cat "$payload"; } >"$out"
}
decl() { printf 'return { name = "%s", version = "1.0", description = "d", params = {}, run = function() end }' "$1"; }

# --- Untrusted code does not run by accident -----------------------------------------------------
exec_top="os.execute('touch $tmp/PWNED_EXEC') $(decl evil)"
loop_top="while true do end $(decl evil)"
io_top="io.open('$tmp/PWNED_IO', 'w'):write('x') $(decl evil)"
catch_top="while true do pcall(function() while true do end end) end $(decl evil)"
grow_top="local s = 'x' while true do s = s .. s end $(decl evil)"
rep_top="local s = string.rep('x', 1 << 40) $(decl evil)"
gc_top="setmetatable({}, { __gc = function() while true do end end }) $(decl evil)"
meta_top="return setmetatable({}, { __index = function() while true do end end })"
for kind in exec loop io catch grow rep gc meta; do
  var=${kind}_top
  package evil 1.0 "$tmp/$kind.lbrecipe" recipe.lua "${!var}"
  timed recipe install "$tmp/$kind.lbrecipe"
  check "install of a package whose top level does '$kind' is refused (exit 1) quickly" \
    bash -c "[ \$(cat $tmp/rc) = 1 ] && [ \$(cat $tmp/secs) -lt 10 ] && grep -q 'refusing to install' $tmp/err"
  check "and leaves no trace ($kind)" bash -c "! ls $tmp/PWNED* >/dev/null 2>&1 && [ ! -e $HOME/.lakebase/recipes/evil ] && [ -z \"\$(ls -A $HOME/.lakebase/recipes 2>/dev/null)\" ]"
done
check "a top-level os.execute is named as the reason" bash -c "timeout -s KILL 30 '$LB' recipe install $tmp/exec.lbrecipe 2>&1 | grep -q \"'os' is not available\""
check "an endless loop is stopped by the instruction budget" bash -c "timeout -s KILL 30 '$LB' recipe install $tmp/loop.lbrecipe 2>&1 | grep -q 'instructions\\|longer than'"
check "a memory bomb is stopped by the memory bound" bash -c "timeout -s KILL 30 '$LB' recipe install $tmp/grow.lbrecipe 2>&1 | grep -q 'memory'"

# The same recipes in ./recipes of an untrusted checkout: list and info read them safely.
mkdir -p recipes
for kind in exec loop io catch grow rep gc meta; do
  var=${kind}_top
  printf '%s\n' "${!var}" >"recipes/evil-$kind.lua"
done
timed recipe list
check "recipe list over hostile recipes exits 0 quickly" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \$(cat $tmp/secs) -lt 20 ]"
check "and runs none of their code" no_trace
check "each is listed as unreadable, with the reason" bash -c "grep -q '^evil-exec .*os.* is not available' $tmp/out && grep -q '^evil-loop .*\\(instructions\\|longer than\\)' $tmp/out"
check "the built-in recipes are still listed" bash -c "grep -q '^ci-branch  *2.0.0 ' $tmp/out"
timed recipe info evil-exec
check "recipe info of a hostile recipe refuses quickly, runs nothing" \
  bash -c "[ \$(cat $tmp/rc) = 1 ] && [ \$(cat $tmp/secs) -lt 10 ] && ! ls $tmp/PWNED* >/dev/null 2>&1 && grep -q 'is not available' $tmp/err"
timed recipe info evil-loop
check "recipe info of an endless recipe stops" bash -c "[ \$(cat $tmp/rc) = 1 ] && [ \$(cat $tmp/secs) -lt 10 ]"
timed recipe run evil-loop --help
check "recipe run NAME --help reads declarations only" bash -c "[ \$(cat $tmp/rc) = 1 ] && [ \$(cat $tmp/secs) -lt 10 ]"
timed recipe pack recipes/evil-exec.lua -o "$tmp/x.lbrecipe"
check "recipe pack does not run the recipe either" bash -c "[ \$(cat $tmp/rc) = 1 ] && ! ls $tmp/PWNED* >/dev/null 2>&1 && [ ! -e $tmp/x.lbrecipe ]"
rm -f recipes/evil-*.lua

# A directory recipe with a helper module: the helper is never run to list it, and declarations
# that need the helper are listed with a note.
mkdir -p recipes/helped recipes/needy
printf 'os.execute("touch %s/PWNED_HELPER")\nreturn { greet = function() return "hi" end, text = "from helper" }\n' "$tmp" >recipes/helped/helper.lua
cp recipes/helped/helper.lua recipes/needy/helper.lua
cat >recipes/helped/recipe.lua <<'LUA'
local helper = require "helper"
local validate = require "lakebase.api.validate"
return { name = "helped", version = "1.2.0", description = "Uses a helper at run time",
  params = { { name = "who", type = "string", default = "you" } },
  run = function(ctx, p) ctx.print(helper.greet() .. " " .. p.who) end }
LUA
cat >recipes/needy/recipe.lua <<'LUA'
local helper = require "helper"
return { name = "needy", version = "1.0.0", description = helper.text, params = {}, run = function() end }
LUA
timed recipe list
check "a directory recipe with a helper lists normally without running the helper" \
  bash -c "grep -q '^helped  *1.2.0  *Uses a helper at run time' $tmp/out && ! ls $tmp/PWNED* >/dev/null 2>&1"
check "declarations that need a helper are listed with a clear note" \
  bash -c "grep -q \"^needy .*helper module 'helper'\" $tmp/out && ! ls $tmp/PWNED* >/dev/null 2>&1"
run recipe info helped
check "info reads it without running the helper" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q -- '--who V' $tmp/out && ! ls $tmp/PWNED* >/dev/null 2>&1"
run recipe run helped --who there
check "recipe run is the step that runs it, with full powers" \
  bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '^hi there$' $tmp/out && [ -e $tmp/PWNED_HELPER ]"
rm -f "$tmp/PWNED_HELPER"
run recipe --help
check "recipe --help says which steps run a recipe's code" bash -c "grep -q 'only .recipe run. runs' $tmp/out"
rm -rf recipes/helped recipes/needy

# --- Packages: duplicates, clashes, shadowing ---------------------------------------------------
package dup 1.0 "$tmp/dup.lbrecipe" recipe.lua "$(decl dup)" recipe.lua "$(decl dup)"
run recipe install "$tmp/dup.lbrecipe"
check "a package with duplicate file entries is refused" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'recipe.lua appears twice' $tmp/err"
package clash 1.0 "$tmp/clash.lbrecipe" recipe.lua "$(decl clash)" a.lua "return 1" a.lua/b.lua "return 2"
run recipe install "$tmp/clash.lbrecipe"
check "a package with a file that is also a directory is refused, saying why" \
  bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'a.lua is both a file and a directory' $tmp/err"
check "and nothing is half-installed" bash -c "[ -z \"\$(ls -A $HOME/.lakebase/recipes 2>/dev/null)\" ]"
package ci-branch 1.0 "$tmp/shadow.lbrecipe" recipe.lua "$(decl ci-branch)"
run recipe install "$tmp/shadow.lbrecipe"
check "installing a recipe a built-in shadows is refused clearly" \
  bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'built-in recipe ci-branch' $tmp/err && [ ! -e $HOME/.lakebase/recipes/ci-branch ]"
package mine 1.0 "$tmp/mine.lbrecipe" recipe.lua "$(decl mine)"
mkdir -p recipes && decl mine >recipes/mine.lua
run recipe install "$tmp/mine.lbrecipe"
check "installing a recipe shadowed by ./recipes warns" \
  bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'warning: .*recipes/mine.lua comes first' $tmp/err && [ -f $HOME/.lakebase/recipes/mine/recipe.lua ]"
mkdir -p "$HOME/.lakebase/recipes" && decl ci-branch >"$HOME/.lakebase/recipes/ci-branch.lua"
run recipe list
check "a recipe shadowed by a built-in is listed with a warning" \
  bash -c "grep -q \"^ci-branch .*shadowed by the built-in ci-branch\" $tmp/out"
check "a recipe shadowed by an earlier directory is listed with a warning" \
  bash -c "grep -q \"^mine .*shadowed by recipes/mine.lua\" $tmp/out"
run recipe list -o json
check "the JSON listing names what shadows what" bash -c "grep -q '\"shadowed_by\":\"built-in\"' $tmp/out"
rm -rf recipes "$HOME/.lakebase/recipes"

# --- Parameters: durations and whole numbers, checked before anything runs ----------------------
"$LB" postgres create-project shop >/dev/null
for bad in "--ttl 500ms" "--ttl 1.5s" "--ttl 0s" "--ttl 999999999999999d" "--ttl 31d" "--pr 1e999" "--pr 2.5"; do
  run recipe run ci-branch --project shop --pr 3 $bad --dry-run
  check "ci-branch $bad is refused with exit 2 before anything runs" \
    bash -c "[ \$(cat $tmp/rc) = 2 ] && [ ! -s $tmp/out ] && ! grep -q traceback $tmp/err && grep -q -- '${bad%% *} ' $tmp/err"
done
run recipe run ci-branch --project shop --pr 3 --ttl 500ms
check "a sub-second ttl is named, not truncated to 0s" bash -c "grep -q -- \"--ttl must be a whole number of seconds, got '500ms'\" $tmp/err"
run recipe run ci-branch --project shop --pr 4 --ttl 1.5h --dry-run
check "a fractional unit that makes whole seconds is fine (1.5h = 5400s)" \
  bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '\"ttl\":\"5400s\"' $tmp/out"
run recipe run scale-compute --endpoint projects/shop/branches/production/endpoints/primary --suspend 30s
check "scale-compute's suspend has the service's minimum (60s)" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q -- '--suspend must be at least 1m' $tmp/err"
run recipe run ci-branch --help
check "recipe run ci-branch --help prints the recipe's help" \
  bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '^ci-branch 2.0.0' $tmp/out && grep -q -- '--ttl V' $tmp/out"
run recipe info ci-branch
check "info shows a duration's range" bash -c "grep -q 'duration 1s..30d, default 3d' $tmp/out"
run recipe new nightly
run recipe run nightly --project shop --ttl 1.5s
check "the recipe new skeleton refuses a fractional ttl with exit 2" \
  bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q -- '--ttl must be a whole number of seconds' $tmp/err"
run recipe run nightly --project shop --ttl 90s --dry-run
check "and formats a valid one" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q '\"ttl\":\"90s\"' $tmp/out"

finish
