-- The client against the service's real model (../shared/lakebase-fidelity.md, issue 13 part 3):
-- it never relies on what answers do not carry (spec), settles retried creates on status (also
-- the 400 "already exists" of roles and databases), reads operation errors from error_code,
-- names oneof groups in update masks, passes fields and enum values it does not know with a
-- warning, copes with answers that have new fields and states, and tolerates a fresh endpoint
-- missing from GETs (eventual consistency).
local T = require "testlib"
local emulator = require "lakebase.emulator"
local lb = lakebase

local emu = emulator.start { postgres = false, token = "model-pat-0123456789", op_latency = 0.05 }

-- A front for the emulator that records what the client sends and can lose the answer of the
-- first request matching `lose` (the work is done, the answer never arrives, as on a dropped
-- connection).
local function front(lose)
  local f = { seen = {}, lost = false }
  f.server = lb.httpd.serve { handler = function(req)
    f.seen[#f.seen + 1] = { method = req.method, target = req.target, body = req.body }
    local status, headers, body = lb.http.request { method = req.method, url = emu.url .. req.target,
      headers = { Authorization = req.headers.authorization, ["Content-Type"] = "application/json" },
      body = req.body ~= "" and req.body or nil, timeout = 10 }
    if lose and not f.lost and req.method .. " " .. req.target:gsub("%?.*", "") == lose then
      f.lost = true
      req.hijacked = true
      req.conn:close()
      return
    end
    return status, { ["Content-Type"] = headers["content-type"] or "application/json" }, body
  end }
  f.client = lb.client { host = "http://127.0.0.1:" .. f.server.port, token = emu.token, retry_timeout = 30 }
  function f.sent(pattern)
    for _, r in ipairs(f.seen) do if (r.method .. " " .. r.target):find(pattern) then return r end end
  end
  return f
end

local c = lb.client { host = emu.url, token = emu.token }
local project = c:create_project("model", {}):wait()
local prod = project:get_branch("production")

T.test("a retried create whose first answer was lost settles on what the status shows", function()
  local f = front("POST /api/2.0/postgres/projects/model/branches")
  local p = f.client:get_project("model")
  local b = p:create_branch("lost-answer", { ttl = "3600s", is_protected = true }):wait()
  T.ok(f.lost, "the first answer was lost")
  T.eq(b.name, "projects/model/branches/lost-answer", "the branch the first attempt made")
  T.eq(b.status.is_protected, true, "its status")
  f.server:close()
end)

T.test("a retried role or database create settles on the service's 400 'already exists'", function()
  local f = front("POST /api/2.0/postgres/projects/model/branches/production/roles")
  local br = f.client:get("projects/model/branches/production")
  local r = br:create_role("lost-role", { postgres_role = "lost_role" }):wait()
  T.ok(f.lost, "the first answer was lost")
  T.eq(r.status.postgres_role, "lost_role", "the role")
  f.server:close()
  local g = front("POST /api/2.0/postgres/projects/model/branches/production/databases")
  br = g.client:get("projects/model/branches/production")
  local d = br:create_database("lost-db", { postgres_database = "lost_db", role = r.name }):wait()
  T.ok(g.lost, "the first answer was lost")
  T.eq(d.status.postgres_database, "lost_db", "the database")
  g.server:close()
  -- Someone else's resource of that id is not ours: different values raise.
  local err = T.raises(function() prod:create_role("lost-role", { postgres_role = "other_name" }):wait() end, "already exists")
  T.eq(err.status, 400, "the service's status")
end)

T.test("updates name oneof groups in the mask: spec.expiration, spec.suspension, the project's suspension", function()
  local f = front()
  local p = f.client:get_project("model")
  local b = p:create_branch("masked", { ttl = "3600s" }):wait()
  b = b:update { no_expiry = true }:wait()
  T.ok(f.sent("PATCH .*/branches/masked%?update_mask=spec%.expiration$"), "branch: spec.expiration")
  T.eq(b.status.expire_time, nil, "no expiry now")
  local ep = b:primary_endpoint()
  ep = ep:update { suspend_timeout_duration = "600s", autoscaling_limit_max_cu = 2 }:wait()
  T.ok(f.sent("update_mask=spec%.autoscaling_limit_max_cu,spec%.suspension$"), "endpoint: spec.suspension")
  T.eq(ep.status.suspend_timeout_duration, "600s", "suspension changed")
  p = p:update { default_endpoint_settings = { no_suspension = true } }:wait()
  T.ok(f.sent("update_mask=spec%.project_default_settings%.suspension$"), "project: the documented group path")
  T.eq(p.status.default_endpoint_settings.no_suspension, true, "project default changed")
  T.raises(function() b:update({ ttl = "60s" }, { mask = "spec.ttl" }) end, "spec%.expiration", "a member path is refused locally")
  f.server:close()
end)

T.test("fields and enum values this version does not know are sent as given", function()
  local f = front()
  local p = f.client:get_project("model")
  local b = p:create_branch("future", { ttl = "3600s", source_snapshot = "projects/model/snapshots/s1" }):wait()
  T.ok(f.sent("POST .*branch_id=future").body:find('"source_snapshot":"projects/model/snapshots/s1"', 1, true),
    "the unknown field went out")
  T.eq(b.status.current_state, "READY", "and the emulator, like the service, ignored what it does not know")
  local err = T.raises(function()
    b:create_endpoint("next", { endpoint_type = "ENDPOINT_TYPE_SOMETHING_NEW" }):wait()
  end, "ENDPOINT_TYPE_SOMETHING_NEW")
  T.eq(err.kind, "api", "an unknown enum value is the service's to judge (here the emulator refuses it)")
  T.ok(f.sent("POST .*endpoint_id=next"), "it was sent")
  f.server:close()
end)

T.test("answers with new fields, states and enum values do not break the client", function()
  local answer = lb.json.encode {
    name = "projects/p/branches/b", branch_id = "b", brand_new = { nested = { 1, 2 } },
    status = { current_state = "HIBERNATING", endpoint_type = "ENDPOINT_TYPE_QUANTUM", weird = lb.json.null } }
  local server = lb.httpd.serve { handler = function() return 200, { ["Content-Type"] = "application/json" }, answer end }
  local nc = lb.client { host = "http://127.0.0.1:" .. server.port, token = "model-pat-0123456789", retry_timeout = 1 }
  local b = nc:get("projects/p/branches/b")
  T.eq(b.status.current_state, "HIBERNATING", "an unknown state is kept as given")
  T.eq(b:id(), "b", "id")
  T.ok(tostring(b):find("projects/p/branches/b", 1, true), "prints")
  server:close()
end)

T.test("an operation error is read from error_code", function()
  local bad = emulator.start { postgres = false, token = "model-pat-0123456789", faults = "operror=1" }
  local bc = lb.client { host = bad.url, token = bad.token }
  local err = T.raises(function() bc:create_project("doomed", {}):wait() end, "%[INTERNAL_ERROR%] operation create")
  T.eq(err.kind, "operation", "kind")
  T.eq(err.error_code, "INTERNAL_ERROR", "error_code")
  bad:stop()
end)

T.test("a fresh endpoint missing from GETs (eventual consistency) is waited for, a missing one is not", function()
  local lag = emulator.start { postgres = false, token = "model-pat-0123456789", faults = "lag=1", lag_seconds = 2 }
  local lc = lb.client { host = lag.url, token = lag.token }
  local p = lc:create_project("lagging", {}):wait()
  local b = p:create_branch("fresh", { ttl = "600s" }):wait()
  local t0 = lb.now()
  local ep = b:get_endpoint("primary")
  T.eq(ep.name, "projects/lagging/branches/fresh/endpoints/primary", "found once it settles")
  T.ok(lb.now() - t0 >= 0.2, "after the 404s it was given")
  T.ok(lag.engine.faults.counts.lag > 0, "the fault struck")
  t0 = lb.now()
  T.raises(function() lc:get("projects/lagging/branches/fresh/endpoints/nope") end, "endpoint id not found")
  T.ok(lb.now() - t0 < 20, "bounded")
  b:delete():wait()
  t0 = lb.now()
  T.raises(function() lc:get("projects/lagging/branches/fresh") end, "branch id not found")
  T.ok(lb.now() - t0 < 0.5, "what this client deleted is believed gone at once")
  local other = lb.client { host = lag.url, token = lag.token }
  t0 = lb.now()
  T.raises(function() other:get("projects/lagging/branches/production/endpoints/nope") end, "not found")
  T.ok(lb.now() - t0 < 0.5, "a client that made nothing believes the 404 at once")
  lag:stop()
end)

T.test("branch:primary_endpoint() returns the branch's read-write endpoint once it can take connections", function()
  local b = project:create_branch("prim", { ttl = "600s" }):wait()
  local ep = b:primary_endpoint { timeout = 30 }
  T.eq(ep.status.endpoint_type, "ENDPOINT_TYPE_READ_WRITE", "read-write")
  T.ok(ep.status.hosts.host, "has a host")
  T.raises(function() b:primary_endpoint { timeout = -1 } end, "positive number")
  T.raises(function() b:create_endpoint("rw", { endpoint_type = "ENDPOINT_TYPE_READ_WRITE" }):wait() end,
    "read_write endpoint already exists")
end)

T.run()
emu:stop()
