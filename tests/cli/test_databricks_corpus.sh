#!/usr/bin/env bash
# `databricks postgres` and `databricks psql` lines found in Databricks' repositories (databricks/cli's
# acceptance tests, databricks/devhub, databricks/databricks-agent-skills, databricks/app-templates,
# databricks/bundle-examples, databricks-solutions/*) and in public scripts, with `databricks`
# replaced by `lakebase` and placeholders filled in, run against an emulator with their pipelines
# (jq, python3) as written; each one's effect is checked through the API. A comment above each
# group names where its lines come from (repository: path). The row format is in lines_lib.sh.
# Lines that fail with the Databricks CLI as well (a flag it does not have, a body the service
# refuses) are here with the exit status lakebase gives them and a check that nothing changed.
set -u
LB=${1:?usage: test_databricks_corpus.sh PATH_TO_LAKEBASE}
. "$(dirname "$0")/lines_lib.sh"
# The sources' variables.
PROFILE=dev PROJECT_ID=inventory PROJ_PATH=projects/inventory BRANCH_PATH=projects/inventory/branches/production
EP=projects/inventory/branches/production/endpoints/primary CLI_ARGS="" PROFILE_FLAG=""
APP_SP=2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901  # another service principal (an app's)
export PROFILE PROJECT_ID PROJ_PATH BRANCH_PATH EP APP_SP

