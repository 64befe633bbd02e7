#!/usr/bin/env bash
# The client against a hostile HTTP server (hostile_server.py on loopback): endless bodies, a gzip
# bomb, header bombs, a status line that is not HTTP, broken and cut-short chunking, truncation,
# resets, 503s and silence. Every case ends within seconds with one clear error, in bounded memory
# (peak RSS measured); failures that waiting cannot cure fail at once, the others are retried
# within --retry-timeout, saying so on stderr. Runs in the normal and the ASan build.
set -u
LB=${1:?usage: test_hostile_server.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile.sh"
start_hostile_server hostile
base=http://127.0.0.1:$hostile_port
export DATABRICKS_HOST=$base DATABRICKS_TOKEN=hostile-token-0123456789
unset LAKEBASE_MAX_RESPONSE_BYTES LAKEBASE_RETRY_TIMEOUT
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }

# Peak RSS allowed: the 32 MiB default cap plus the process itself. An uncapped client reaches
# gigabytes within seconds. AddressSanitizer keeps freed blocks in quarantine and adds its shadow.
max_kb=100000
if ldd "$LB" 2>/dev/null | grep -q libasan; then max_kb=300000; fi

cap_named() { err_has "larger than 33554432 bytes" && err_has "LAKEBASE_MAX_RESPONSE_BYTES"; }
one_attempt() { ! err_has "retrying" && ! err_has "gave up after"; }

for mode in endless endless-chunked gzip-bomb; do
  bounded 20 "$max_kb" "$LB" api GET "/$mode"
  check "$mode: fails with exit 1" rc_is 1
  check "$mode: the error names the cap and how to raise it" cap_named
  check "$mode: not retried" one_attempt
  check "$mode: within seconds ($(cat "$tmp/secs") s)" secs_under 10
  check "$mode: peak RSS $(cat "$tmp/kb") KB stays under $max_kb KB $(cat "$tmp/killed")" kb_under "$max_kb"
done

for mode in header-bomb header-line; do
  bounded 20 "$max_kb" "$LB" api GET "/$mode"
  check "$mode: fails at once with exit 1" bash -c "[ \$(cat $tmp/rc) = 1 ] && awk 'BEGIN { exit !($(cat "$tmp/secs") < 5) }'"
  check "$mode: the error says the headers are too large" bash -c "grep -qi 'header' $tmp/err"
  check "$mode: not retried" one_attempt
  check "$mode: peak RSS $(cat "$tmp/kb") KB stays under $max_kb KB $(cat "$tmp/killed")" kb_under "$max_kb"
done

# The cap is settable: lower through the environment, higher or lower per client in Lua.
bounded 20 "$max_kb" env LAKEBASE_MAX_RESPONSE_BYTES=1000 "$LB" api GET "/big?n=1001"
check "LAKEBASE_MAX_RESPONSE_BYTES=1000 refuses a 1001-byte answer, naming 1000" \
  bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'larger than 1000 bytes' $tmp/err && grep -q LAKEBASE_MAX_RESPONSE_BYTES $tmp/err"
