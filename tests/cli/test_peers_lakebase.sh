#!/usr/bin/env bash
# @databricks/lakebase (pinned by tests/peers/package-lock.json) against an emulator compute with
# real PostgreSQL and TLS: tests/peers/pool.mjs with a personal access token (PGUSER = the user)
# and with OAuth M2M (no PGUSER: the package takes DATABRICKS_CLIENT_ID), configured from the PG*
# variables lakebase's own `credentials` recipe (pg_env) writes. Credentials last PEER_TTL seconds,
# so every connection the pools open mints a new one in its handshake.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../peers/peers.sh"
peers_init "${1:?usage: test_peers_lakebase.sh PATH_TO_LAKEBASE}"
peers_install

ttl=8
pat=peer-pat-SEKRIT-0123456789 client_id=0b9d7e52-8c4f-4e61-b2a7-5f3d1c9e8a40 secret=peer-m2m-SEKRIT-9876543210
export LAKEBASE_EMULATOR_TOKEN=$pat LAKEBASE_EMULATOR_CLIENT_SECRET=$secret
start_emu pg --client-id "$client_id" --credential-ttl "$ttl"
unset LAKEBASE_EMULATOR_TOKEN LAKEBASE_EMULATOR_CLIENT_SECRET
check "the emulator made a CA for its computes' TLS" test -s "$pg_ca"

# Set-up with lakebase itself: a project (the PAT's user owns it) and a role for the service
# principal.
endpoint=projects/peerpool/branches/production/endpoints/primary
lb() { env HOME="$tmp/home" DATABRICKS_HOST="$pg_url" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
lb DATABRICKS_TOKEN=$pat timeout 60 "$LB" postgres create-project peerpool
check "lakebase created the project" rc_is 0
lb DATABRICKS_TOKEN=$pat timeout 60 "$LB" postgres create-role projects/peerpool/branches/production sp-peer \
  --json "{\"spec\": {\"postgres_role\": \"$client_id\", \"identity_type\": \"SERVICE_PRINCIPAL\"}}"
check "and a role for the service principal" rc_is 0

# pg_env_file NAME FILE -- AUTH VARIABLES...: PG* variables from lakebase's `credentials` recipe.
pg_env_file() {
  local name=$1 file=$2; shift 3
  lb "$@" timeout 60 "$LB" recipe run credentials --endpoint $endpoint --env-file "$file"
  check "$name: the credentials recipe wrote PG* variables" rc_is 0
}
env_says() { grep -qx "export PGSSLMODE='require'" "$1" && grep -qx "export PGUSER='$2'" "$1"; }

# run_pool TAG FILE IDENTITY KEEP_PGUSER -- AUTH VARIABLES...: pool.mjs with FILE's PG* variables
# (the password only for plain node-pg; PGUSER removed unless KEEP_PGUSER is keep-pguser), the
# endpoint, the CA and the same auth.
run_pool() {
  local tag=$1 file=$2 identity=$3 keep=$4; shift 5
  (
    set -a; . "$file"; set +a
    PEER_PGUSER=$PGUSER PEER_PGPASSWORD=$PGPASSWORD; unset PGPASSWORD
    [ "$keep" = keep-pguser ] || unset PGUSER
    export PEER_PGUSER PEER_PGPASSWORD PEER_IDENTITY=$identity PEER_TTL=$ttl PEER_SECONDS=6 \
      LAKEBASE_ENDPOINT=$endpoint NODE_EXTRA_CA_CERTS=$pg_ca DATABRICKS_HOST=$pg_url "$@"
    peers_node "$tag" pool.mjs
  )
}

pat_auth=(DATABRICKS_TOKEN=$pat) m2m_auth=(DATABRICKS_CLIENT_ID=$client_id DATABRICKS_CLIENT_SECRET=$secret)
pg_env_file "personal access token" "$tmp/pat.env" -- "${pat_auth[@]}"
check "pg_env: sslmode=require and the user, as on the service" env_says "$tmp/pat.env" emulator-user@example.com
pg_env_file "OAuth M2M" "$tmp/m2m.env" -- "${m2m_auth[@]}"
check "pg_env: sslmode=require and the client id, as on the service" env_says "$tmp/m2m.env" "$client_id"
# Both identities at once, on the same endpoint: each pool's tokens are its own.
run_pool pat "$tmp/pat.env" emulator-user@example.com keep-pguser -- "${pat_auth[@]}" & runs=($!)
run_pool m2m "$tmp/m2m.env" "$client_id" no-pguser -- "${m2m_auth[@]}" & runs+=($!)
wait "${runs[@]}"
peers_result "@databricks/lakebase, personal access token (PGUSER)" pat
peers_result "@databricks/lakebase, OAuth M2M (no PGUSER: DATABRICKS_CLIENT_ID)" m2m

check "the emulator stopped its PostgreSQL and left nothing" nothing_left
finish
