#!/usr/bin/env bash
# The C sources keep every Linux-only header and call in src/platform.c (scripts/portability-check),
# so that the same sources build on macOS. The check itself is shown to catch one first.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)

mkdir -p "$tmp/src"
printf '#include <sys/epoll.h>\nint f(void) { return epoll_create1(0); }\n' >"$tmp/src/planted.c"
"$root/scripts/portability-check" "$tmp/src" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "a planted epoll call is caught" rc_is 1
check "the report names the file and line" err_has "planted.c:1:#include <sys/epoll.h>"

# A POSIX path that would not build on a Mac is caught too (here: a call macOS lacks, unguarded).
mkdir -p "$tmp/posix"
cp "$root/src/platform.c" "$root/src/platform.h" "$tmp/posix/"
sed -i 's/^void lb_cloexec_from(int lowfd) { cloexec_each(lowfd); }$/void lb_cloexec_from(int lowfd) { cloexec_each(lowfd); no_such_call(lowfd); }/' "$tmp/posix/platform.c"
"$root/scripts/portability-check" "$tmp/posix" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "a POSIX path that does not compile is caught" rc_is 1
check "the report names the POSIX path" err_has "POSIX (macOS) path of $tmp/posix/platform.c does not compile"

(cd "$root" && scripts/portability-check) >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "src/ and tests/fuzz/ hold no Linux-only call outside src/platform.c" rc_is 0
check "and its POSIX path compiles" out_has "its POSIX path compiles"
finish
