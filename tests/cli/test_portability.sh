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

(cd "$root" && scripts/portability-check) >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "src/ and tests/fuzz/ hold no Linux-only call outside src/platform.c" rc_is 0
finish