bounded 20 "$max_kb" env LAKEBASE_MAX_RESPONSE_BYTES=1000 "$LB" api GET "/big?n=1000"
check "... and takes a 1000-byte one" rc_is 0
bounded 20 "$max_kb" "$LB" -e '
  local c = lakebase.client { host = os.getenv("DATABRICKS_HOST"), token = os.getenv("DATABRICKS_TOKEN"), max_response_bytes = 5000 }
  print(#c:request("GET", "/big", { n = 5000 }))
  local ok, err = pcall(c.request, c, "GET", "/big", { n = 5001 })
  print(ok, err.reason, err.retryable, err.message)'
check "lakebase.client{max_response_bytes = 5000} takes 5000 bytes and refuses 5001, not retryable" \
  bash -c "head -1 $tmp/out | grep -qx 4998 && grep -q '^false	too_large	false	GET /big: the answer is larger than 5000 bytes' $tmp/out"
bounded 20 "$max_kb" env LAKEBASE_MAX_RESPONSE_BYTES=1000 "$LB" -e '
  local c = lakebase.client { host = os.getenv("DATABRICKS_HOST"), token = os.getenv("DATABRICKS_TOKEN"), max_response_bytes = 100000 }
  print(#c:request("GET", "/big", { n = 50000 }))'
check "max_response_bytes raises the limit over LAKEBASE_MAX_RESPONSE_BYTES" out_is 49998
for bad in 0 -5 10MB 1e9 x; do
  LAKEBASE_MAX_RESPONSE_BYTES=$bad run -e 'print(1)'
  check "LAKEBASE_MAX_RESPONSE_BYTES=$bad is refused before anything runs (exit 2, named)" \
    bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"LAKEBASE_MAX_RESPONSE_BYTES is '$bad'\" $tmp/err && [ ! -s $tmp/out ]"
done

# lakebase.http.request: its own cap (max_body, default the same), and every failure classified.
probe='local ok, e = pcall(lakebase.http.request, { url = arg[1], timeout = 3, max_body = tonumber(arg[2]) })
  if ok then print("answered", e) else print(e.reason, e.retryable) io.stderr:write(tostring(e), "\n") end'
expect() {  # expect MODE MAX_BODY REASON RETRYABLE
  bounded 20 "$max_kb" "$LB" -e "$probe" "$base/$1" "$2"
  check "http.request /$1: $3, retryable $4 ($(cat "$tmp/secs") s, $(cat "$tmp/kb") KB)" \
    bash -c "[ \"\$(cat $tmp/out)\" = '$3	$4' ] && [ ! -s $tmp/killed ] && [ \$(cat $tmp/kb) -lt $max_kb ]"
}
expect endless 1000000 too_large false
check "max_body = 1000000 is named, with how to raise it" bash -c "grep -q 'larger than 1000000 bytes' $tmp/err && grep -q 'max_body = N' $tmp/err"
expect gzip-bomb "" too_large false
check "the default cap (32 MiB, decompressed) stops a gzip bomb" err_has "larger than 33554432 bytes"
expect header-bomb "" too_large false
expect header-line "" local false
expect bad-status "" protocol false
expect bad-chunk "" protocol false
expect truncated-chunk "" truncated true
expect truncated "" truncated true
expect empty "" retry true
expect reset "" retry true
expect never "" retry true
check "a silent server times out after the request's timeout" secs_over 3
"$LB" -e 'local ok, e = pcall(lakebase.http.request, { url = arg[1], max_body = 0 }) print(e)' "$base/" >"$tmp/out" 2>&1
check "max_body must be 1 or more" grep -q "field 'max_body' must be a number of bytes, 1 or more" "$tmp/out"
"$LB" -e 'local _, e = pcall(lakebase.http.request, { method = "POST", url = arg[1], body = "{}" }) print(e.reason, e.retryable)' \
  "$base/truncated" >"$tmp/out" 2>&1
check "a POST whose answer was cut short is not retryable (the server may have acted on it)" out_is "truncated	false"

# The API client: what waiting cannot cure fails at once; the rest is retried within
# --retry-timeout, announced on stderr once it takes a while, silent under -q.
for mode in bad-status bad-chunk; do
  bounded 20 "$max_kb" "$LB" --retry-timeout 30s api GET "/$mode"
  check "api /$mode: fails at once ($(cat "$tmp/secs") s) with exit 1, not retried" \
    bash -c "[ \$(cat $tmp/rc) = 1 ] && awk 'BEGIN { exit !($(cat "$tmp/secs") < 5) }' && ! grep -q retrying $tmp/err"
  check "api /$mode: the error says the answer is not valid HTTP" err_has "not valid HTTP"
done
retry_line='^lakebase: GET /%s: .*; retrying in [0-9.]+s \(attempt [0-9]+\)$'
for mode in 503 empty reset truncated truncated-chunk not-json; do
  bounded 30 "$max_kb" "$LB" --retry-timeout 5s api GET "/$mode"
  check "api /$mode: retried, then exit 1 with 'gave up' ($(cat "$tmp/secs") s)" \
    bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'gave up after [0-9]* attempts in 5s' $tmp/err"
  check "api /$mode: --retry-timeout 5s bounds it" bash -c "awk 'BEGIN { s = $(cat "$tmp/secs"); exit !(s >= 2.5 && s < 9) }'"
  # shellcheck disable=SC2059
  check "api /$mode: a retry says what, why and when, on one line" grep -Eq "$(printf "$retry_line" "$mode")" "$tmp/err"
  [ "$mode" = 503 ] && check "the 503's line names status and error code" \
    grep -Eq '^lakebase: GET /503: HTTP 503 TEMPORARILY_UNAVAILABLE; retrying in [0-9]+s \(attempt [0-9]+\)$' "$tmp/err"
done
bounded 30 "$max_kb" "$LB" -q --retry-timeout 5s api GET /503
check "-q: retried without a word, only the final error" bash -c "[ \$(cat $tmp/rc) = 1 ] && [ \$(wc -l <$tmp/err) = 1 ] && grep -q 'gave up' $tmp/err"
bounded 30 "$max_kb" env LAKEBASE_RETRY_TIMEOUT=5s "$LB" api GET /503
check "LAKEBASE_RETRY_TIMEOUT=5s does the same as --retry-timeout" \
  bash -c "grep -q 'gave up after [0-9]* attempts in 5s' $tmp/err && awk 'BEGIN { exit !($(cat "$tmp/secs") < 9) }'"
bounded 30 "$max_kb" env LAKEBASE_RETRY_TIMEOUT=5s "$LB" --retry-timeout 0s api GET /503
check "--retry-timeout 0s: no retry at all, and it wins over the environment" \
  bash -c "grep -q 'gave up after 1 attempt in 0s' $tmp/err && ! grep -q retrying $tmp/err"
bounded 30 "$max_kb" "$LB" --retry-timeout 2s api GET /never
check "a server that never answers: bounded by --retry-timeout 2s ($(cat "$tmp/secs") s)" \
  bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'timed out' $tmp/err && awk 'BEGIN { s = $(cat "$tmp/secs"); exit !(s >= 2 && s < 6) }'"
bounded 30 "$max_kb" "$LB" --retry-timeout 30s api POST /truncated --json '{}'
check "api POST: an answer cut short fails at once, not repeated" \
  bash -c "[ \$(cat $tmp/rc) = 1 ] && ! grep -q retrying $tmp/err && awk 'BEGIN { exit !($(cat "$tmp/secs") < 5) }'"
bounded 30 "$max_kb" "$LB" --retry-timeout 30s api POST /not-json --json '{}'
check "api POST: an unreadable answer fails at once, saying why it is not retried" \
  bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'not retried: the server may have carried the request out' $tmp/err"
closed=$("$LB" -e 'local s = lakebase.net.listen("127.0.0.1", 0) print(s.port) s:close()')
bounded 30 "$max_kb" "$LB" --host "http://127.0.0.1:$closed" --retry-timeout 5s api GET projects
check "a refused connection is retried, announced, within --retry-timeout" \
  bash -c "grep -Eq '^lakebase: GET projects: .*Couldn.t connect to server; retrying in' $tmp/err && grep -q 'gave up' $tmp/err"

# Terminal injection: what a server says is printed with its control characters made visible, so
# it cannot retitle the window, clear the screen, overwrite a line (CR) or reorder text (bidi).
escapes_shown() {
  ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$tmp/err" && ! grep -q $'\xc2\x9b' "$tmp/err" &&
    ! grep -q $'\xe2\x80\xae' "$tmp/err" && grep -q 'bad\\x1B\]0;retitled\\x07 value\\x1B\[2J\\rhidden' "$tmp/err" &&
    grep -q 'INVALID\\x1B\[31m' "$tmp/err" && grep -q '^next line' "$tmp/err"
}
run api GET /escapes
check "an error message with terminal escapes is printed with them visible (exit 1)" eval 'rc_is 1 && escapes_shown'
run --retry-timeout 5s api GET /escapes-503
check "  and in the retry notices" eval "escapes_shown && grep -q 'HTTP 503 INVALID\\\\x1B\[31m; retrying in' $tmp/err"


bounded 30 "$max_kb" "$LB" postgres list-branches projects/loop -o json
check "a server repeating its next_page_token: the listing fails at once naming it (exit 1), not an endless loop" \
  bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q \"repeated the page token 'same'\" $tmp/err && awk 'BEGIN { exit !($(cat "$tmp/secs") < 5) }'"

for bad in 5x -1s soon ""; do
  run --retry-timeout "$bad" api GET /503
  check "--retry-timeout '$bad' is refused (exit 2, named), nothing sent" \
    bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"retry-timeout is '$bad'\" $tmp/err"
  LAKEBASE_RETRY_TIMEOUT=$bad run -e 'print(1)'
  [ -n "$bad" ] && check "LAKEBASE_RETRY_TIMEOUT=$bad is refused before anything runs (exit 2)" \
    bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"LAKEBASE_RETRY_TIMEOUT is '$bad'\" $tmp/err"
done
run --help
check "--help documents --retry-timeout, the new variables and the exit codes" \
  bash -c "grep -q -- '--retry-timeout DURATION' $tmp/out && grep -q LAKEBASE_RETRY_TIMEOUT $tmp/out && grep -q LAKEBASE_MAX_RESPONSE_BYTES $tmp/out && grep -q LAKEBASE_CA_BUNDLE $tmp/out && grep -q 'Exit status' $tmp/out && grep -q 'write error' $tmp/out"
finish
