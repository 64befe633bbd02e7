#!/usr/bin/env bash
# `lakebase types DIR`: writes the LuaLS definitions (the same text the module generates) and
# creates or merges ./.luarc.json; a .luarc.json that is not a JSON object, a missing directory
# argument or an unknown flag change nothing. (tests/lua/test_types.lua checks the definitions
# against the module.)
set -u
LB=${1:?usage: test_types.sh PATH_TO_LAKEBASE}
LB=$(cd "$(dirname "$LB")" && pwd)/$(basename "$LB")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
json_field() { "$LB" -e 'local t = lakebase.json.decode(io.read("a")); for k in arg[1]:gmatch("[^.]+") do t = t[tonumber(k) or k] end print(t)' "$1" <"$2"; }
export -f json_field; export LB

mkdir "$tmp/proj" && cd "$tmp/proj" || exit 1
run types defs
check "types DIR exits 0" rc_is 0
check "it writes lakebase.lua and resources.lua" test -s defs/lakebase.lua -a -s defs/resources.lua
check "both are LuaLS meta files" bash -c "head -1 defs/lakebase.lua | grep -qx -- '---@meta' && head -1 defs/resources.lua | grep -qx -- '---@meta'"
check "the files are what the module generates" bash -c \
  "[ \"\$('$LB' -e 'io.write(require(\"lakebase.types\").files()[\"resources.lua\"])')\" = \"\$(cat defs/resources.lua)\" ]"
check "resources.lua has the client's generated methods" grep -q '^function Branch:create_endpoint(id, spec, opts) end$' defs/resources.lua
check "and not the ones a kind lacks (catalogs are not updated)" bash -c "! grep -q '^function Catalog:update' defs/resources.lua"
check "both files compile as Lua" "$LB" -e 'assert(loadfile("defs/lakebase.lua")) assert(loadfile("defs/resources.lua"))'
check ".luarc.json names DIR as a library" bash -c "[ \"\$(json_field workspace.library.1 .luarc.json)\" = defs ]"
check ".luarc.json: Lua 5.4" bash -c "[ \"\$(json_field runtime.version .luarc.json)\" = 'Lua 5.4' ]"
check ".luarc.json: lakebase is a global" bash -c "[ \"\$(json_field diagnostics.globals.1 .luarc.json)\" = lakebase ]"

# Merging: other settings kept, the library added once, the global once.
cat >.luarc.json <<'EOF'
{"workspace": {"library": ["vendor"], "checkThirdParty": false}, "diagnostics": {"globals": ["lakebase", "ngx"]}, "hint": {"enable": true}}
EOF
run types defs/
run types defs
check "a second run over an existing .luarc.json exits 0" rc_is 0
check "its library is kept and DIR added once" bash -c "[ \"\$(json_field workspace.library.1 .luarc.json) \$(json_field workspace.library.2 .luarc.json) \$(json_field workspace.library.3 .luarc.json)\" = 'vendor defs nil' ]"
check "its other settings are kept" bash -c "[ \"\$(json_field workspace.checkThirdParty .luarc.json) \$(json_field hint.enable .luarc.json)\" = 'false true' ]"
check "globals are not repeated" bash -c "[ \"\$(json_field diagnostics.globals.2 .luarc.json) \$(json_field diagnostics.globals.3 .luarc.json)\" = 'ngx nil' ]"

# Refusals change nothing.
echo '{"workspace": ' >.luarc.json
rm -rf defs
run types defs
check "a .luarc.json that is not JSON: exit 1" rc_is 1
check "naming the file and the way out" err_has ".luarc.json is not a JSON object.*--no-luarc"
check "and nothing is written" bash -c "[ ! -e defs ] && [ \"\$(cat .luarc.json)\" = '{\"workspace\": ' ]"
echo '[]' >.luarc.json
run types defs
check "a .luarc.json holding an empty array, not an object: exit 1, nothing written" bash -c \
  "[ \$(cat $tmp/rc) = 1 ] && grep -q '.luarc.json is not a JSON object' $tmp/err && [ ! -e defs ] && [ \"\$(cat .luarc.json)\" = '[]' ]"
echo '{"workspace": ' >.luarc.json
run types defs --no-luarc
check "--no-luarc writes the definitions only" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ -s defs/resources.lua ] && [ \"\$(cat .luarc.json)\" = '{\"workspace\": ' ]"
run types
check "no DIR: exit 2 with the usage" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'directory to write to is missing' $tmp/err && grep -q 'usage: lakebase types DIR' $tmp/err"
run types defs --bogus
check "an unknown flag: exit 2 naming it" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"unknown option '--bogus'\" $tmp/err"
run types a b
check "two directories: exit 2" rc_is 2
touch afile
run types afile/defs --no-luarc
check "a DIR that cannot be made: exit 1 naming it" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'cannot create afile/defs' $tmp/err"
# Files planted where the temporary files go (a shared directory, a checkout): never written through.
rm -rf defs .luarc.json; mkdir defs
echo precious >victim
ln -s ../victim defs/lakebase.lua.tmp
ln -s victim .luarc.json.tmp
run types defs
check "symlinks planted at the temporary names are not followed" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \"\$(cat victim)\" = precious ] && [ ! -L defs/lakebase.lua ] && [ ! -L .luarc.json ] && grep -q 'workspace' .luarc.json && cmp -s defs/lakebase.lua <('$LB' -e 'io.write(require(\"lakebase.types\").files()[\"lakebase.lua\"])')"
check "  the definitions are readable by all (0644), as source files are" bash -c "[ \$(stat -c %a defs/lakebase.lua) = 644 ] && [ \$(stat -c %a .luarc.json) = 644 ]"
rm -f defs/lakebase.lua.tmp .luarc.json.tmp
run types --help
check "types --help" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'workspace.library' $tmp/out"
finish
