-- Snapshots, snapshot schedules and compute instances (section 1 of
-- ../shared/lakebase-fidelity.md: the Python SDK's newer resources): the emulator over the wire
-- with simulated computes for the API's shape and rules, then with real PostgreSQL for what a
-- snapshot really is (a copy of the branch's data a branch can be restored from) and for compute
-- instances following scale-to-zero; and the Lua client's methods for them.
local T = require "testlib"
local Client = require "emu_client"
local emulator = require "lakebase.emulator"
local lb = lakebase
local P = "/api/2.0/postgres/"

local emu = emulator.start { postgres = false, token = "snap-pat-0123456789", op_latency = 0.05, housekeeping_interval = 0.2 }
local c = Client.new(emu.url, emu.token)
local B = "projects/snap/branches/production"

local get, ok, refused = c:helpers(T)

ok("POST", "projects?project_id=snap", {})
ok("POST", B .. "/roles?role_id=app-owner", { spec = { postgres_role = "app_owner" } })
ok("POST", B .. "/databases?database_id=appdb", { spec = { postgres_database = "appdb", role = B .. "/roles/app-owner" } })
ok("POST", "projects/snap/branches?branch_id=dev", { spec = { no_expiry = true } })

T.test("a snapshot of the root branch: status {source_branch, expire_time}, SnapshotOperationMetadata, no update", function()
  local status, op = c:call("POST", P .. "projects/snap/snapshots?snapshot_id=before-migration",
    { spec = { source_branch = B, ttl = "86400s" } })
  T.eq(status, 200, "create answers an operation " .. lb.json.encode(op))
  T.eq(op.metadata["@type"], "type.googleapis.com/databricks.postgres.v1.SnapshotOperationMetadata", "metadata type")
  T.ok(op.name:find("projects/snap/snapshots/before-migration/operations/", 1, true) == 1, "named under the snapshot")
  op = c:wait(op)
  T.eq(op.response["@type"], "type.googleapis.com/databricks.postgres.v1.Snapshot", "response type")
  local s = get("projects/snap/snapshots/before-migration")
  T.eq(s.snapshot_id, "before-migration", "snapshot_id") T.eq(s.spec, nil, "no spec")
  T.eq(s.status.source_branch, B, "status.source_branch")
  T.ok(s.status.expire_time, "the ttl resolved to an expire_time") T.eq(s.status.no_expiry, nil, "not no_expiry")
  T.eq(s.update_time, nil, "a snapshot has no update_time") T.ok(s.uid and s.create_time, "uid and create_time")
  local forever = ok("POST", "projects/snap/snapshots?snapshot_id=forever", { spec = { source_branch = B, no_expiry = true } })
  T.eq(forever.status.no_expiry, true, "no_expiry") T.eq(forever.status.expire_time, nil, "and no expire_time")
  T.eq(#get("projects/snap/snapshots").snapshots, 2, "listed under snapshots")
  refused("PATCH", "projects/snap/snapshots/forever", { spec = { ttl = "60s" } }, 405, "BAD_REQUEST", "cannot be updated", "update")
end)

T.test("snapshot rules: the root branch only, a source of the project, lsn xor time, one expiry, ids required", function()
  refused("POST", "projects/snap/snapshots?snapshot_id=of-dev", { spec = { source_branch = "projects/snap/branches/dev" } },
    400, "BAD_REQUEST", "root branch only", "a snapshot of a child branch")
  refused("POST", "projects/snap/snapshots?snapshot_id=elsewhere", { spec = { source_branch = "projects/other/branches/production" } },
    404, "NOT_FOUND", "not found in projects/snap", "a branch of another project")
  refused("POST", "projects/snap/snapshots?snapshot_id=both", { spec = { source_branch = B, source_branch_lsn = "0/1A",
    source_branch_time = "2026-01-01T00:00:00Z" } }, 400, "INVALID_PARAMETER_VALUE", "mutually exclusive", "lsn and time")
  refused("POST", "projects/snap/snapshots?snapshot_id=two-expiries", { spec = { source_branch = B, ttl = "60s", no_expiry = true } },
    400, "INVALID_PARAMETER_VALUE", "mutually exclusive", "two expiry members")
  refused("POST", "projects/snap/snapshots", { spec = { source_branch = B } }, 400, "INVALID_PARAMETER_VALUE",
    "Field 'snapshot_id' is required", "no id")
  refused("POST", "projects/snap/snapshots?snapshot_id=nosrc", { spec = {} }, 400, "INVALID_PARAMETER_VALUE",
    "Field 'snapshot.spec.source_branch' is required", "no source branch")
  refused("POST", "projects/snap/snapshots?snapshot_id=forever", { spec = { source_branch = B } }, 409, "ALREADY_EXISTS",
    "snapshot with such id already exists", "a duplicate")
  local at = ok("POST", "projects/snap/snapshots?snapshot_id=at-lsn", { spec = { source_branch = B, source_branch_lsn = "0/1A2B" } })
  T.eq(at.status.source_branch, B, "an LSN on the root branch is accepted")
end)

T.test("a project keeps at most 10 snapshots taken by hand", function()
  ok("POST", "projects?project_id=quota", {})
  local QB = "projects/quota/branches/production"
  for i = 1, 10 do ok("POST", "projects/quota/snapshots?snapshot_id=s" .. i, { spec = { source_branch = QB } }) end
  refused("POST", "projects/quota/snapshots?snapshot_id=s11", { spec = { source_branch = QB } }, 400,
    "RESOURCE_LIMIT_EXCEEDED", "10 manual snapshots", "the eleventh")
  ok("DELETE", "projects/quota/snapshots/s1")
  ok("POST", "projects/quota/snapshots?snapshot_id=s11", { spec = { source_branch = QB } })
end)

T.test("a snapshot is deleted when its expiry comes", function()
  ok("POST", "projects/snap/snapshots?snapshot_id=brief", { spec = { source_branch = B, ttl = "1s" } })
  local deadline, status = lb.now() + 5, 200
  while status == 200 and lb.now() < deadline do
    lb.sleep(0.2)
    status = c:call("GET", P .. "projects/snap/snapshots/brief")
  end
  T.eq(status, 404, "gone after its ttl")
end)

T.test("a branch restored from a snapshot: status.source_snapshot and the snapshot's roles and databases", function()
  local b = ok("POST", "projects/snap/branches?branch_id=restored", { spec = { source_snapshot = "projects/snap/snapshots/forever",
    no_expiry = true } })
  T.eq(b.status.source_snapshot, "projects/snap/snapshots/forever", "status.source_snapshot")
  T.eq(b.status.source_branch, nil, "no source branch")
  local dbs = get("projects/snap/branches/restored/databases").databases
  T.eq(#dbs, 1, "the snapshot's database") T.eq(dbs[1].status.role, "projects/snap/branches/restored/roles/app-owner", "owned by its own role")
  T.eq(get("projects/snap/branches/restored/roles/app-owner").status.postgres_role, "app_owner", "the snapshot's role")
  T.eq(get("projects/snap/branches/restored/endpoints/primary").status.endpoint_type, "ENDPOINT_TYPE_READ_WRITE",
    "with its own read-write endpoint")
  refused("POST", "projects/snap/branches?branch_id=mixed", { spec = { source_snapshot = "projects/snap/snapshots/forever",
    source_branch = B, no_expiry = true } }, 400, "INVALID_PARAMETER_VALUE", "mutually exclusive", "snapshot and source branch")
  refused("POST", "projects/snap/branches?branch_id=nosnap", { spec = { source_snapshot = "projects/snap/snapshots/none",
    no_expiry = true } }, 404, "NOT_FOUND", "snapshot projects/snap/snapshots/none not found", "a missing snapshot")
  local status, op = c:call("POST", P .. "projects/snap/snapshots?snapshot_id=in-progress", { spec = { source_branch = B } })
  T.eq(status, 200, "a snapshot being taken")
  refused("POST", "projects/snap/branches?branch_id=early", { spec = { source_snapshot = "projects/snap/snapshots/in-progress",
    no_expiry = true } }, 400, "BAD_REQUEST", "not AVAILABLE", "restoring it before it is taken")
  c:wait(op)
end)

T.test("a snapshot schedule always exists: empty until set; an update replaces it and answers with it", function()
  local S = B .. "/snapshot-schedule"
  local empty = get(S)
  T.eq(empty.name, S, "named BRANCH/snapshot-schedule") T.eq(empty.schedule, nil, "empty: no schedule")
  local status, body = c:call("PATCH", P .. S .. "?update_mask=schedule", { schedule = {
    { daily_schedule = { hour = 3 }, retention = "604800s" },
    { weekly_schedule = { day_of_week = "SUNDAY", hour = 4 }, retention = "2592000s" } } })
  T.eq(status, 200, "updated " .. lb.json.encode(body))
  T.eq(body.name, S, "the answer is the schedule itself, not an operation") T.eq(body.done, nil, "no operation")
  T.eq(#body.schedule, 2, "two cadences")
  T.eq(get(S).schedule[2].weekly_schedule.day_of_week, "SUNDAY", "stored")
  body = select(2, c:call("PATCH", P .. S .. "?update_mask=schedule", { schedule = {
    { monthly_schedule = { day = 31 }, retention = "3600s" } } }))
  T.eq(#body.schedule, 1, "the whole set is replaced")
  refused("PATCH", S .. "?update_mask=schedule", { schedule = { { retention = "3600s" } } }, 400, "INVALID_PARAMETER_VALUE",
    "cadence", "a cadence without daily, weekly or monthly")
  refused("PATCH", S .. "?update_mask=schedule", { schedule = { { daily_schedule = {}, weekly_schedule = { day_of_week = "MONDAY" },
    retention = "3600s" } } }, 400, "INVALID_PARAMETER_VALUE", "mutually exclusive", "two cadences in one")
  refused("PATCH", S .. "?update_mask=schedule", { schedule = { { daily_schedule = { hour = 3 }, retention = "60s" } } }, 400,
    "INVALID_PARAMETER_VALUE", "at least 3600s", "a retention under an hour")
  refused("PATCH", S .. "?update_mask=schedule", { schedule = { { daily_schedule = { hour = 24 }, retention = "3600s" } } }, 400,
    "INVALID_PARAMETER_VALUE", "hour", "hour 24")
  refused("PATCH", S .. "?update_mask=schedule", { schedule = { { weekly_schedule = {}, retention = "3600s" } } }, 400,
    "INVALID_PARAMETER_VALUE", "day_of_week' is required", "a weekly cadence without its day")
  refused("PATCH", S .. "?update_mask=name", { name = "x" }, 400, "INVALID_PARAMETER_VALUE", "output only", "a mask other than schedule")
  body = select(2, c:call("PATCH", P .. S .. "?update_mask=schedule", { schedule = {} }))
  T.eq(body.schedule, nil, "an empty set disables automatic snapshots")
  refused("PATCH", "projects/snap/branches/dev/snapshot-schedule?update_mask=schedule", { schedule = {
    { daily_schedule = { hour = 1 }, retention = "3600s" } } }, 400, "BAD_REQUEST", "root branch only", "a child branch")
  T.eq(get("projects/snap/branches/dev/snapshot-schedule").name, "projects/snap/branches/dev/snapshot-schedule",
    "every branch has one to read")
  refused("GET", "projects/snap/branches/gone/snapshot-schedule", nil, 404, "NOT_FOUND", "branch id not found", "no branch")
  refused("POST", S, {}, 405, "BAD_REQUEST", "always exists", "create")
  refused("DELETE", S, nil, 405, "BAD_REQUEST", "cannot be deleted", "delete")
end)

T.test("compute instances: the endpoint's compute, READ_WRITE or READ_ONLY, its state following the endpoint", function()
  local E = B .. "/endpoints/primary"
  local list = get(E .. "/compute-instances").compute_instances
  T.eq(#list, 1, "one compute")
  local ci = list[1]
  T.eq(ci.role, "READ_WRITE", "the primary's compute is READ_WRITE") T.eq(ci.current_state, "ACTIVE", "ACTIVE")
  T.ok(ci.compute_instance_id and ci.name == E .. "/compute-instances/" .. ci.compute_instance_id, "named under the endpoint")
  T.ok(ci.compute_host and ci.start_time, "host and start_time") T.eq(ci.status, nil, "its fields are its own")
  T.eq(get(ci.name).compute_instance_id, ci.compute_instance_id, "GET by name")
  ok("PATCH", E .. "?update_mask=spec.disabled", { spec = { disabled = true } })
  local idle = get(ci.name)
  T.eq(idle.current_state, "IDLE", "a disabled endpoint's compute is IDLE") T.ok(idle.suspend_time, "with suspend_time")
  ok("PATCH", E .. "?update_mask=spec.disabled", { spec = { disabled = false } })
  T.eq(get(ci.name).current_state, "ACTIVE", "and ACTIVE again")
  ok("POST", B .. "/endpoints?endpoint_id=reader", { spec = { endpoint_type = "ENDPOINT_TYPE_READ_ONLY" } })
  T.eq(get(B .. "/endpoints/reader/compute-instances").compute_instances[1].role, "READ_ONLY", "a replica's compute")
  refused("GET", E .. "/compute-instances/ci-nope", nil, 404, "NOT_FOUND", "compute instance id not found", "no such compute")
  refused("POST", E .. "/compute-instances", {}, 405, "BAD_REQUEST", "the service makes them", "create")
  refused("DELETE", ci.name, nil, 405, "BAD_REQUEST", "cannot be deleted", "delete")
  refused("GET", B .. "/endpoints/gone/compute-instances", nil, 404, "NOT_FOUND", "endpoint id not found", "no endpoint")
end)

T.test("the Lua client: project:create_snapshot, snapshots(), branch:get_snapshot_schedule():update, endpoint:compute_instances()", function()
  local client = lb.client { host = emu.url, token = emu.token }
  local project = client:get_project("snap")
  local s = project:create_snapshot("from-lua", { source_branch = B, ttl = "3600s" }):wait()
  T.eq(tostring(s), "lakebase.Snapshot(projects/snap/snapshots/from-lua)", "a Snapshot object")
  T.eq(s.update, nil, "a snapshot has no update method")
  local n = 0
  for _ in project:snapshots() do n = n + 1 end
  T.ok(n >= 3, "project:snapshots() lists them")
  local sched = client:get(B):get_snapshot_schedule()
  sched = sched:update { schedule = { { daily_schedule = { hour = 2 }, retention = "86400s" } } }:wait()
  T.eq(sched.schedule[1].daily_schedule.hour, 2, "updated and given back at once")
  T.eq(sched.delete, nil, "a snapshot schedule is not deleted")
  T.raises(function() sched:update { schedule = { { daily_schedule = { hour = 99 }, retention = "3600s" } } } end,
    "schedule%[0%]%.daily_schedule%.hour", "bad values are refused before sending")
  local ep = client:get(B .. "/endpoints/primary")
  local inst
  for i in ep:compute_instances() do inst = i end
  T.eq(inst.role, "READ_WRITE", "endpoint:compute_instances()")
  T.eq(ep:get_compute_instance(inst.compute_instance_id).name, inst.name, "endpoint:get_compute_instance(id)")
  T.eq(inst.delete, nil, "a compute instance is not deleted") T.eq(ep.create_compute_instance, nil, "nor created")
  s:delete():wait()
end)

T.test("the new resources survive a restart on the same data directory; a snapshot cut short is finished", function()
  local dir = lb.exec { "mktemp", "-d", "/tmp/lakebase-surface-XXXXXX", check = true }.stdout:match("%S+")
  local ok_, err = pcall(function()
    local e1 = emulator.start { postgres = false, data = dir, token = "restart-pat-0123456789", op_latency = 0.01 }
    local r = Client.new(e1.url, e1.token)
    local rget, rok = r:helpers(T)
    local RB = "projects/keep/branches/production"
    rok("POST", "projects?project_id=keep", {})
    rok("POST", "catalogs?catalog_id=kept", { spec = { branch = RB, postgres_database = "kdb", create_database_if_missing = true } })
    rok("POST", RB .. "/databases/kdb/cdf-configs", { catalog = "main", schema = "cdc", postgres_schema = "public" })
    r:call("PATCH", P .. RB .. "/snapshot-schedule?update_mask=schedule", { schedule = { { daily_schedule = { hour = 1 }, retention = "3600s" } } })
    e1.engine.opts.op_latency = 30  -- the next operation is still running when the emulator stops
    local status = r:call("POST", P .. "projects/keep/snapshots?snapshot_id=cut-short", { spec = { source_branch = RB } })
    T.eq(status, 200, "snapshot requested")
    e1:stop()
    local e2 = emulator.start { postgres = false, data = dir, token = "restart-pat-0123456789", op_latency = 0.01 }
    r = Client.new(e2.url, e2.token)
    rget, rok = r:helpers(T)
    T.eq(rget("catalogs/kept").status.postgres_database, "kdb", "the catalog")
    T.eq(rget(RB .. "/databases/kdb/cdf-configs/public").catalog, "main", "the CDF config")
    T.eq(rget(RB .. "/snapshot-schedule").schedule[1].daily_schedule.hour, 1, "the schedule")
    local deadline = lb.now() + 5
    while lb.now() < deadline do
      local s, b = r:call("POST", P .. "projects/keep/branches?branch_id=from-cut", { spec = { source_snapshot =
        "projects/keep/snapshots/cut-short", no_expiry = true } })
      if s == 200 then r:wait(b) break end
      lb.sleep(0.1)
    end
    T.eq(rget("projects/keep/branches/from-cut").status.source_snapshot, "projects/keep/snapshots/cut-short",
      "the snapshot's operation finished after the restart, and it restores")
    e2:stop()
  end)
  lb.exec { "rm", "-rf", dir }
  if not ok_ then error(err, 0) end
end)

-- Real PostgreSQL: a snapshot is the branch's data at that moment, and restoring it gives that data.
T.test("with real computes: a restored branch has the data of the snapshot's moment; instances follow scale-to-zero", function()
  local pg = emulator.start { token = "snap-pg-pat-0123456789", suspend_after = 1 }
  local ok_, err = pcall(function()
    local client = lb.client { host = pg.url, token = pg.token }
    local project = client:create_project("spg", {}):wait()
    local PB = "projects/spg/branches/production"
    local prod = client:get(PB .. "/endpoints/primary")
    do
      local conn <close> = prod:connect()
      conn:query("CREATE TABLE items (id int PRIMARY KEY, label text)")
      conn:query("INSERT INTO items SELECT g, 'before ' || g FROM generate_series(1, 50) g")
    end
    local snap = project:create_snapshot("nightly", { source_branch = PB, no_expiry = true }):wait()
    T.ok((snap.status.full_size_bytes or 0) > 1000000, "full_size_bytes is the copy's size: " .. tostring(snap.status.full_size_bytes))
    do
      local conn <close> = prod:connect()
      conn:query("INSERT INTO items SELECT g, 'after ' || g FROM generate_series(51, 60) g")
      conn:query("DELETE FROM items WHERE id <= 10")
    end
    project:create_branch("restored", { source_snapshot = snap.name, ttl = "3600s" }):wait()
    local ep = client:get("projects/spg/branches/restored"):primary_endpoint { timeout = 60 }
    local conn <close> = ep:connect()
    local rows = conn:query("SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM items")
    T.eq(rows[1].n, 50, "the snapshot's 50 rows") T.eq(rows[1].lo, 1, "the rows deleted later are there")
    T.eq(rows[1].hi, 50, "the rows added later are not")
    conn:close()
    local inst
    for i in prod:compute_instances() do inst = i end
    local deadline = lb.now() + 10
    while inst.current_state ~= "IDLE" and lb.now() < deadline do
      lb.sleep(0.3)
      inst = client:get(inst.name)
    end
    T.eq(inst.current_state, "IDLE", "a suspended compute is IDLE") T.ok(inst.suspend_time, "with its suspend_time")
    client:get(snap.name):delete():wait()
    T.raises(function() client:get(snap.name) end, "NOT_FOUND", "the snapshot is gone")
  end)
  pg:stop()
  if not ok_ then error(err, 0) end
end)

T.run()
emu:stop()
