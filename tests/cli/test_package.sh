#!/usr/bin/env bash
# The .deb: CPack builds it from this build tree, dpkg-deb unpacks it into a temporary root (never
# the machine's), and the installed files are checked where a distribution expects them: the
# binary runs (--version, and the headline workflow with --local against real PostgreSQL from the
# unpacked root), the manual page renders without warnings and carries the help, the type
# definitions are what the binary generates, the shell completions are there whenever the binary
# has `lakebase completion`, and the package depends on the Debian packages owning every library
# the binary links or opens with dlopen.
set -u
LB=${1:?usage: test_package.sh PATH_TO_LAKEBASE}
BUILD=$(cd "$(dirname "$LB")" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
: >"$tmp/out"; : >"$tmp/err"

cpack --config "$BUILD/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/out" 2>"$tmp/err"
deb=$(ls "$tmp"/pkg/lakebase_*.deb 2>/dev/null | head -1)
check "cpack makes lakebase_VERSION_ARCH.deb" test -n "$deb"
[ -n "$deb" ] || { finish; exit 1; }
dpkg-deb -f "$deb" Package Version Depends Recommends >"$tmp/control"
field() { sed -n "s/^$1: //p" "$tmp/control"; }
check "the package is called lakebase" [ "$(field Package)" = lakebase ]
check "PostgreSQL is recommended, for --local" bash -c "grep -q '^Recommends:.*postgresql' $tmp/control"

# Every library the binary needs, linked or opened with dlopen (the SONAMEs the build recorded),
# belongs to a package in Depends; every package named there exists (installed here).
depends=" $(field Depends | sed 's/([^)]*)//g' | tr -d ' ' | tr ',|' '  ') "
sonames=$( (objdump -p "$LB" | sed -n 's/^ *NEEDED *//p'; grep -ao 'lib[a-z0-9_.+-]*\.so\.[0-9]*' "$LB") | sort -u)
missing=""
for so in $sonames; do
  path=$(ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }')
  # dpkg knows a file by the path its package shipped it at: /lib/... or /usr/lib/... (merged /usr)
  owner=$( (dpkg-query -S "$path" || dpkg-query -S "$(readlink -f "$path")") 2>/dev/null | sed -n '1s/[:,].*//p')
  case "$depends" in *" $owner "*) ;; *) missing="$missing $so(${owner:-no package})";; esac
done
echo "$sonames" | tr '\n' ' ' >"$tmp/out"
check "every library the binary links or opens is depended on:$missing" [ -z "$missing" ]
check "libcurl, libpq, libedit and OpenSSL (dlopened) are among them" bash -c "[ \$(echo '$sonames' | grep -c -e libcurl -e libpq -e libedit -e libssl) = 4 ]"
# Each dependency ("name (>= version)") is installed here in a version that satisfies it.
unknown=""
while read -r p op v; do
  [ -n "$p" ] || continue
  have=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$p" 2>/dev/null)
  case "$have" in
    "installed "*) [ -z "$op" ] || dpkg --compare-versions "${have#installed }" "$op" "$v" || unknown="$unknown $p($op $v)";;
    *) unknown="$unknown $p";;
  esac
done < <(field Depends | tr ',' '\n' | sed 's/[()]//g')
check "every package in Depends is a Debian package installed here, in a version that satisfies it:$unknown" [ -z "$unknown" ]

root=$tmp/root
dpkg-deb -x "$deb" "$root"
bin=$root/usr/bin/lakebase
check "bin/lakebase is installed, executable" test -x "$bin"
cd "$tmp" || exit 1
"$bin" --version >"$tmp/out" 2>"$tmp/err"
check "the installed lakebase --version names the package's version" bash -c "grep -q '^lakebase $(field Version) (Lua 5.4)$' $tmp/out"

man=$root/usr/share/man/man1/lakebase.1.gz
check "the manual page is share/man/man1/lakebase.1.gz" test -s "$man"
zcat "$man" | groff -man -Tutf8 -ww -z >"$tmp/out" 2>"$tmp/err"
check "it renders without a groff warning" bash -c "[ ! -s $tmp/err ]"
MANWIDTH=200 man -l "$man" 2>"$tmp/err" | col -b >"$tmp/out"
check "man -l shows its sections" bash -c "grep -q '^NAME' $tmp/out && grep -q '^SYNOPSIS' $tmp/out && grep -q '^OPTIONS' $tmp/out && grep -q '^EXIT STATUS' $tmp/out && grep -q '^ENVIRONMENT' $tmp/out"
check "every option of --help is in it" bash -c "for o in \$('$bin' --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do grep -q -- \"\$o\" $tmp/out || { echo missing \$o; exit 1; }; done"
check "with each command's help (lakebase postgres)" bash -c "grep -q 'lakebase postgres' $tmp/out && grep -q 'create-branch' $tmp/out"

"$bin" types "$tmp/types" --no-luarc 2>/dev/null
check "the type definitions are share/lakebase/types, as the binary writes them" \
  bash -c "diff -r '$tmp/types' '$root/usr/share/lakebase/types' >/dev/null && [ -s '$tmp/types/resources.lua' ]"

bash_c=$root/usr/share/bash-completion/completions/lakebase
zsh_c=$root/usr/share/zsh/site-functions/_lakebase
fish_c=$root/usr/share/fish/vendor_completions.d/lakebase.fish
if "$bin" completion bash >"$tmp/bash_c" 2>/dev/null; then
  "$bin" completion zsh >"$tmp/zsh_c" && "$bin" completion fish >"$tmp/fish_c"
  check "the bash, zsh and fish completions are where each shell looks, as the binary prints them" \
    bash -c "cmp -s $tmp/bash_c $bash_c && cmp -s $tmp/zsh_c $zsh_c && cmp -s $tmp/fish_c $fish_c"
  check "bash loads the installed completion for lakebase" bash -c "source $bash_c && complete -p lakebase >/dev/null"
else
  echo "# this lakebase has no completion command: the package has no completions"
  check "no completion files without the command" bash -c "[ ! -e $bash_c ] && [ ! -e $zsh_c ] && [ ! -e $fish_c ]"
fi

# The headline workflow from the unpacked root, with nothing of the build tree on the way.
env -u LAKEBASE_LUA_DIR HOME="$tmp" "$bin" run --local "$SRC/scripts/examples/branch_workflow.lua" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
check "the installed lakebase runs the --local workflow: migrated, verified, branch deleted" \
  bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'migrated and verified on the branch: 1000 rows' $tmp/out && grep -q 'lakebase: deleted projects/demo/branches/' $tmp/err"
finish
