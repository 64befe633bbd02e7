#!/usr/bin/env bash
# The `lakebase postgres` commands for the rest of the API, against an emulator process on
# loopback: catalogs, synced tables, the Data API, CDF configs and statuses, snapshots and snapshot
# schedules, compute instances; the Databricks CLI's argument shapes (create-cdf-config PARENT
# CATALOG SCHEMA POSTGRES_SCHEMA, --cdf-config-id, --force); methods a kind does not have are not
# commands; bad input exits 2 before any request.
set -u
LB=${1:?usage: test_api_surface.sh PATH_TO_LAKEBASE}
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
start_emulator surface-token-0123456789 --op-latency 0.05
run() { "$LB" "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
field() { "$LB" -e 'local t = lakebase.json.decode(io.read("a")); for k in arg[1]:gmatch("[^.]+") do t = t[tonumber(k) or k] end print(t)' "$1" <"$tmp/out"; }
field_is() { [ "$(field "$1")" = "$2" ]; }
no_request_sent() { ! grep -q -e "GET http" -e "POST http" -e "PATCH http" -e "DELETE http" "$tmp/err"; }

B=projects/shop/branches/production
D=$B/databases/app
"$LB" postgres create-project shop >/dev/null
"$LB" postgres create-database $B app --json "{\"spec\": {\"postgres_database\": \"app\", \"role\": \"$B/roles/emulator-user-example-com\"}}" >/dev/null

# Catalogs and synced tables
run postgres create-catalog shop_cat --json "{\"spec\": {\"branch\": \"$B\", \"postgres_database\": \"app\"}}" -o json
check "create-catalog CATALOG_ID waits and prints the catalog" field_is status.postgres_database app
run postgres get-catalog catalogs/shop_cat -o json
check "get-catalog" field_is status.project projects/shop
run postgres create-catalog made_cat --json "{\"spec\": {\"branch\": \"$B\", \"postgres_database\": \"made\", \"create_database_if_missing\": true}}" --no-wait -o json
check "create-catalog --no-wait prints its operation" bash -c "grep -q '\"done\":false' $tmp/out && grep -q 'CatalogOperationMetadata' $tmp/out"
op=$(field name)
sleep 0.5
run postgres get-operation "$op" -o json
check "get-operation follows a catalog's operation" field_is response.name catalogs/made_cat
run postgres create-synced-table shop_cat.public.orders --json '{"spec": {"source_table_full_name": "main.src.orders", "primary_key_columns": ["id"], "scheduling_policy": "TRIGGERED"}}' -o json
check "create-synced-table SYNCED_TABLE_ID" field_is synced_table_id shop_cat.public.orders
run postgres get-synced-table synced_tables/shop_cat.public.orders -o json
check "get-synced-table" field_is status.unity_catalog_provisioning_state ACTIVE
run postgres delete-synced-table synced_tables/shop_cat.public.orders
check "delete-synced-table waits and prints nothing" bash -c "[ \$(cat $tmp/rc) = 0 ] && [ ! -s $tmp/out ]"
run postgres delete-catalog catalogs/made_cat
check "delete-catalog" rc_is 0
run postgres get-catalog catalogs/made_cat
check "a deleted catalog is not found (exit 1)" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q NOT_FOUND $tmp/err"
run postgres list-catalogs
check "catalogs have no list command (the API has none)" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q \"unknown command 'list-catalogs'\" $tmp/err"
run postgres update-synced-table synced_tables/x.y.z
check "synced tables have no update command" rc_is 2
run -v postgres create-catalog 'bad id' --json "{\"spec\": {\"branch\": \"$B\", \"postgres_database\": \"app\"}}"
check "a bad catalog id exits 2 before any request" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'invalid catalog_id' $tmp/err" && check "(none sent)" no_request_sent
run -v postgres get-synced-table synced_tables/two.parts
check "a synced table name needs catalog.schema.table" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'synced_tables/S expected' $tmp/err"

# The Data API
run postgres create-data-api $D --json '{"spec": {"db_schemas": ["public"]}}' -o json
check "create-data-api PARENT" field_is name $D/data-api
run postgres get-data-api $D/data-api -o json
check "get-data-api shows the defaults" field_is status.jwt_role_claim_key .sub
run -v postgres update-data-api $D/data-api spec.db_max_rows --json '{"spec": {"db_max_rows": 500}}' -o json
check "update-data-api NAME UPDATE_MASK" bash -c "grep -q 'update_mask=spec.db_max_rows' $tmp/err && grep -q '\"db_max_rows\":500' $tmp/out"
run postgres delete-data-api $D/data-api
check "delete-data-api" rc_is 0
run -v postgres get-data-api $D
check "get-data-api wants the Data API's name, not the database's" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'databases/D/data-api expected' $tmp/err"

# CDF configs and statuses
run -v postgres create-cdf-config $D main cdc public -o json
check "create-cdf-config PARENT CATALOG SCHEMA POSTGRES_SCHEMA" bash -c "grep -q 'POST http.*/cdf-configs ' $tmp/err && grep -q '\"cdf_config_id\":\"public\"' $tmp/out"
run -v postgres create-cdf-config $D --json '{"catalog": "main", "schema": "billing", "postgres_schema": "billing"}' --cdf-config-id billing_feed -o json
check "create-cdf-config PARENT --json ... --cdf-config-id ID" bash -c "grep -q 'cdf_config_id=billing_feed' $tmp/err && grep -q '\"schema\":\"billing\"' $tmp/out"
run postgres list-cdf-configs $D -o text
check "list-cdf-configs prints a table of the configs' own fields" bash -c "head -1 $tmp/out | grep -q '^NAME  *CATALOG  *SCHEMA  *POSTGRES_SCHEMA' && grep -q 'cdf-configs/billing_feed  *main  *billing' $tmp/out"
run postgres get-cdf-config $D/cdf-configs/public -o json
check "get-cdf-config" field_is postgres_schema public
run postgres list-cdf-statuses $D/cdf-configs/public -o text
check "list-cdf-statuses (no tables without real computes)" bash -c "[ \$(cat $tmp/rc) = 0 ] && head -1 $tmp/out | grep -q '^NAME  *STATE'"
run postgres get-cdf-status $D/cdf-configs/public/cdf-statuses/orders
check "get-cdf-status of a table it does not replicate: exit 1" rc_is 1
run -v postgres delete-cdf-config $D/cdf-configs/billing_feed --force
check "delete-cdf-config --force" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'DELETE http.*billing_feed?force=true' $tmp/err"
run -v postgres create-cdf-config $D main cdc
check "create-cdf-config with a field missing exits 2" bash -c "[ \$(cat $tmp/rc) = 2 ]" && check "(none sent)" no_request_sent
run -v postgres create-cdf-config $D main cdc app --json '{"catalog": "main", "schema": "x", "postgres_schema": "x"}'
check "with --json the fields are not arguments too" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'other fields go in the JSON' $tmp/err"
run -v postgres create-cdf-config $D main cdc app --cdf-config-id Bad-Id
check "a --cdf-config-id outside [a-z][a-z0-9_]{0,62} exits 2" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'invalid cdf_config_id' $tmp/err" && check "(none sent)" no_request_sent
run postgres update-cdf-config $D/cdf-configs/public
check "CDF configs have no update command" rc_is 2
run postgres create-cdf-status $D/cdf-configs/public x
check "CDF statuses have no create command" rc_is 2

# Snapshots and snapshot schedules
run postgres create-snapshot projects/shop before-migration --json "{\"spec\": {\"source_branch\": \"$B\", \"no_expiry\": true}}" -o json
check "create-snapshot PARENT SNAPSHOT_ID" field_is status.no_expiry true
run postgres list-snapshots projects/shop -o text
check "list-snapshots" bash -c "head -1 $tmp/out | grep -q '^NAME  *SOURCE_BRANCH' && grep -q '^projects/shop/snapshots/before-migration ' $tmp/out"
run postgres get-snapshot projects/shop/snapshots/before-migration -o json
check "get-snapshot" field_is status.source_branch $B
run postgres create-branch projects/shop restored --json '{"spec": {"source_snapshot": "projects/shop/snapshots/before-migration", "no_expiry": true}}' -o json
check "create-branch from a snapshot (spec.source_snapshot)" field_is status.source_snapshot projects/shop/snapshots/before-migration
run postgres get-snapshot-schedule $B/snapshot-schedule -o json
check "get-snapshot-schedule of a branch never configured: an empty schedule" out_is "{\"name\":\"$B/snapshot-schedule\"}"
run -v postgres update-snapshot-schedule $B/snapshot-schedule schedule --json '{"schedule": [{"daily_schedule": {"hour": 3}, "retention": "604800s"}]}' --no-wait -o json
check "update-snapshot-schedule NAME schedule prints the schedule (answered at once)" bash -c "grep -q 'PATCH http.*update_mask=schedule' $tmp/err && grep -q '\"hour\":3' $tmp/out && ! grep -q '\"done\"' $tmp/out"
run -v postgres update-snapshot-schedule $B/snapshot-schedule --json '{"schedule": [{"daily_schedule": {"hour": 25}, "retention": "3600s"}]}'
check "a bad cadence exits 2 before any request" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'daily_schedule.hour' $tmp/err" && check "(none sent)" no_request_sent
run postgres delete-snapshot projects/shop/snapshots/before-migration
check "delete-snapshot" rc_is 0
run postgres delete-snapshot-schedule $B/snapshot-schedule
check "a snapshot schedule has no delete command" rc_is 2

# Compute instances
run postgres list-compute-instances $B/endpoints/primary -o text
check "list-compute-instances" bash -c "head -1 $tmp/out | grep -q '^NAME  *ROLE  *CURRENT_STATE' && grep -q 'READ_WRITE  *ACTIVE' $tmp/out"
inst=$(awk 'NR == 2 { print $1 }' "$tmp/out")
run postgres get-compute-instance "$inst" -o json
check "get-compute-instance" field_is role READ_WRITE
run postgres create-compute-instance $B/endpoints/primary x
check "compute instances have no create command" rc_is 2

# Found by test_api_surface_sdk.lua: DeleteBranch's allow_missing, ProjectSpec.compute_provisioner
run -v postgres delete-branch projects/shop/branches/never-made --allow-missing
check "delete-branch NAME --allow-missing of a missing branch exits 0" bash -c "[ \$(cat $tmp/rc) = 0 ] && grep -q 'DELETE http.*never-made?allow_missing=true' $tmp/err"
run postgres delete-branch projects/shop/branches/never-made
check "without --allow-missing it is not found (exit 1)" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q NOT_FOUND $tmp/err"
run -v postgres delete-endpoint $B/endpoints/none --allow-missing
check "an endpoint deletion has no --allow-missing (exit 2, nothing sent)" bash -c "[ \$(cat $tmp/rc) = 2 ]" && check "(none sent)" no_request_sent
run postgres update-project projects/shop spec.compute_provisioner --json '{"spec": {"compute_provisioner": "standard"}}' -o json
check "update-project sets spec.compute_provisioner" field_is status.compute_provisioner standard
run postgres create-project initial --json '{"spec": {}, "initial_role_spec": {"postgres_role": "app_owner"}, "initial_database_spec": {"postgres_database": "appdb"}}' -o json
check "create-project --json takes initial_role_spec and initial_database_spec" rc_is 0
run postgres list-databases projects/initial/branches/production -o json
check "the initial database, owned by the initial role" bash -c "grep -q '\"postgres_database\":\"appdb\"' $tmp/out && grep -q 'roles/app-owner' $tmp/out"
run -v postgres create-project badinit --json '{"spec": {}, "initial_role_spec": {"attributes": {"createdb": "maybe"}}}'
check "a bad initial_role_spec exits 2 before any request" bash -c "[ \$(cat $tmp/rc) = 2 ] && grep -q 'initial_role_spec.attributes.createdb' $tmp/err" && check "(none sent)" no_request_sent
run postgres create-project badinit --json '{"spec": {}, "initial_role_spec": {"identity_type": "ROBOT"}}'
check "an identity type lakebase does not know is sent, and the service refuses it (exit 1)" bash -c "[ \$(cat $tmp/rc) = 1 ] && grep -q 'initial_role_spec.identity_type' $tmp/err"

# Help
run postgres create-cdf-config --help
check "create-cdf-config --help lists --cdf-config-id" bash -c "grep -q -- '--cdf-config-id ID' $tmp/out && grep -q 'PARENT CATALOG SCHEMA POSTGRES_SCHEMA' $tmp/out"
run postgres delete-cdf-config --help
check "delete-cdf-config --help lists --force" grep -q -- '--force' "$tmp/out"
run postgres --help
check "the group help lists the new commands" bash -c "for c in create-catalog get-synced-table create-data-api list-cdf-statuses create-snapshot update-snapshot-schedule list-compute-instances; do grep -q \"  \$c \" $tmp/out || exit 1; done"
finish