table=$(cat <<'TABLE'

# databricks/app-templates: inventory-intelligence/README.md (create, then wait for READY by listing).
0 => lakebase postgres create-project inventory --no-wait --profile dev => GET projects :: json(out).name:find("^projects/inventory/operations/") ~= nil
0 => settle && lakebase postgres list-projects --profile dev --output json => GET projects :: names(json(out)) == names(r.projects) and names(r.projects):find("projects/inventory", 1, true)
0 => lakebase postgres list-branches projects/inventory --profile dev --output json => GET projects/inventory/branches :: json(out)[1].name == "projects/inventory/branches/production" and #json(out) == #r.branches
0 => lakebase postgres list-databases projects/inventory/branches/production --profile dev --output json => GET projects/inventory/branches/production/databases :: #json(out) == #(r.databases or {})
0 => lakebase postgres list-endpoints projects/inventory/branches/production --profile dev --output json => GET projects/inventory/branches/production/endpoints :: json(out)[1].status.hosts.host == r.endpoints[1].status.hosts.host
# databricks/app-templates: inventory-intelligence/deploy.sh (the endpoint and its host, with python3).
0 => lakebase postgres list-endpoints "$BRANCH_PATH" --profile "$PROFILE" --output json 2>/dev/null | python3 -c "import json, sys; eps = json.load(sys.stdin); items = eps if isinstance(eps, list) else eps.get('endpoints', []); primary = next((e for e in items if 'primary' in e.get('name', '')), items[0] if items else None); print(primary['name'] if primary else '')" => GET projects/inventory/branches/production/endpoints :: out == r.endpoints[1].name .. "\n"
0 => lakebase postgres list-endpoints "$BRANCH_PATH" --profile "$PROFILE" --output json 2>/dev/null | python3 -c "import json, sys; eps = json.load(sys.stdin); items = eps if isinstance(eps, list) else eps.get('endpoints', []); primary = next((e for e in items if 'primary' in e.get('name', '')), items[0] if items else None); print(primary.get('status', {}).get('hosts', {}).get('host', '') if primary else '')" => GET projects/inventory/branches/production/endpoints/primary :: out == r.status.hosts.host .. "\n"

# databricks-solutions/lakebase-scm-utils and lakebase-app-dev-kit: templates/project/common/scripts/post-checkout.sh,
# lakebase-scm-workflows: scripts/refresh-token.sh, set-production-db-secrets.sh (connection details with jq).
0 => lakebase postgres generate-database-credential "$EP" -o json 2>/dev/null | jq -r '.token // empty' => GET projects/inventory/branches/production/endpoints/primary :: #out > 20 and not out:find("{", 1, true)
0 => lakebase postgres list-endpoints "$BRANCH_PATH" -o json 2>/dev/null | jq -r '.[0].status.hosts.host // empty' => GET projects/inventory/branches/production/endpoints :: out == r.endpoints[1].status.hosts.host .. "\n"
0 => lakebase postgres list-endpoints "$BRANCH_PATH" -o json 2>/dev/null | jq -r '.[0].status.current_state // empty' => GET projects/inventory/branches/production/endpoints :: out == "ACTIVE\n"
0 => lakebase postgres list-branches "$PROJ_PATH" -o json 2>/dev/null | jq -r '(if type == "array" then . elif type == "object" then (.branches // .items // []) else [] end) | .[] | select((.status.default == true) or (.is_default == true)) | (if .name then (.name | split("/") | last) else (.uid // .id // empty) end)' | head -1 => GET projects/inventory/branches :: out == "production\n"
# ... the primary endpoint is made with the branch: creating it again fails, which the script ignores.
0 => lakebase postgres create-endpoint "$BRANCH_PATH" "primary" --json '{"spec": {"endpoint_type": "ENDPOINT_TYPE_READ_WRITE", "autoscaling_limit_min_cu": 2, "autoscaling_limit_max_cu": 4}}' >/dev/null 2>&1 || true => GET projects/inventory/branches/production/endpoints/primary :: r.status.autoscaling_limit_min_cu ~= 2
0 => lakebase postgres create-branch "$PROJ_PATH" "feat-login" --json "{\"spec\": {\"source_branch\": \"$PROJ_PATH/branches/production\", \"no_expiry\": true}}" 2>&1 | jq -r '.status.source_branch // empty' => GET projects/inventory/branches/feat-login :: out == "projects/inventory/branches/production\n" and r.status.expire_time == nil
0 => lakebase postgres list-branches "$PROJ_PATH" -o json 2>/dev/null | jq -r --arg uid feat-login '(if type == "array" then . elif type == "object" then (.branches // .items // []) else [] end) | .[] | select((.name | type == "string" and (endswith("/branches/" + $uid) or (split("/") | last == $uid))) or (.uid == $uid) or (.id == $uid)) | .status.current_state // empty' | head -1 => GET projects/inventory/branches/feat-login :: out == r.status.current_state .. "\n"
# lakebase-scm-utils: templates/project/common/.github/workflows/cleanup-orphans.yml, scripts/delete-lakebase-branches.sh.
0 => LIST_RAW="$(lakebase postgres list-branches "$PROJ_PATH" -o json 2>&1)"; echo "$LIST_RAW" | jq -r '.[].name' => GET projects/inventory/branches :: out:find("projects/inventory/branches/feat-login\n", 1, true) ~= nil
0 => lakebase postgres delete-branch "projects/inventory/branches/feat-login" 2>&1 => GET projects/inventory/branches/feat-login :: r == nil and out == ""

# databricks-solutions/lakebase-app-dev-kit: scripts/run-all-live-tests.sh, scripts/lakebase/lakebase-project.ts,
# branch-endpoint.ts, schema-diff.ts (the kit runs these argument lists).
0 => lakebase postgres create-project "kit-live" --profile "$PROFILE" -o json >/dev/null => GET projects/kit-live :: r.status.default_branch == "projects/kit-live/branches/production"
0 => lakebase postgres get-project "projects/kit-live" --profile "$PROFILE" -o json >/dev/null 2>&1 => GET projects/kit-live :: out == ""
0 => lakebase postgres list-branches "projects/kit-live" --profile "$PROFILE" -o json 2>&1 | python3 -c "import json, sys; d = json.load(sys.stdin); items = d if isinstance(d, list) else d.get('branches') or d.get('items') or []; print([b['name'].split('/branches/')[-1] for b in items if (b.get('status') or {}).get('default')][0])" => GET projects/kit-live/branches :: out == "production\n"
0 => lakebase postgres get-branch projects/kit-live/branches/production -o json | jq -r .status.default => GET projects/kit-live/branches/production :: out == "true\n"
0 => lakebase postgres delete-project "projects/kit-live" --profile "$PROFILE" 2>&1 | tail -3 => GET projects/kit-live :: r == nil and out == ""

# databricks-solutions/ai-dev-kit: .test/skills/databricks-lakebase-autoscale/ground_truth.yaml
# (--project-id is no flag of the CLI's either: nothing is made), databricks-builder-app/scripts/deploy.sh.
2 => lakebase postgres create-project --project-id my-app --json '{"spec": {"display_name": "My App", "pg_version": "17"}}' => GET projects/my-app :: r == nil and out == ""
0 => lakebase postgres create-project my-app --json '{"spec": {"display_name": "My App", "pg_version": "17"}}' => GET projects/my-app :: r.status.pg_version == 17 and json(out).status.display_name == "My App"
0 => lakebase postgres list-projects -o json => GET projects :: names(json(out)):find("projects/my-app", 1, true) ~= nil
0 => lakebase postgres get-project projects/my-app => GET projects/my-app :: json(out).name == "projects/my-app" and json(out)["@type"] == nil
0 => lakebase postgres create-branch projects/my-app development --json '{"spec": {"source_branch": "projects/my-app/branches/production", "no_expiry": true}}' => GET projects/my-app/branches/development :: r.status.source_branch == "projects/my-app/branches/production" and json(out)["@type"] == nil
0 => LAKEBASE_PROJECT_ID=my-app; lakebase postgres get-project "projects/${LAKEBASE_PROJECT_ID}" $CLI_ARGS &> /dev/null => GET projects/my-app :: out == ""
0 => BRANCH_PATH=projects/my-app/branches/production; ROLE_JSON="{\"spec\": {\"postgres_role\": \"$SP\", \"auth_method\": \"LAKEBASE_OAUTH_V1\", \"identity_type\": \"SERVICE_PRINCIPAL\"}}"; lakebase postgres create-role "$BRANCH_PATH" --json "$ROLE_JSON" --no-wait $CLI_ARGS 2>&1 => GET projects/my-app/branches/production/roles :: json(out).name:find("^projects/my%-app/branches/production/roles/[^/]+/operations/") ~= nil

# databricks-solutions/lakebase-for-ai-developers: docs/DEPLOYMENT_GUIDE.md, data/operational/README.md and
# .claude/skills/databricks-lakebase (also in databricks/devhub and databricks/databricks-agent-skills).
0 => lakebase postgres create-project mfg-copilot --json '{"spec": {"display_name": "MFG Supply-Chain Copilot", "pg_version": "17"}}' --profile dev => GET projects/mfg-copilot :: r.status.display_name == "MFG Supply-Chain Copilot" and r.status.pg_version == 17
0 => lakebase postgres create-branch projects/mfg-copilot development --json '{"spec":{"source_branch":"projects/mfg-copilot/branches/production","no_expiry":true}}' --profile dev => GET projects/mfg-copilot/branches/development :: r.status.current_state == "READY"
0 => lakebase postgres update-project projects/mfg-copilot spec.display_name --json '{"spec": {"display_name": "My Updated Application"}}' --profile dev => GET projects/mfg-copilot :: r.status.display_name == "My Updated Application"
0 => lakebase postgres list-branches projects/mfg-copilot --profile dev => GET projects/mfg-copilot/branches :: out:find("projects/mfg-copilot/branches/development", 1, true) ~= nil
0 => lakebase postgres list-endpoints projects/mfg-copilot/branches/development --profile dev => GET projects/mfg-copilot/branches/development/endpoints :: out:find(r.endpoints[1].name, 1, true) ~= nil
0 => lakebase postgres get-endpoint projects/mfg-copilot/branches/development/endpoints/primary --profile dev => GET projects/mfg-copilot/branches/development/endpoints/primary :: json(out).status.hosts.host == r.status.hosts.host
0 => lakebase postgres create-endpoint projects/mfg-copilot/branches/development replica --json '{"spec": {"endpoint_type": "ENDPOINT_TYPE_READ_ONLY", "autoscaling_limit_min_cu": 0.5, "autoscaling_limit_max_cu": 4.0}}' --profile dev => GET projects/mfg-copilot/branches/development/endpoints/replica :: r.status.endpoint_type == "ENDPOINT_TYPE_READ_ONLY" and r.status.autoscaling_limit_max_cu == 4
# ... a second read-write compute: the service refuses it (a branch has one), and so does lakebase.
1 => lakebase postgres create-endpoint projects/mfg-copilot/branches/development rw2 --json '{"spec": {"endpoint_type": "ENDPOINT_TYPE_READ_WRITE", "autoscaling_limit_min_cu": 0.5, "autoscaling_limit_max_cu": 4.0}}' --profile dev => GET projects/mfg-copilot/branches/development/endpoints/rw2 :: r == nil
# ... "type" is no field of the endpoint spec (the CLI drops it with a warning and the service wants endpoint_type).
2 => lakebase postgres create-endpoint projects/mfg-copilot/branches/development ro2 --json '{"spec": {"type": "ENDPOINT_TYPE_READ_ONLY"}}' --profile dev => GET projects/mfg-copilot/branches/development/endpoints/ro2 :: r == nil
0 => lakebase postgres update-endpoint projects/mfg-copilot/branches/development/endpoints/replica "spec.autoscaling_limit_min_cu,spec.autoscaling_limit_max_cu" --json '{"spec": {"autoscaling_limit_min_cu": 2.0, "autoscaling_limit_max_cu": 8.0}}' --profile dev => GET projects/mfg-copilot/branches/development/endpoints/replica :: r.status.autoscaling_limit_min_cu == 2 and r.status.autoscaling_limit_max_cu == 8
0 => lakebase postgres delete-endpoint projects/mfg-copilot/branches/development/endpoints/replica --profile dev => GET projects/mfg-copilot/branches/development/endpoints/replica :: r == nil
0 => lakebase postgres generate-database-credential projects/mfg-copilot/branches/development/endpoints/primary --profile dev => GET projects/mfg-copilot/branches/development/endpoints/primary :: #json(out).token > 20 and time(json(out).expire_time) > now
0 => EP=projects/mfg-copilot/branches/development/endpoints/primary; lakebase postgres get-endpoint $EP --profile dev -o json | python3 -c "import json,sys; print(json.load(sys.stdin)['status']['hosts']['host'])" => GET projects/mfg-copilot/branches/development/endpoints/primary :: out == r.status.hosts.host .. "\n"
0 => EP=projects/mfg-copilot/branches/development/endpoints/primary; lakebase postgres generate-database-credential $EP --profile dev -o json | python3 -c "import json,sys; print(json.load(sys.stdin)['token'])" => GET projects/mfg-copilot/branches/development/endpoints/primary :: #out > 20
0 => lakebase psql --project mfg-copilot --profile dev -- -c "CREATE EXTENSION IF NOT EXISTS vector;" => GET projects/mfg-copilot/branches :: #r.branches == 2 and out:find("psql -c CREATE EXTENSION IF NOT EXISTS vector;", 1, true) and out:find("PGUSER=" .. os.getenv("SP"), 1, true)
0 => lakebase postgres update-branch projects/mfg-copilot/branches/development --json '{"spec": {"is_protected": false}}' --profile dev => GET projects/mfg-copilot/branches/development :: r.status.is_protected == false
0 => lakebase postgres delete-branch projects/mfg-copilot/branches/development --profile dev => GET projects/mfg-copilot/branches/development :: r == nil
# ... the skills send people to -h for the spec fields.
0 => lakebase postgres create-role -h => GET projects :: out:find("--role-id", 1, true) and out:find("membership_roles", 1, true)
0 => lakebase postgres create-project -h => GET projects :: out:find("pg_version", 1, true) ~= nil
0 => lakebase postgres create-endpoint -h => GET projects :: out:find("autoscaling_limit_min_cu", 1, true) and out:find("--no-wait", 1, true)
0 => lakebase postgres update-endpoint -h => GET projects :: out:find("UPDATE_MASK", 1, true) and out:find("suspend_timeout_duration", 1, true)
0 => lakebase postgres create-branch -h => GET projects :: out:find("source_branch_time", 1, true) ~= nil
# ... there is no reset-branch command in the CLI either.
2 => lakebase postgres reset-branch projects/mfg-copilot/branches/production --profile dev => GET projects/mfg-copilot/branches/production :: r.status.current_state == "READY"
# ... synced-tables.md. The service makes the databricks_postgres database's resource with every branch;
# the emulator does not (yet), so the first line makes it.
0 => lakebase postgres create-database projects/mfg-copilot/branches/production --database-id databricks-postgres --json "{\"spec\": {\"postgres_database\": \"databricks_postgres\", \"role\": \"$(lakebase postgres list-roles projects/mfg-copilot/branches/production -o json | jq -r '.[0].name')\"}}" >/dev/null => GET projects/mfg-copilot/branches/production/databases/databricks-postgres :: r.status.postgres_database == "databricks_postgres"
0 => lakebase postgres create-catalog mfg_lakebase --json '{ "spec": { "postgres_database": "databricks_postgres", "branch": "projects/mfg-copilot/branches/production" } }' --profile dev => GET catalogs/mfg_lakebase :: r.status.project == "projects/mfg-copilot"
0 => lakebase postgres create-synced-table mfg_lakebase.public.nyc_trips --json '{ "spec": { "source_table_full_name": "samples.nyctaxi.trips", "primary_key_columns": ["tpep_pickup_datetime", "tpep_dropoff_datetime", "pickup_zip", "dropoff_zip"], "scheduling_policy": "SNAPSHOT", "branch": "projects/mfg-copilot/branches/production", "postgres_database": "databricks_postgres" } }' --profile dev => GET synced_tables/mfg_lakebase.public.nyc_trips :: r.name == "synced_tables/mfg_lakebase.public.nyc_trips"
0 => lakebase postgres get-synced-table "synced_tables/mfg_lakebase.public.nyc_trips" --profile dev => GET synced_tables/mfg_lakebase.public.nyc_trips :: json(out).name == r.name
0 => lakebase postgres delete-synced-table "synced_tables/mfg_lakebase.public.nyc_trips" --profile dev => GET synced_tables/mfg_lakebase.public.nyc_trips :: r == nil

# databricks/devhub: docs/lakebase/development.md and configuration.md ("Common" and "All Options").
0 => lakebase postgres create-project my-project => GET projects/my-project :: r.name == "projects/my-project"
0 => lakebase postgres create-project dh-all --json '{"spec": { "display_name": "My Lakebase Postgres Project", "pg_version": 17, "history_retention_duration": "172800s", "default_endpoint_settings": { "autoscaling_limit_min_cu": 0.5, "autoscaling_limit_max_cu": 1.0, "suspend_timeout_duration": "300s" } }}' --no-wait --timeout 10m --debug -o json --target prod --profile dev => GET projects :: json(out).name:find("^projects/dh%-all/operations/") ~= nil
0 => lakebase postgres create-project my-project-2 --json '{"spec": {"display_name": "My Project"}}' --no-wait => GET projects :: json(out).name:find("^projects/my%-project%-2/operations/") ~= nil
0 => lakebase postgres get-operation "$(op_of)" => GET projects :: json(out).name:find("^projects/my%-project%-2/operations/") ~= nil and json(out).done ~= nil
0 => lakebase postgres generate-database-credential projects/my-project/branches/production/endpoints/primary => GET projects/my-project/branches/production/endpoints/primary :: #json(out).token > 20
0 => lakebase postgres generate-database-credential projects/my-project/branches/production/endpoints/primary --json '{}' --debug --target prod -o json --profile dev => GET projects/my-project/branches/production/endpoints/primary :: #json(out).token > 20
# ... the service wants an expiration policy for a new branch; lakebase says so before sending.
2 => lakebase postgres create-branch projects/my-project feature-xyz => GET projects/my-project/branches/feature-xyz :: r == nil and out == ""
0 => lakebase postgres create-branch projects/my-project feature-xyz --json '{"spec": {"source_branch": "projects/my-project/branches/production", "no_expiry": true}}' --debug -o json --target prod --no-wait --timeout 10m --profile dev => GET projects :: json(out).name:find("^projects/my%-project/branches/feature%-xyz/operations/") ~= nil
0 => settle && lakebase postgres list-endpoints projects/my-project/branches/production -o json => GET projects/my-project/branches/production/endpoints :: json(out)[1].name == r.endpoints[1].name
0 => lakebase postgres list-endpoints projects/my-project/branches/production -o json --page-size 100 --limit 100 --debug --target prod --profile dev => GET projects/my-project/branches/production/endpoints :: #json(out) == #r.endpoints
0 => lakebase postgres list-databases projects/my-project/branches/production -o json --page-size 100 --limit 100 --debug --target prod --profile dev => GET projects/my-project/branches/production/databases :: #json(out) == #(r.databases or {})
0 => lakebase psql --project my-project => GET projects/my-project/branches :: #r.branches == 2 and out:find("psql \nPGUSER=emulator%-user@example.com PGDATABASE=databricks_postgres PGSSLMODE=require password:set")
0 => lakebase psql --project my-project --branch feature-xyz --endpoint primary --autoscaling --max-retries 3 --debug -o json --target prod --profile dev -- -c "SELECT 1" => GET projects/my-project/branches/feature-xyz/endpoints/primary :: out:find("psql -c SELECT 1", 1, true) and out:find("PGUSER=" .. os.getenv("SP"), 1, true)
0 => lakebase postgres update-endpoint projects/my-project/branches/production/endpoints/primary "spec.autoscaling_limit_min_cu,spec.autoscaling_limit_max_cu" --json '{"spec": {"autoscaling_limit_min_cu": 1.0, "autoscaling_limit_max_cu": 8.0}}' => GET projects/my-project/branches/production/endpoints/primary :: r.status.autoscaling_limit_max_cu == 8 and json(out)["@type"] == nil
0 => lakebase postgres update-project projects/my-project "spec.default_endpoint_settings" --json '{"spec": {"default_endpoint_settings": {"suspend_timeout_duration": "300s"}}}' => GET projects/my-project :: r.status.default_endpoint_settings.suspend_timeout_duration == "300s"
0 => lakebase postgres update-project projects/my-project spec.default_endpoint_settings --json '{ "spec": { "default_endpoint_settings": { "autoscaling_limit_min_cu": 0.5, "autoscaling_limit_max_cu": 1.0, "suspend_timeout_duration": "300s" } } }' --no-wait --timeout 10m --debug -o json --target prod --profile dev => GET projects/my-project :: json(out).name:find("^projects/my%-project/operations/") ~= nil
0 => settle && lakebase postgres update-endpoint projects/my-project/branches/production/endpoints/primary "spec.suspension" --json '{"spec": {"no_suspension": true}}' => GET projects/my-project/branches/production/endpoints/primary :: r.status.no_suspension == true
0 => lakebase postgres update-branch projects/my-project/branches/production spec.is_protected --json '{"spec": {"is_protected": true}}' => GET projects/my-project/branches/production :: r.status.is_protected == true
0 => lakebase postgres delete-branch projects/my-project/branches/feature-xyz --no-wait --timeout 10m --debug -o json --target prod --profile dev => GET projects/my-project/branches :: json(out).name:find("^projects/my%-project/branches/feature%-xyz/operations/") ~= nil
0 => lakebase postgres delete-project projects/dh-all -o json => GET projects/dh-all :: r == nil and out == ""

# databricks/devhub: examples/vacation-rentals/blog-post-snippets/setup/configure_env.sh (every step's jq).
0 => PROJECT_NAME=projects/appkit-dev; lakebase postgres get-project "$PROJECT_NAME" --output json >/dev/null 2>&1 || lakebase postgres create-project appkit-dev --json '{ "spec": { "default_endpoint_settings": { "autoscaling_limit_min_cu": 0.5, "autoscaling_limit_max_cu": 1, "suspend_timeout_duration": "300s" } } }' --output json => GET projects/appkit-dev :: json(out).name == "projects/appkit-dev" and r.status.default_endpoint_settings.autoscaling_limit_max_cu == 1
0 => lakebase postgres list-branches projects/appkit-dev --output json | jq -r '[.[] | select(.status.default == true)] | .[0].name // empty' => GET projects/appkit-dev/branches :: out == "projects/appkit-dev/branches/production\n"
0 => lakebase postgres list-endpoints projects/appkit-dev/branches/production --output json | jq '.[0] // empty' | jq -r '.name' => GET projects/appkit-dev/branches/production/endpoints :: out == r.endpoints[1].name .. "\n"
0 => LAKEBASE_ENDPOINT=projects/appkit-dev/branches/production/endpoints/primary; lakebase postgres get-endpoint "$LAKEBASE_ENDPOINT" --output json | jq -r '.status.hosts.host // empty' => GET projects/appkit-dev/branches/production/endpoints/primary :: out == r.status.hosts.host .. "\n"
1 => lakebase postgres create-endpoint projects/appkit-dev/branches/production "primary" --json '{ "spec": { "endpoint_type": "ENDPOINT_TYPE_READ_WRITE", "autoscaling_limit_min_cu": 0.5, "autoscaling_limit_max_cu": 1, "suspend_timeout_duration": "300s" } }' --output json => GET projects/appkit-dev/branches/production/endpoints/primary :: r.status.current_state == "ACTIVE"

# databricks-solutions/vibe-coding-workshop-app: scripts/deploy.sh and db/lakebase/dml_seed prompts.
0 => lakebase postgres create-project vibe --json '{"spec": {"display_name": "vibe"}}' >/dev/null; lakebase postgres list-projects $PROFILE_FLAG --output json 2>/dev/null | python3 -c "import sys, json; data = json.load(sys.stdin); items = data if isinstance(data, list) else data.get('projects', []); print(next((p['name'] for p in items if p['name'] == 'projects/vibe'), ''))" => GET projects/vibe :: out == "projects/vibe\n"
0 => ENDPOINT_NAME=projects/vibe/branches/production/endpoints/primary; lakebase postgres update-endpoint "$ENDPOINT_NAME" "spec.autoscaling_limit_min_cu,spec.autoscaling_limit_max_cu" --json "{\"spec\": {\"autoscaling_limit_min_cu\": 0.5, \"autoscaling_limit_max_cu\": 2}}" --no-wait $PROFILE_FLAG 2>&1 => GET projects/vibe/branches/production/endpoints/primary :: json(out).name:find("/operations/") ~= nil
0 => settle && lakebase postgres create-role projects/vibe/branches/production --json "{\"spec\": {\"postgres_role\": \"$SP\", \"identity_type\": \"SERVICE_PRINCIPAL\", \"membership_roles\": [\"DATABRICKS_SUPERUSER\"]}}" --no-wait $PROFILE_FLAG 2>&1 | grep -q "SERVICE_PRINCIPAL\|name.*roles" => GET projects/vibe/branches/production/roles :: out == ""
0 => lakebase postgres create-role projects/vibe/branches/production --json '{"spec": {"postgres_role": "users", "identity_type": "GROUP", "membership_roles": ["DATABRICKS_SUPERUSER"]}}' --no-wait $PROFILE_FLAG 2>&1 => GET projects/vibe/branches/production/roles :: json(out).name:find("/roles/[^/]+/operations/") ~= nil
0 => settle && lakebase postgres list-roles projects/vibe/branches/production $PROFILE_FLAG --output json 2>/dev/null | grep -c "$SP" => GET projects/vibe/branches/production/roles :: out == "1\n" and (function() for _, x in ipairs(r.roles) do if x.status.postgres_role == os.getenv("SP") then return x.status.membership_roles[1] == "DATABRICKS_SUPERUSER" end end end)()
0 => lakebase postgres update-endpoint projects/vibe/branches/production/endpoints/primary "spec" --json '{"spec": {"endpoint_type": "ENDPOINT_TYPE_READ_WRITE", "autoscaling_limit_min_cu": 0.5, "autoscaling_limit_max_cu": 2.0, "suspend_timeout_duration": "1800s"}}' => GET projects/vibe/branches/production/endpoints/primary :: r.status.suspend_timeout_duration == "1800s" and r.status.autoscaling_limit_max_cu == 2
0 => lakebase postgres get-endpoint projects/vibe/branches/production/endpoints/primary --output json => GET projects/vibe/branches/production/endpoints/primary :: json(out).status.suspend_timeout_duration == "1800s"
0 => lakebase postgres delete-project projects/vibe --no-wait => GET projects :: json(out).name:find("^projects/vibe/operations/") ~= nil

# databricks-solutions/lakebase-workshop: setup.sh, docs/PREREQUISITES.md, labs/authentication.
0 => lakebase postgres list-projects --profile "$PROFILE" &>/dev/null => GET projects :: out == ""
0 => project_id=my-app; profile=dev; lakebase postgres get-project "projects/$project_id" --profile "$profile" &>/dev/null => GET projects/my-app :: out == ""
0 => lakebase postgres create-database projects/my-app/branches/production --database-id databricks-postgres --profile dev --json "{\"spec\": {\"postgres_database\": \"databricks_postgres\", \"role\": \"$(lakebase postgres list-roles projects/my-app/branches/production --profile dev -o json | jq -r '.[0].name')\"}}" >/dev/null; lakebase postgres list-databases projects/my-app/branches/production --profile dev -o json 2>/dev/null | python3 -c "import sys, json; print(next(db['name'] for db in json.load(sys.stdin) if db.get('status', {}).get('postgres_database') == 'databricks_postgres'))" => GET projects/my-app/branches/production/databases :: out == "projects/my-app/branches/production/databases/databricks-postgres\n"
0 => TOKEN=$(lakebase postgres generate-database-credential "projects/my-app/branches/production/endpoints/primary" --profile dev -o json | python3 -c "import sys,json; print(json.load(sys.stdin)['token'])"); test -n "$TOKEN" && echo ok => GET projects/my-app/branches/production/endpoints/primary :: out == "ok\n"

# databricks/app-templates: rag-chat/README.md, .claude/skills/lakebase-setup/SKILL.md and quickstart/SKILL.md
# (`databricks api get`), AGENTS.md (the profile from the environment). The service lists the
# databricks_postgres database's resource under every branch; the emulator does not, so the first
# line makes it.
0 => PROJECT_ID=rag-chat; lakebase postgres create-project "$PROJECT_ID" >/dev/null; lakebase postgres create-database projects/rag-chat/branches/production --database-id databricks-postgres --json "{\"spec\": {\"postgres_database\": \"databricks_postgres\", \"role\": \"$(lakebase postgres list-roles projects/rag-chat/branches/production -o json | jq -r '.[0].name')\"}}" -o json | jq -r .status.postgres_database => GET projects/rag-chat/branches/production/databases/databricks-postgres :: out == "databricks_postgres\n"
0 => BRANCH_NAME="projects/rag-chat/branches/production"; DATABASE_NAME=$(lakebase api get "/api/2.0/postgres/$BRANCH_NAME/databases" -o json | python3 -c "import json,sys; print(json.load(sys.stdin)['databases'][0]['name'])"); echo "Database: $DATABASE_NAME" => GET projects/rag-chat/branches/production/databases :: out == "Database: " .. r.databases[1].name .. "\n"
0 => lakebase api get /api/2.0/postgres/projects --profile dev => GET projects :: names(json(out).projects) == names(r.projects)
0 => lakebase api get /api/2.0/postgres/projects/rag-chat/branches --profile dev => GET projects/rag-chat/branches :: json(out).branches[1].name == "projects/rag-chat/branches/production"
0 => lakebase api get /api/2.0/postgres/projects/rag-chat/branches/production/databases --profile dev => GET projects/rag-chat/branches/production/databases :: json(out).databases[1].status.postgres_database == "databricks_postgres"
0 => lakebase api get /api/2.0/postgres/projects/rag-chat/branches/production/endpoints --profile dev => GET projects/rag-chat/branches/production/endpoints :: json(out).endpoints[1].status.hosts.host == r.endpoints[1].status.hosts.host
0 => DATABRICKS_CONFIG_PROFILE=dev lakebase postgres list-projects -o json | jq -r '.[].name' => GET projects :: out == names(r.projects):gsub(" ", "\n") .. "\n"

# databricks/bundle-examples: knowledge_base/app_with_database/README.md, database_with_catalog/README.md.
0 => lakebase postgres create-project example-database >/dev/null; lakebase psql --project example-database -- --dbname example_database -c "select * from holidays.holiday_requests" => GET projects/example-database/branches :: #r.branches == 1 and out:find("psql --dbname example_database -c select * from holidays.holiday_requests\n", 1, true)
0 => lakebase psql --project my-project -- -d my_database -c "SELECT * FROM hello_world;" => GET projects/my-project/branches :: out:find("psql -d my_database -c SELECT * FROM hello_world;\n", 1, true)

# databricks/cli: acceptance/bundle/resources/postgres_* (get-X piped to jq without -o json; purge).
0 => lakebase postgres get-project "projects/my-app" | jq '{name, project_id, status: (.status | {default_branch, display_name, owner, pg_version, project_id}), uid}' => GET projects/my-app :: json(out).status.default_branch == r.status.default_branch and json(out).uid == r.uid
0 => branch_name=projects/my-app/branches/development; lakebase postgres get-branch "${branch_name}" | jq '{branch_id, name, parent, status: (.status | {branch_id, current_state, default, is_protected, source_branch} | with_entries(select(.value != null))), uid}' => GET projects/my-app/branches/development :: json(out).status.current_state == "READY" and json(out).parent == "projects/my-app"
0 => lakebase postgres get-endpoint "projects/my-app/branches/production/endpoints/primary" | jq '{endpoint_id, name, parent, uid, status: (.status | {endpoint_id, endpoint_type, autoscaling_limit_min_cu, autoscaling_limit_max_cu, suspend_timeout_duration})}' => GET projects/my-app/branches/production/endpoints/primary :: json(out).status.endpoint_type == "ENDPOINT_TYPE_READ_WRITE"
0 => role_name=$(lakebase postgres list-roles projects/my-app/branches/production -o json | jq -r '.[0].name'); lakebase postgres get-role "${role_name}" | jq '{name, parent, role_id, status: (.status | {auth_method, identity_type, postgres_role, role_id})}' => GET projects/my-app/branches/production/roles :: json(out).name == r.roles[1].name
0 => lakebase postgres get-database "projects/my-app/branches/production/databases/databricks-postgres" | jq '{database_id, name, parent, status: (.status | {database_id, postgres_database, role})}' => GET projects/my-app/branches/production/databases/databricks-postgres :: json(out).status.postgres_database == "databricks_postgres"
0 => lakebase postgres delete-branch --purge "projects/my-app/branches/development" 2>>$tmp/LOG.delete-branch || true => GET projects/my-app/branches?show_deleted=true :: not names(r.branches):find("development", 1, true)
0 => lakebase postgres delete-project --purge "projects/my-app" 2>>$tmp/LOG.delete-project || true => GET projects?show_deleted=true :: not (" " .. names(r.projects) .. " "):find(" projects/my-app ", 1, true)
# databricks/cli: acceptance/cmd/psql (the Autoscaling forms).
0 => lakebase postgres create-branch projects/my-project dev --json '{"spec": {"no_expiry": true}}' >/dev/null; lakebase psql projects/my-project --branch production --max-retries 0 => GET projects/my-project/branches/production :: out:find("^psql \n")
0 => lakebase psql projects/my-project/branches/dev --endpoint primary --max-retries 0 => GET projects/my-project/branches/dev/endpoints/primary :: out:find("password:set", 1, true) ~= nil
0 => lakebase psql --project my-project -- --echo-all -d "my-db" => GET projects/my-project/branches :: #r.branches > 1 and out:find("psql --echo-all -d my-db\n", 1, true)
2 => lakebase psql projects/my-project/branches/production/endpoints/primary --project other => GET projects/my-project :: out == ""
2 => lakebase psql projects/my-project/branches/production --branch other => GET projects/my-project :: out == ""
2 => lakebase psql projects/ => GET projects :: out == ""
2 => lakebase psql --branch some-branch => GET projects :: out == ""

# Public scripts (GitHub; the lines as their authors wrote them).
# ... a project made in the workspace UI is named by the service, with a UUID that may start with a
# digit, and its production branch br-...: the name goes to the service (which has no such project
# here: 404, exit 1) instead of being refused as an ID one could not choose at creation (exit 2).
1 => PROJECT_ID="9e2e7ee4-bc9e-4753-8249-f8f49f8ac26d"; PROJECT_PATH="projects/${PROJECT_ID}"; lakebase postgres list-branches "${PROJECT_PATH}" -o json 2>/dev/null => GET projects :: out == ""
1 => lakebase postgres get-branch "projects/9e2e7ee4-bc9e-4753-8249-f8f49f8ac26d/branches/br-ancient-star-d17umpql" -o json 2>/dev/null => GET projects :: out == ""
1 => lakebase psql --project 9e2e7ee4-bc9e-4753-8249-f8f49f8ac26d --branch br-ancient-star-d17umpql -- -c "SELECT 1" 2>/dev/null => GET projects :: out == ""
0 => lakebase postgres list-projects | jq -r '.[] | select(.name | startswith("projects/my-project")) | .name' => GET projects :: out:find("^projects/my%-project\n") ~= nil
0 => PROFILE=dev; ENDPOINT_NAME=projects/my-project/branches/production/endpoints/primary; lakebase -p "$PROFILE" -o json postgres get-endpoint "$ENDPOINT_NAME" | jq -r '.status.hosts.host // ""' => GET projects/my-project/branches/production/endpoints/primary :: out == r.status.hosts.host .. "\n"
0 => lakebase --profile dev postgres create-project oltp --json '{"spec":{"pg_version":17}}' --timeout 15m -o json | jq '{name, pg: .status.pg_version}' => GET projects/oltp :: json(out).pg == 17 and json(out).name == "projects/oltp"
0 => lakebase --profile dev postgres list-projects -o json | jq -r '.[].name' => GET projects :: out:find("projects/oltp\n", 1, true) ~= nil
0 => LAKEBASE_PROJECT=oltp; lakebase postgres list-projects -o json | jq -e --arg n "projects/$LAKEBASE_PROJECT" 'any(.[]; .name == $n)' >/dev/null => GET projects/oltp :: out == ""
0 => lakebase postgres get-branch -p dev "projects/oltp/branches/production" &>/dev/null || lakebase postgres create-branch -p dev "projects/oltp" "feature-a" --json "{\"spec\":{\"no_expiry\":true}}" => GET projects/oltp/branches/production :: out == ""
0 => T0=$(date -u +%Y-%m-%dT%H:%M:%SZ); sleep 1; lakebase postgres create-branch "projects/oltp" "recover" --json "{\"spec\":{\"source_branch\":\"projects/oltp/branches/production\",\"source_branch_time\":\"${T0}\",\"ttl\":\"86400s\"}}" => GET projects/oltp/branches/recover :: r.status.source_branch == "projects/oltp/branches/production" and time(r.status.expire_time) - now > 86000
0 => lakebase postgres update-branch "projects/oltp/branches/production" spec.is_protected --json '{ "spec": { "is_protected": true } }' => GET projects/oltp/branches/production :: r.status.is_protected == true
0 => IS_PROTECTED=$(lakebase postgres get-branch "projects/oltp/branches/production" -o json | jq -r '.status.is_protected'); echo "$IS_PROTECTED" => GET projects/oltp/branches/production :: out == "true\n"
0 => lakebase postgres create-role "projects/oltp/branches/production" --role-id "app-sp" --replace-existing --json "{\"spec\":{\"identity_type\":\"SERVICE_PRINCIPAL\",\"postgres_role\":\"$APP_SP\",\"auth_method\":\"LAKEBASE_OAUTH_V1\",\"membership_roles\":[\"DATABRICKS_SUPERUSER\"]}}" => GET projects/oltp/branches/production/roles/app-sp :: r.status.membership_roles[1] == "DATABRICKS_SUPERUSER"
0 => lakebase postgres update-role "projects/oltp/branches/production/roles/app-sp" "spec" -p dev --json "{\"spec\":{\"identity_type\":\"SERVICE_PRINCIPAL\",\"postgres_role\":\"$APP_SP\",\"auth_method\":\"LAKEBASE_OAUTH_V1\",\"membership_roles\":[]}}" >/dev/null => GET projects/oltp/branches/production/roles/app-sp :: r.status.membership_roles == nil or #r.status.membership_roles == 0
0 => lakebase postgres create-database "projects/oltp/branches/production" --database-id serving --replace-existing --json '{"spec": {"postgres_database": "serving", "role": "projects/oltp/branches/production/roles/app-sp"}}' --profile dev => GET projects/oltp/branches/production/databases/serving :: r.status.role == "projects/oltp/branches/production/roles/app-sp"
0 => lakebase postgres get-endpoint "projects/oltp/branches/production/endpoints/primary" --profile dev -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["uid"])' => GET projects/oltp/branches/production/endpoints/primary :: out == r.uid .. "\n"
0 => lakebase postgres generate-database-credential "projects/oltp/branches/production/endpoints/primary" --ttl 3600s -o json --profile dev | jq -r '.expire_time // empty' => GET projects/oltp/branches/production/endpoints/primary :: math.abs(time(out:sub(1, -2)) - now - 3600) <= 5
# ... a pressure-gauge app's README: the CDF config by arguments, a synced table from a file, psql with -v.
0 => lakebase postgres create-project pressure-gauge-reader --json '{"spec": {"display_name": "Pressure Gauge Reader", "pg_version": 17}}' >/dev/null; lakebase postgres create-database projects/pressure-gauge-reader/branches/production --database-id databricks-postgres --json "{\"spec\": {\"postgres_database\": \"databricks_postgres\", \"role\": \"$(lakebase postgres list-roles projects/pressure-gauge-reader/branches/production -o json | jq -r '.[0].name')\"}}" >/dev/null => GET projects/pressure-gauge-reader :: r.status.pg_version == 17
0 => lakebase psql --project pressure-gauge-reader -- -d databricks_postgres -f src/lakebase/01_review_schema.sql => GET projects/pressure-gauge-reader :: out:find("psql -d databricks_postgres -f src/lakebase/01_review_schema.sql\n", 1, true)
0 => lakebase postgres create-cdf-config projects/pressure-gauge-reader/branches/production/databases/databricks-postgres serverless_stable_catalog pressure_gauge review --cdf-config-id review_overrides => GET projects/pressure-gauge-reader/branches/production/databases/databricks-postgres/cdf-configs/review_overrides :: r.catalog == "serverless_stable_catalog" and r.schema == "pressure_gauge" and r.postgres_schema == "review"
0 => printf '{"spec": {"source_table_full_name": "main.gold.gauge_readings_final", "primary_key_columns": ["image_id"], "scheduling_policy": "SNAPSHOT", "branch": "projects/pressure-gauge-reader/branches/production", "postgres_database": "databricks_postgres"}}' >$tmp/synced_table.json; lakebase postgres create-synced-table serverless_stable_catalog.pressure_gauge.gauge_readings_serving --json @$tmp/synced_table.json => GET synced_tables/serverless_stable_catalog.pressure_gauge.gauge_readings_serving :: json(out).name == r.name
0 => lakebase psql --project pressure-gauge-reader -- -d databricks_postgres -v app_sp=$SP -f src/lakebase/02_app_grants.sql => GET projects/pressure-gauge-reader :: out:find("psql -d databricks_postgres -v app_sp=" .. os.getenv("SP") .. " -f src/lakebase/02_app_grants.sql\n", 1, true)
0 => lakebase psql "projects/oltp/branches/production/endpoints/primary" -- -tAc "SELECT to_regnamespace('ci') IS NULL AS production_untouched;" => GET projects/oltp/branches/production/endpoints/primary :: out:find("psql -tAc SELECT to_regnamespace('ci') IS NULL AS production_untouched;\n", 1, true)
TABLE
)

run_lines "$table"
finish
