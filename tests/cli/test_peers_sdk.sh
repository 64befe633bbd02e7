#!/usr/bin/env bash
# The Databricks JavaScript SDK (@databricks/sdk-experimental, pinned by tests/peers/package-lock.json)
# against the emulator: the lifecycle of tests/peers/sdk.mjs with a personal access token and with
# OAuth M2M (the SDK's own client-credentials flow against the emulator's /oidc endpoints), both at
# once, and an emulator whose operations fail for the waiter's error path. Simulated computes: API
# only.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../peers/peers.sh"
peers_init "${1:?usage: test_peers_sdk.sh PATH_TO_LAKEBASE}"
peers_install

# Secrets carry SEKRIT, which scripts/test looks for in everything the suite prints.
pat=peer-pat-SEKRIT-0123456789 client_id=6f1c0f43-2b7e-4d0a-9a51-3c8e5d7f9b21 secret=peer-m2m-SEKRIT-9876543210
export LAKEBASE_EMULATOR_TOKEN=$pat LAKEBASE_EMULATOR_CLIENT_SECRET=$secret
start_emu api --no-postgres --client-id "$client_id"
start_emu failing --no-postgres --client-id "$client_id" --faults operror=1
unset LAKEBASE_EMULATOR_TOKEN LAKEBASE_EMULATOR_CLIENT_SECRET

DATABRICKS_HOST=$api_url DATABRICKS_TOKEN=$pat PEER_AUTH=pat PEER_IDENTITY=emulator-user@example.com \
  PEER_PROJECT=peer-pat PEER_FAILING_HOST=$failing_url peers_node pat sdk.mjs & runs=($!)
DATABRICKS_HOST=$api_url DATABRICKS_CLIENT_ID=$client_id DATABRICKS_CLIENT_SECRET=$secret PEER_AUTH=oauth-m2m \
  PEER_IDENTITY=$client_id PEER_PROJECT=peer-m2m PEER_FAILING_HOST=$failing_url \
  peers_node m2m sdk.mjs & runs+=($!)
wait "${runs[@]}"
peers_result "the SDK with a personal access token" pat
peers_result "the SDK with OAuth M2M" m2m

check "the emulators stopped and left nothing" nothing_left
finish
