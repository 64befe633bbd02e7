#!/usr/bin/env bash
# `databricks postgres` command lines as the Databricks docs (docs.databricks.com/oltp/projects/cli,
# the CLI reference) and the CLI's help write them, with `databricks` replaced by `lakebase`, run
# against an emulator; each one's effect is then checked through the API (a GET of what it should
# have changed), not by trusting its output. The row format and what a row's expression sees are in
# lines_lib.sh; test_databricks_corpus.sh holds the lines found in Databricks' repositories. Every
# command of the CLI's postgres group that lakebase has is here at least once (catalogs, synced
# tables, the Data API, CDF, snapshots and compute instances too).
set -u
LB=${1:?usage: test_databricks_lines.sh PATH_TO_LAKEBASE}
. "$(dirname "$0")/lines_lib.sh"
printf '{"spec": {"display_name": "From A File", "pg_version": 17}}\n' >"$tmp/project.json"
printf '{"spec": {"identity_type": "SERVICE_PRINCIPAL", "postgres_role": "%s", "auth_method": "LAKEBASE_OAUTH_V1"}}\n' $SP >"$tmp/role.json"
# Variables the docs' "All Options" examples use.
PROJECT_ID=my-project BRANCH_ID=production ENDPOINT_ID=primary TARGET=prod DATABRICKS_PROFILE=dev
UPDATE_MASK="spec.autoscaling_limit_min_cu,spec.autoscaling_limit_max_cu"
B=projects/my-project/branches
soon=$(date -u -d '+10 minutes' +%Y-%m-%dT%H:%M:%SZ)
export soon

