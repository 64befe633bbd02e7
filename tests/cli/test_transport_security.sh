#!/usr/bin/env bash
# TLS and credentials on the wire, against servers on loopback: a self-signed certificate (made
# here with openssl) is refused at once and trusted through LAKEBASE_CA_BUNDLE, SSL_CERT_FILE,
# CURL_CA_BUNDLE or SSL_CERT_DIR as curl users expect; credentials never go over plain http:// to
# a host other than loopback unless LAKEBASE_ALLOW_INSECURE_HTTP=1; unknown hosts and malformed
# URLs fail at once; a password in the host URL is masked everywhere.
set -u
LB=${1:?usage: test_transport_security.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile.sh"
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
unset CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR LAKEBASE_CA_BUNDLE LAKEBASE_ALLOW_INSECURE_HTTP
export DATABRICKS_TOKEN=transport-token-0123456789
max_kb=400000
# Host names that cannot resolve without asking anyone: glibc refuses a label over 63 characters
# before sending a query, so no test ever talks to a host that is not this machine.
nowhere=$(printf 'x%.0s' $(seq 70)).invalid
at_once() { [ "$(cat "$tmp/rc")" = 1 ] && secs_under 5 && ! err_has retrying; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
mkdir "$tmp/certs" && cp "$tmp/cert.pem" "$tmp/certs/" && openssl rehash "$tmp/certs"
start_hostile_server tls --tls "$tmp/cert.pem" "$tmp/key.pem"
tls=https://127.0.0.1:$hostile_port
start_hostile_server plain
plain_port=$hostile_port

bounded 60 "$max_kb" "$LB" --host "$tls" --retry-timeout 60s postgres list-projects
check "a self-signed certificate fails at once ($(cat "$tmp/secs") s), exit 1, not retried" at_once
check "... saying why and how to trust a private CA" \
  bash -c "grep -q 'SSL certificate problem: self-signed certificate' $tmp/err && grep -q LAKEBASE_CA_BUNDLE $tmp/err"
for var in LAKEBASE_CA_BUNDLE SSL_CERT_FILE CURL_CA_BUNDLE; do
  env "$var=$tmp/cert.pem" "$LB" --host "$tls" postgres list-projects >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
  check "$var=cert.pem: the server is trusted" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \"\$(cat $tmp/out)\" = '[]' ]"
done
SSL_CERT_DIR=$tmp/certs run --host "$tls" api GET projects
check "SSL_CERT_DIR=a hashed directory holding it: trusted" rc_is 0
CURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=$tmp/cert.pem run --host "$tls" api GET projects
check "CURL_CA_BUNDLE wins over SSL_CERT_FILE, as for curl" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'self-signed' $tmp/err"
LAKEBASE_CA_BUNDLE=$tmp/cert.pem CURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt run --host "$tls" api GET projects
check "LAKEBASE_CA_BUNDLE wins over both" rc_is 0
LAKEBASE_CA_BUNDLE=$tmp/cert.pem run -e 'print((lakebase.http.request { url = arg[1] .. "/x" }))' "$tls"
check "lakebase.http.request trusts it too" out_is 200
bounded 60 "$max_kb" env "LAKEBASE_CA_BUNDLE=$tmp/missing.pem" "$LB" --host "$tls" --retry-timeout 60s api GET projects
check "a CA bundle that does not exist fails at once, naming it" bash -c "grep -q 'missing.pem' $tmp/err && grep -q LAKEBASE_CA_BUNDLE $tmp/err"
check "... exit 1, not retried" at_once

# Plain http://: fine on loopback (the emulator), refused elsewhere unless allowed.
run -v --host "http://$nowhere" postgres list-projects
check "credentials to a non-loopback http:// host are refused, exit 1" \
  bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'refusing to send credentials in clear text to http://$nowhere' $tmp/err"
check "... saying how to allow it" err_has "LAKEBASE_ALLOW_INSECURE_HTTP=1"
check "... and nothing is sent" bash -c "! grep -q 'GET http' $tmp/err"
env -u DATABRICKS_TOKEN DATABRICKS_USERNAME=user DATABRICKS_PASSWORD=basic-password-0123 \
  "$LB" --host "http://$nowhere" postgres list-projects >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
check "basic auth too" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'refusing to send credentials' $tmp/err"
# 0.0.0.0 reaches this machine without being a loopback name: it stands in for a remote host.
run --host "http://0.0.0.0:$plain_port" postgres list-projects
check "http://0.0.0.0 is not loopback: refused" err_has "refusing to send credentials in clear text to http://0.0.0.0"
LAKEBASE_ALLOW_INSECURE_HTTP=1 run --host "http://0.0.0.0:$plain_port" postgres list-projects
check "LAKEBASE_ALLOW_INSECURE_HTTP=1 allows it" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ \"\$(cat $tmp/out)\" = '[]' ]"
for host in "http://127.0.0.1:$plain_port" "http://localhost:$plain_port" "http://127.0.0.2:$plain_port/"; do
  run --host "$host" --retry-timeout 0s api GET projects
  check "$host is loopback: allowed" bash -c "! grep -q refusing $tmp/err"
done
run -e 'print((lakebase.http.request { url = arg[1] }))' "http://0.0.0.0:$plain_port/x"
check "a request without credentials may use plain http:// anywhere" out_is 200
run -e 'print(select(2, pcall(lakebase.http.request, { url = arg[1], headers = { Authorization = "Bearer x-0123456789" } })))' "http://0.0.0.0:$plain_port/x"
check "lakebase.http.request refuses to send an Authorization header in clear" out_has "refusing to send credentials in clear text"

# Unknown hosts and malformed URLs: nothing to wait for.
bounded 60 "$max_kb" "$LB" --host "https://$nowhere" --retry-timeout 60s api GET projects
check "an unknown host fails at once ($(cat "$tmp/secs") s), exit 1" at_once
check "... naming it and where the host came from" \
  bash -c "grep -q 'Could not resolve host: $nowhere' $tmp/err && grep -q 'DATABRICKS_HOST, --host' $tmp/err"
for host in 'https://h x' 'http://h x'; do
  bounded 60 "$max_kb" "$LB" --host "$host" --retry-timeout 60s api GET projects
  check "a malformed URL ($host) fails at once, exit 1" at_once
  check "... saying the URL is bad" err_has "URL"
done

# A password in the host URL never shows: -v, errors, auth describe (text and JSON), tostring.
no_password() { ! grep -q -e supersecretpw -e ':pw@' "$tmp/out" "$tmp/err"; }
run -v --host "http://u:supersecretpw@127.0.0.1:$plain_port" api GET /bad-status
check "-v and the error mask the userinfo password" bash -c "grep -q 'http://u:\*\*\*@127.0.0.1' $tmp/err"
check "... and never show it" no_password
run --host "http://u:supersecretpw@127.0.0.1:$plain_port" auth describe
check "auth describe (text) masks it" bash -c "grep -q '^Host: http://u:\*\*\*@127.0.0.1:$plain_port' $tmp/out"
check "... and never shows it" no_password
run --host "http://u:supersecretpw@127.0.0.1:$plain_port" auth describe -o json
check "auth describe (JSON) masks it" bash -c "grep -q '\"host\": \"http://u:\*\*\*@127.0.0.1:$plain_port\"' $tmp/out"
check "... and never shows it" no_password
run --host "http://u:pw@127.0.0.1:$plain_port" -e 'print(lakebase.default_client()) error("failed at " .. lakebase.default_client().host)'
check "a short password too, in tostring(client) and in errors" \
  bash -c "grep -q 'lakebase.Client(http://u:\*\*\*@127.0.0.1' $tmp/out && grep -q 'failed at http://u:\*\*\*@' $tmp/err"
check "... and never shows it" no_password
finish
