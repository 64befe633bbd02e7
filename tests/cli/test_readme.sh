#!/usr/bin/env bash
# Every Lua snippet of README.md runs as written against an embedded emulator with real
# PostgreSQL (`lakebase run --local`), after a prelude that gives it what the text around it
# assumes: a project "shop" (`project`, `client`) and a migration file in migrations/001.sql.
set -u
LB=${1:?usage: test_readme.sh PATH_TO_LAKEBASE}
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
mkdir -p "$tmp/work/migrations"
cp "$here/scripts/examples/migrations/001_items.sql" "$tmp/work/migrations/001.sql"
awk -v dir="$tmp" '/^```lua/{p=1; n++; f=sprintf("%s/snippet%02d.lua", dir, n); next} /^```/{p=0} p{print > f}' "$here/README.md"
cat >"$tmp/prelude.lua" <<'LUA'
local client = lakebase.default_client()
client:create_project("shop", { display_name = "Shop" }):wait()
local project = client:get_project("shop")
LUA
count=0
for snippet in "$tmp"/snippet*.lua; do
  count=$((count + 1))
  name=$(basename "$snippet" .lua)
  cat "$tmp/prelude.lua" "$snippet" >"$tmp/work/$name.lua"
  (cd "$tmp/work" && timeout 100 "$LB" -q run --local "$name.lua" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc")
  check "README $name runs as written ($(head -c 60 "$snippet" | head -1))" rc_is 0
done
check "the README has Lua snippets to check" [ "$count" -ge 3 ]
check "the last snippet's claim holds: the sleep and the request overlapped (1 s, not 1.5 s)" grep -q "^slept	200	1\.[0-3]s$" "$tmp/out"
finish