table=$(cat <<'TABLE'

# Projects: the quickstart of docs.databricks.com/oltp/projects/cli and the CLI reference.
0 => lakebase postgres create-project my-project --json '{"spec": {"display_name": "My Lakebase Project"}}' => GET projects/my-project :: r.status.display_name == "My Lakebase Project"
0 => lakebase postgres create-project from-file --json @$tmp/project.json => GET projects/from-file :: r.status.display_name == "From A File"
0 => lakebase postgres create-project by-sp -p dev => GET projects/by-sp :: r.status.owner == os.getenv("SP")
0 => lakebase postgres create-project later --no-wait -o json => GET projects/later :: json(out).name:find("^projects/later/operations/") ~= nil
0 => lakebase postgres get-operation "$(op_of)" -o json => GET projects/later :: json(out).name:find("^projects/later/operations/") ~= nil
0 => lakebase postgres get-project projects/my-project => GET projects/my-project :: json(out).name == "projects/my-project"
0 => lakebase postgres list-projects => GET projects :: names(json(out)) == names(r.projects) and out:find("^%[\n  {\n")
0 => lakebase postgres list-projects -o json => GET projects :: #json(out) == #r.projects
0 => lakebase postgres list-projects --limit 2 -o json => GET projects :: #json(out) == 2 and #r.projects > 2
0 => lakebase postgres list-projects --page-size 1 --page-token "$(first_token projects)" -o json => GET projects :: #json(out) == #r.projects - 1 and json(out)[1].name == r.projects[2].name
0 => lakebase postgres update-project projects/my-project spec.display_name --json '{"spec": {"display_name": "Renamed"}}' => GET projects/my-project :: r.status.display_name == "Renamed"
0 => lakebase postgres update-project projects/my-project "spec.default_endpoint_settings" --json '{"spec": {"default_endpoint_settings": {"suspend_timeout_duration": "300s"}}}' => GET projects/my-project :: r.status.default_endpoint_settings.suspend_timeout_duration == "300s"
0 => lakebase postgres update-project projects/$PROJECT_ID spec.project_default_settings.suspension --json '{"spec": {"default_endpoint_settings": {"suspend_timeout_duration": "600s"}}}' --timeout 10m --debug -o json --target $TARGET --profile $DATABRICKS_PROFILE => GET projects/my-project :: r.status.default_endpoint_settings.suspend_timeout_duration == "600s" and json(out).name == "projects/my-project"
0 => lakebase postgres delete-project projects/later => GET projects/later :: r == nil
0 => lakebase postgres list-projects --show-deleted -o json => GET projects?show_deleted=true :: names(r.projects):find("projects/later", 1, true) and out:find("projects/later", 1, true)
0 => lakebase postgres undelete-project projects/later => GET projects/later :: r.name == "projects/later"
0 => lakebase postgres delete-project projects/later --purge => GET projects?show_deleted=true :: not names(r.projects):find("projects/later", 1, true)

# Branches.
0 => lakebase postgres create-branch projects/my-project my-branch --json '{"spec": {"no_expiry": true}}' => GET projects/my-project/branches/my-branch :: r.status.current_state == "READY"
0 => lakebase postgres create-branch projects/my-project dev-branch --json '{"spec": {"source_branch": "projects/my-project/branches/production", "no_expiry": true}}' => GET projects/my-project/branches/dev-branch :: r.status.source_branch == "projects/my-project/branches/production"
0 => lakebase postgres create-branch --json '{"spec": {"ttl": "604800s"}}' projects/my-project flags-first => GET projects/my-project/branches/flags-first :: time(r.status.expire_time) - now > 604000
0 => lakebase postgres create-branch projects/my-project ci-1 -p dev --json '{"spec": {"ttl": "3600s"}}' -o json => GET projects/my-project/branches/ci-1 :: json(out).name == "projects/my-project/branches/ci-1"
0 => lakebase postgres get-branch $B/my-branch -o json => GET projects/my-project/branches/my-branch :: json(out).status.branch_id == "my-branch"
0 => lakebase postgres list-branches projects/my-project => GET projects/my-project/branches :: names(json(out)) == names(r.branches) and names(r.branches):find("projects/my-project/branches/dev-branch", 1, true)
0 => lakebase postgres list-branches projects/my-project --page-size 1 -o json => GET projects/my-project/branches :: #json(out) == #r.branches and #r.branches >= 4
0 => DATABRICKS_OUTPUT_FORMAT=json lakebase postgres list-branches projects/my-project => GET projects/my-project/branches :: #json(out) == #r.branches
0 => lakebase --profile dev postgres list-branches projects/my-project --log-level debug --log-file $tmp/debug.log -o json => GET projects/my-project/branches :: #json(out) == #r.branches and io.open(os.getenv("tmp") .. "/debug.log"):read("a"):find("GET http", 1, true)
0 => lakebase postgres list-branches projects/my-project --limit 1 -o json => GET projects/my-project/branches :: #json(out) == 1
0 => lakebase postgres update-branch $B/my-branch spec.is_protected --json '{"spec": {"is_protected": true}}' => GET projects/my-project/branches/my-branch :: r.status.is_protected == true
0 => lakebase postgres update-branch $B/flags-first spec.is_protected --json '{"spec": {"is_protected": true}}' --no-wait -o json => GET projects/my-project/branches/flags-first :: json(out).name:find("/operations/") ~= nil
0 => lakebase postgres update-branch $B/my-branch "" --json '{"spec": {"is_protected": false}}' => GET projects/my-project/branches/my-branch :: r.status.is_protected == false
0 => lakebase postgres update-branch $B/my-branch --json '{"spec": {"is_protected": true}}' => GET projects/my-project/branches/my-branch :: r.status.is_protected == true
0 => lakebase postgres update-branch $B/my-branch --json '{"spec": {"is_protected": false}}' -o json => GET projects/my-project/branches/my-branch :: r.status.is_protected == false
0 => lakebase postgres update-branch $B/dev-branch spec.expiration --json '{"spec": {"ttl": "86400s"}}' => GET projects/my-project/branches/dev-branch :: time(r.status.expire_time) - now > 86000
0 => lakebase postgres update-branch $B/dev-branch "spec.expiration" --json '{"spec": {"no_expiry": true}}' => GET projects/my-project/branches/dev-branch :: r.status.expire_time == nil
2 => lakebase postgres update-branch $B/dev-branch spec.ttl --json '{"spec": {"ttl": "86400s"}}' => GET projects/my-project/branches/dev-branch :: r.status.expire_time == nil
0 => lakebase postgres delete-branch $B/dev-branch => GET projects/my-project/branches/dev-branch :: r == nil
0 => lakebase postgres list-branches projects/my-project --show-deleted -o json => GET projects/my-project/branches?show_deleted=true :: out:find("dev-branch", 1, true) and names(r.branches):find("dev-branch", 1, true)
0 => lakebase postgres undelete-branch $B/dev-branch => GET projects/my-project/branches/dev-branch :: r.status.current_state == "READY"
0 => lakebase postgres delete-branch $B/dev-branch --purge => GET projects/my-project/branches?show_deleted=true :: not names(r.branches):find("dev-branch", 1, true)

# Endpoints (computes).
0 => lakebase postgres create-endpoint $B/my-branch my-read-replica --json '{"spec": {"endpoint_type": "ENDPOINT_TYPE_READ_ONLY", "autoscaling_limit_min_cu": 0.5, "autoscaling_limit_max_cu": 2.0}}' => GET projects/my-project/branches/my-branch/endpoints/my-read-replica :: r.status.endpoint_type == "ENDPOINT_TYPE_READ_ONLY" and r.status.autoscaling_limit_max_cu == 2
0 => lakebase postgres create-endpoint $B/production primary --replace-existing --json '{"spec": {"endpoint_type": "ENDPOINT_TYPE_READ_WRITE", "autoscaling_limit_min_cu": 0.5, "autoscaling_limit_max_cu": 2}}' => GET projects/my-project/branches/production/endpoints/primary :: r.status.autoscaling_limit_max_cu == 2
0 => lakebase postgres get-endpoint $B/production/endpoints/primary -o json => GET projects/my-project/branches/production/endpoints/primary :: json(out).status.endpoint_type == "ENDPOINT_TYPE_READ_WRITE"
0 => lakebase postgres list-endpoints $B/my-branch => GET projects/my-project/branches/my-branch/endpoints :: out:find("my%-read%-replica") and #r.endpoints == 2
0 => lakebase postgres update-endpoint $B/production/endpoints/primary "spec.autoscaling_limit_min_cu,spec.autoscaling_limit_max_cu" --json '{"spec": {"autoscaling_limit_min_cu": 1.0, "autoscaling_limit_max_cu": 8.0}}' => GET projects/my-project/branches/production/endpoints/primary :: r.status.autoscaling_limit_min_cu == 1 and r.status.autoscaling_limit_max_cu == 8
0 => lakebase postgres update-endpoint projects/$PROJECT_ID/branches/$BRANCH_ID/endpoints/$ENDPOINT_ID $UPDATE_MASK --json '{"spec": {"autoscaling_limit_min_cu": 2.0, "autoscaling_limit_max_cu": 4.0}}' --no-wait --timeout 10m --debug -o json --target $TARGET --profile $DATABRICKS_PROFILE => GET projects/my-project/branches/production/endpoints/primary :: json(out).name:find("/operations/") ~= nil
0 => sleep 0.3; lakebase postgres update-endpoint $B/production/endpoints/primary "spec.suspension" --json '{"spec": {"suspend_timeout_duration": "300s"}}' => GET projects/my-project/branches/production/endpoints/primary :: r.status.suspend_timeout_duration == "300s" and r.status.autoscaling_limit_max_cu == 4
0 => lakebase postgres update-endpoint $B/production/endpoints/primary "spec.suspension" --json '{"spec": {"no_suspension": true}}' => GET projects/my-project/branches/production/endpoints/primary :: r.status.no_suspension == true
0 => lakebase postgres delete-endpoint $B/my-branch/endpoints/my-read-replica => GET projects/my-project/branches/my-branch/endpoints/my-read-replica :: r == nil

# Roles: the CLI's --role-id form from its create-role help, the positional form, a generated ID.
0 => lakebase postgres create-role projects/my-project/branches/production --role-id my-sp --json "{\"spec\": {\"identity_type\": \"SERVICE_PRINCIPAL\", \"postgres_role\": \"$SP\", \"auth_method\": \"LAKEBASE_OAUTH_V1\"}}" => GET projects/my-project/branches/production/roles/my-sp :: r.status.identity_type == "SERVICE_PRINCIPAL" and r.status.postgres_role == os.getenv("SP")
0 => lakebase postgres create-role $B/production app-owner --json '{"spec": {"postgres_role": "app_owner"}}' => GET projects/my-project/branches/production/roles/app-owner :: r.status.postgres_role == "app_owner"
0 => lakebase postgres create-role $B/production --json '{"spec": {"postgres_role": "generated_one"}}' -o json => GET projects/my-project/branches/production/roles :: json(out).status.postgres_role == "generated_one" and names(r.roles):find(json(out).name, 1, true)
0 => lakebase postgres create-role $B/my-branch --role-id file-sp --json @$tmp/role.json => GET projects/my-project/branches/my-branch/roles/file-sp :: r.status.identity_type == "SERVICE_PRINCIPAL"
2 => lakebase postgres create-role $B/production --role-id wrapped --json '{"role": {"spec": {"postgres_role": "wrapped"}}}' => GET projects/my-project/branches/production/roles/wrapped :: r == nil and out == ""
0 => lakebase postgres get-role $B/production/roles/app-owner -o json => GET projects/my-project/branches/production/roles/app-owner :: json(out).name == r.name
0 => lakebase postgres list-roles $B/production => GET projects/my-project/branches/production/roles :: out:find("app_owner", 1, true) and #r.roles >= 3
0 => lakebase postgres update-role $B/production/roles/app-owner spec.membership_roles --json '{"spec": {"membership_roles": ["DATABRICKS_SUPERUSER"]}}' => GET projects/my-project/branches/production/roles/app-owner :: r.status.membership_roles[1] == "DATABRICKS_SUPERUSER"

# Databases: --database-id (the CLI's form), the positional ID, a generated one.
0 => lakebase postgres create-database $B/production --database-id my-db --json '{"spec": {"postgres_database": "my_db", "role": "projects/my-project/branches/production/roles/app-owner"}}' => GET projects/my-project/branches/production/databases/my-db :: r.status.postgres_database == "my_db" and r.status.role == "projects/my-project/branches/production/roles/app-owner"
0 => lakebase postgres create-database $B/production second-db --json '{"spec": {"postgres_database": "second", "role": "projects/my-project/branches/production/roles/app-owner"}}' => GET projects/my-project/branches/production/databases/second-db :: r.status.postgres_database == "second"
0 => lakebase postgres create-database $B/production --json '{"spec": {"postgres_database": "third", "role": "projects/my-project/branches/production/roles/app-owner"}}' -o json => GET projects/my-project/branches/production/databases :: names(r.databases):find(json(out).name, 1, true) and json(out).status.postgres_database == "third"
0 => lakebase postgres get-database $B/production/databases/my-db -o json => GET projects/my-project/branches/production/databases/my-db :: json(out).status.postgres_database == "my_db"
0 => lakebase postgres list-databases $B/production => GET projects/my-project/branches/production/databases :: names(json(out)) == names(r.databases) and names(r.databases):find("projects/my-project/branches/production/databases/my-db", 1, true)
0 => lakebase postgres update-database $B/production/databases/second-db spec.postgres_database --json '{"spec": {"postgres_database": "renamed"}}' => GET projects/my-project/branches/production/databases/second-db :: r.status.postgres_database == "renamed"
0 => lakebase postgres update-database $B/production/databases/second-db spec.role --json "{\"spec\": {\"role\": \"$B/production/roles/my-sp\"}}" => GET projects/my-project/branches/production/databases/second-db :: r.status.role == "projects/my-project/branches/production/roles/my-sp"
0 => lakebase postgres delete-database $B/production/databases/second-db => GET projects/my-project/branches/production/databases/second-db :: r == nil
0 => lakebase postgres delete-role $B/production/roles/app-owner --reassign-owned-to $B/production/roles/my-sp --debug => GET projects/my-project/branches/production/roles/app-owner :: r == nil
0 => lakebase postgres delete-role $B/my-branch/roles/file-sp => GET projects/my-project/branches/my-branch/roles/file-sp :: r == nil

# Credentials and psql.
0 => lakebase postgres generate-database-credential $B/production/endpoints/primary -o json => GET projects/my-project/branches/production/endpoints/primary :: #json(out).token > 0 and time(json(out).expire_time) > now
0 => lakebase postgres generate-database-credential $B/production/endpoints/primary --ttl 900s -o json => GET projects/my-project/branches/production/endpoints/primary :: math.abs(time(json(out).expire_time) - now - 900) <= 5
0 => lakebase postgres generate-database-credential $B/production/endpoints/primary --expire-time $soon -o json => GET projects/my-project/branches/production/endpoints/primary :: json(out).expire_time == os.getenv("soon")
0 => lakebase postgres generate-database-credential --json '{"endpoint": "projects/my-project/branches/production/endpoints/primary", "ttl": "1800s"}' -o json => GET projects/my-project/branches/production/endpoints/primary :: math.abs(time(json(out).expire_time) - now - 1800) <= 5
2 => lakebase postgres generate-database-credential $B/production/endpoints/primary --ttl 60s => GET projects/my-project/branches/production/endpoints/primary :: out == ""
0 => lakebase psql projects/my-project/branches/production/endpoints/primary -- -c "SELECT 1" => GET projects/my-project/branches/production/endpoints/primary :: out:find("psql -c SELECT 1", 1, true) and out:find("PGUSER=emulator-user@example.com PGDATABASE=databricks_postgres", 1, true) and out:find("password:set", 1, true)
0 => lakebase psql --project my-project --branch my-branch -p dev => GET projects/my-project/branches/my-branch/endpoints :: #r.endpoints == 1 and out:find("PGUSER=" .. os.getenv("SP"), 1, true)
2 => lakebase psql => GET projects :: #r.projects > 1 and out == ""
0 => lakebase psql --project my-project -- -c "SELECT 2" => GET projects/my-project/branches :: #r.branches > 1 and out:find("psql -c SELECT 2", 1, true)
0 => lakebase psql projects/my-project --branch production -- -d my_db => GET projects/my-project/branches/production/databases/my-db :: out:find("psql -d my_db", 1, true)

# The rest of the API: catalogs, synced tables, the Data API, change data feed, snapshots and their
# schedules, compute instances (the Databricks CLI's shapes; snapshots and compute instances as the
# Python SDK names their methods).
0 => lakebase postgres create-catalog my_catalog --json '{"spec": {"branch": "projects/my-project/branches/production", "postgres_database": "my_db"}}' => GET catalogs/my_catalog :: r.status.postgres_database == "my_db" and r.status.project == "projects/my-project"
0 => lakebase postgres get-catalog catalogs/my_catalog -o json => GET catalogs/my_catalog :: json(out).name == "catalogs/my_catalog"
0 => lakebase postgres create-synced-table my_catalog.public.orders --json '{"spec": {"source_table_full_name": "main.sales.orders", "primary_key_columns": ["id"], "scheduling_policy": "TRIGGERED"}}' => GET synced_tables/my_catalog.public.orders :: r.name == "synced_tables/my_catalog.public.orders"
0 => lakebase postgres get-synced-table synced_tables/my_catalog.public.orders -o json => GET synced_tables/my_catalog.public.orders :: json(out).name == r.name
0 => lakebase postgres delete-synced-table synced_tables/my_catalog.public.orders => GET synced_tables/my_catalog.public.orders :: r == nil
0 => lakebase postgres delete-catalog catalogs/my_catalog => GET catalogs/my_catalog :: r == nil
0 => lakebase postgres create-data-api $B/production/databases/my-db --json '{"spec": {"db_schemas": ["public"]}}' => GET projects/my-project/branches/production/databases/my-db/data-api :: r.name:find("/data%-api$") ~= nil
0 => lakebase postgres get-data-api $B/production/databases/my-db/data-api -o json => GET projects/my-project/branches/production/databases/my-db/data-api :: json(out).name == r.name
0 => lakebase postgres update-data-api $B/production/databases/my-db/data-api spec.db_max_rows --json '{"spec": {"db_max_rows": 500}}' => GET projects/my-project/branches/production/databases/my-db/data-api :: r.status.db_max_rows == 500
0 => lakebase postgres delete-data-api $B/production/databases/my-db/data-api => GET projects/my-project/branches/production/databases/my-db/data-api :: r == nil
0 => lakebase postgres create-cdf-config $B/production/databases/my-db main cdc public => GET projects/my-project/branches/production/databases/my-db/cdf-configs/public :: r.catalog == "main" and r.schema == "cdc"
0 => lakebase postgres create-cdf-config $B/production/databases/my-db --json '{"catalog": "main", "schema": "billing", "postgres_schema": "billing"}' --cdf-config-id billing_feed => GET projects/my-project/branches/production/databases/my-db/cdf-configs/billing_feed :: r.schema == "billing"
0 => lakebase postgres get-cdf-config $B/production/databases/my-db/cdf-configs/public -o json => GET projects/my-project/branches/production/databases/my-db/cdf-configs/public :: json(out).postgres_schema == "public"
0 => lakebase postgres list-cdf-configs $B/production/databases/my-db => GET projects/my-project/branches/production/databases/my-db/cdf-configs :: out:find("billing_feed", 1, true) and #r.cdf_configs == 2
0 => lakebase postgres list-cdf-statuses $B/production/databases/my-db/cdf-configs/public -o json => GET projects/my-project/branches/production/databases/my-db/cdf-configs/public/cdf-statuses :: #json(out) == #(r.cdf_statuses or {})
1 => lakebase postgres get-cdf-status $B/production/databases/my-db/cdf-configs/public/cdf-statuses/orders => GET projects/my-project/branches/production/databases/my-db/cdf-configs/public/cdf-statuses/orders :: r == nil and out == ""
0 => lakebase postgres delete-cdf-config $B/production/databases/my-db/cdf-configs/billing_feed --force => GET projects/my-project/branches/production/databases/my-db/cdf-configs/billing_feed :: r == nil
0 => lakebase postgres create-snapshot projects/my-project before-migration --json '{"spec": {"source_branch": "projects/my-project/branches/production", "no_expiry": true}}' => GET projects/my-project/snapshots/before-migration :: r.status.source_branch == "projects/my-project/branches/production"
0 => lakebase postgres get-snapshot projects/my-project/snapshots/before-migration -o json => GET projects/my-project/snapshots/before-migration :: json(out).name == r.name
0 => lakebase postgres list-snapshots projects/my-project -o text => GET projects/my-project/snapshots :: out:find("\nprojects/my%-project/snapshots/before%-migration ") and out:find("^NAME ")
0 => lakebase postgres update-snapshot-schedule $B/production/snapshot-schedule schedule --json '{"schedule": [{"daily_schedule": {"hour": 3}, "retention": "604800s"}]}' => GET projects/my-project/branches/production/snapshot-schedule :: r.schedule[1].daily_schedule.hour == 3
0 => lakebase postgres get-snapshot-schedule $B/production/snapshot-schedule -o json => GET projects/my-project/branches/production/snapshot-schedule :: json(out).schedule[1].retention == "604800s"
0 => lakebase postgres delete-snapshot projects/my-project/snapshots/before-migration => GET projects/my-project/snapshots/before-migration :: r == nil
0 => lakebase postgres list-compute-instances $B/production/endpoints/primary -o json => GET projects/my-project/branches/production/endpoints/primary/compute-instances :: #json(out) == #r.compute_instances and json(out)[1].role == "READ_WRITE"
0 => lakebase postgres get-compute-instance "$(lakebase postgres list-compute-instances $B/production/endpoints/primary -o json | "$LB" -e 'print(lakebase.json.decode(io.read("a"))[1].name)')" -o json => GET projects/my-project/branches/production/endpoints/primary/compute-instances :: json(out).name == r.compute_instances[1].name

# The end of the lifecycle.
1 => lakebase postgres delete-branch $B/production => GET projects/my-project/branches/production :: r.status.current_state == "READY"
0 => lakebase postgres delete-branch $B/my-branch --no-wait -o json => GET projects/my-project/branches/my-branch :: json(out).name:find("^projects/my%-project/branches/my%-branch/operations/")
TABLE
)

run_lines "$table"

# Every command lakebase has in its postgres group (its --help) has a line above.
"$LB" postgres --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' >"$tmp/commands"
check "the help lists the commands" [ "$(wc -l <"$tmp/commands")" -ge 29 ]
while read -r cmd; do
  check "a line for postgres $cmd" grep -q -- "lakebase postgres $cmd " <<<"$table"
done <"$tmp/commands"

finish
