-- The Lua API client against the emulator (simulated computes): resource objects, operations that
-- wait by yielding, lazy pagination, computed update masks, validation before any request, and
-- retries under injected faults that never hang and never duplicate.
local T = require "testlib"
local emulator = require "lakebase.emulator"
local lb = lakebase

local emu = emulator.start { postgres = false, token = "client-pat-0123456789", op_latency = 0.1 }
local c = lb.client { host = emu.url, token = emu.token }
local requests_seen = function() return emu.engine.requests end

T.test("the headline workflow: branch, compute, host, delete", function()
  local project = c:create_project("shop", { display_name = "Shop" }):wait()
  T.eq(tostring(project), "lakebase.Project(projects/shop)", "tostring")
  T.eq(project.status.display_name, "Shop", "fields are the API's own")
  local branch = project:create_branch("feature-x", { ttl = "3600s" }):wait()
  T.eq(branch.status.current_state, "READY", "branch ready")
  T.eq(branch.status.source_branch, "projects/shop/branches/production", "from the default branch")
  local ep = branch:primary_endpoint()
  T.eq(math.type(ep.status.hosts.port), "integer", "ports are integers")
  T.eq(ep:id(), "primary", "every branch comes with its read-write endpoint, primary")
  T.eq(branch:delete():wait(), nil, "delete returns no resource")
  T.raises(function() c:get("projects/shop/branches/feature-x") end, "branch id not found")
end)

T.test("listing follows page tokens lazily", function()
  local project = c:create_project("many", {}):wait()
  local fns = {}
  for i = 1, 25 do fns[i] = function() return project:create_branch(string.format("b%02d", i), { no_expiry = true }):wait() end end
  lb.all(fns)
  local before = c.stats.requests
  local it = project:branches { page_size = 10 }
  local first = it()
  T.ok(first, "first item")
  T.eq(c.stats.requests - before, 1, "one page fetched for the first item")
  local n = 1
  for _ in it do n = n + 1 end
  T.eq(n, 26, "every branch")
  T.eq(c.stats.requests - before, 3, "three pages in all")
end)

T.test("update computes the mask from the fields given; an explicit mask is allowed", function()
  local project = c:get_project("many")
  local ep = project:get_branch("production"):get_endpoint("primary")
  local updated = ep:update { autoscaling_limit_max_cu = 6 }:wait()
  T.eq(updated.status.autoscaling_limit_max_cu, 6, "updated")
  updated = project:update { default_endpoint_settings = { autoscaling_limit_max_cu = 8 } }:wait()
  T.eq(updated.status.default_endpoint_settings.autoscaling_limit_max_cu, 8, "nested field")
  T.eq(updated.status.default_endpoint_settings.autoscaling_limit_min_cu, 1, "sibling kept (mask was the leaf)")
  updated = project:update({ display_name = "Many", budget_policy_id = "ignored" }, { mask = "spec.display_name" }):wait()
  T.eq(updated.status.display_name, "Many", "explicit mask")
  T.eq(updated.status.budget_policy_id, nil, "fields outside the mask are not changed")
end)

T.test("invalid input fails before any request is sent", function()
  local project = c:get_project("many")
  local before = requests_seen()
  T.raises(function() c:create_project("Bad_Id", {}) end, "invalid project_id \"Bad_Id\"")
  T.raises(function() project:create_branch("x-", { ttl = "60s" }) end, "must not end with a hyphen")
  T.raises(function() project:create_branch("ok", {}) end, "spec.ttl, spec.expire_time, spec.no_expiry %(the spec.expiration group%) is required")
  T.raises(function() project:create_branch("ok", { ttl = 60 }) end, "spec.ttl")
  T.raises(function() project:update { pg_version = 16 } end, "immutable")
  T.raises(function() project:update "x" end, "table of spec fields expected")
  T.raises(function() c:create_project("x", { default_endpoint_settings = { autoscaling_limit_min_cu = 0.1 } }) end, ">= 0.5")
  T.eq(requests_seen(), before, "requests that reached the emulator")
end)

T.test("API errors are structured and readable", function()
  local err = T.raises(function() c:get_project("nope") end)
  T.eq(err.kind, "api", "kind") T.eq(err.status, 404, "status") T.eq(err.error_code, "NOT_FOUND", "code")
  T.ok(err.request_id, "request id")
  T.ok(tostring(err):find("project id not found %[TraceId: [%x-]+%] %(HTTP 404, NOT_FOUND, request id"), tostring(err))
  T.eq(err.retryable, false, "not retryable")
end)

T.test("100 concurrent waits overlap instead of queueing", function()
  local slow = emulator.start { postgres = false, token = "client-pat-0123456789", op_latency = 1.0 }
  local sc = lb.client { host = slow.url, token = slow.token }
  local project = sc:create_project("fan", {}):wait()
  local fns = {}
  for i = 1, 100 do fns[i] = function() return project:create_branch("f" .. i, { no_expiry = true }):wait() end end
  local t0 = lb.now()
  lb.all(fns)
  local elapsed = lb.now() - t0
  slow:stop()
  -- Concurrency, not speed (scripts/bench/concurrent_waits.lua measures that): one after the
  -- other they would take 100 s.
  T.between(elapsed, 1.0, 10, "seconds for 100 concurrent 1 s operations")
end)

T.test("op:done polls once; op:wait{timeout} raises a timeout naming the operation", function()
  local slow = emulator.start { postgres = false, token = "client-pat-0123456789", op_latency = 3 }
  local sc = lb.client { host = slow.url, token = slow.token }
  local op = sc:create_project("waity", {})
  T.eq(op:done(), false, "not done yet")
  local err = T.raises(function() op:wait { timeout = 0.3 } end, "did not finish within 0.3s")
  T.eq(err.kind, "timeout", "kind")
  T.ok(tostring(err):find(op.name, 1, true), "names the operation")
  local again = sc:get_operation(op.name)
  T.eq(again:wait().name, "projects/waity", "an operation fetched by name can be waited for")
  slow:stop()
end)

T.test("an operation that fails raises a structured error", function()
  local bad = emulator.start { postgres = false, token = "client-pat-0123456789", faults = "operror=1" }
  local bc = lb.client { host = bad.url, token = bad.token }
  local err = T.raises(function() bc:create_project("doomed", {}):wait() end, "operation projects/doomed/operations/")
  T.eq(err.kind, "operation", "kind")
  bad:stop()
end)

T.test("under 429 storms, 503s, drops, slow and malformed answers a workflow completes without duplicates", function()
  local flaky = emulator.start { postgres = false, token = "client-pat-0123456789", seed = 42, retry_after = 0,
    faults = "429=0.25,503=0.15,drop=0.15,malformed=0.1,slow=0.05", slow_seconds = 0.2 }
  local fc = lb.client { host = flaky.url, token = flaky.token, retry_timeout = 60, request_timeout = 5 }
  local t0 = lb.now()
  local project = fc:create_project("flaky", {}):wait()
  local fns = {}
  for i = 1, 10 do
    fns[i] = function()
      local b = project:create_branch("w" .. i, { ttl = "600s" }):wait()
      b:update { is_protected = true }:wait()
      b:update { is_protected = false }:wait()
      b:delete():wait()
      return true
    end
  end
  lb.all(fns)
  local left = {}
  for b in project:branches() do left[#left + 1] = b:id() end
  T.eq(table.concat(left, ","), "production", "every workflow branch is gone, none duplicated")
  T.ok(fc.stats.retries > 0, "retries happened: " .. fc.stats.retries)
  -- A guard against a hang, not a speed test: with 40 % of answers failing, unlucky chains of
  -- backoffs made this take 18 s alone and 66 s beside other tests on a loaded 2-core machine.
  T.ok(lb.now() - t0 < 150, "finished (no hang): " .. string.format("%.0f s", lb.now() - t0))
  local counts = flaky.engine.faults.counts
  T.ok((counts.drop or 0) > 0 and (counts["429"] or 0) > 0, "faults were injected")
  flaky:stop()
end)

T.test("a workflow against a service that keeps failing gives up with a clear error", function()
  local down = emulator.start { postgres = false, token = "client-pat-0123456789", faults = "503=1" }
  local dc = lb.client { host = down.url, token = down.token, retry_timeout = 1.5 }
  local t0 = lb.now()
  local err = T.raises(function() dc:create_project("never", {}) end, "gave up after %d+ attempts")
  T.eq(err.status, 503, "status")
  T.ok(lb.now() - t0 < 5, "bounded by the retry timeout")
  down:stop()
end)

T.test("answers of the wrong shape raise one clear error naming the request, not a Lua error", function()
  local body = "5"
  local server = lb.httpd.serve { handler = function() return 200, { ["Content-Type"] = "application/json" }, body end }
  local bad = lb.client { host = "http://127.0.0.1:" .. server.port, token = "shape-token-0123456789", retry_timeout = 1 }
  local cases = {
    { "5", function() return bad:get("projects/p") end, "GET projects/p: the answer is not a JSON object" },
    { '{"name": 5}', function() return bad:get("projects/p") end, "GET projects/p: the resource has no name" },
    { '{"name": "projects/p", "spec": [1]}', function() return bad:get("projects/p") end,
      "GET projects/p: spec is an array, expected an object" },
    { '{"name": "projects/p", "status": []}', function() return bad:get("projects/p") end,
      "GET projects/p: status is an array, expected an object" },
    { '{"projects": {"a": 1}}', function() for _ in bad:projects() do end end, "GET projects: projects is not an array" },
    { '{"projects": [{"uid": "x"}]}', function() for _ in bad:projects() do end end,
      "GET projects: projects%[1%] has no name" },
    { '{"projects": [], "next_page_token": 7}', function() for _ in bad:projects() do end end,
      "next_page_token is a number, expected a string" },
    { '{"name": "projects/p/operations/o", "done": "yes"}', function() return bad:wrap("project", { name = "projects/p" }):delete() end,
      "DELETE projects/p: done is a string, expected a boolean" },
    { '{"token": null}', function() return bad:generate_database_credential("projects/p/branches/b/endpoints/e") end,
      "POST credentials: the answer has no credential token" },
  }
  for _, case in ipairs(cases) do
    body = case[1]
    local err = T.raises(case[2], case[3], case[1])
    T.ok(lb.errors.is(err, "api") and not err.retryable, case[1] .. " gives a non-retryable api error")
  end
  server:close()
end)

T.test("an ephemeral creation is deleted however the workflow is interrupted, and a refused one deletes nothing", function()
  local slow = emulator.start { postgres = false, token = "eph-token-0123456789", op_latency = 1 }
  local sc = lb.client { host = slow.url, token = slow.token }
  local p = sc:create_project("eph", {}):wait()
  local function state(id)
    for b in p:branches() do if b.name == "projects/eph/branches/" .. id then return b.status.current_state end end
    return "gone"
  end
  -- Timed out while the creation is being waited for: deleted once the creation has finished.
  local err = T.raises(function()
    lb.timeout(0.3, function()
      local b <close> = p:create_branch("mid-wait", { no_expiry = true }, { ephemeral = true }):wait()
    end)
  end, "timed out")
  T.eq(state("mid-wait"), "gone", "branch cancelled mid-wait")
  -- Timed out with the create request itself in flight: the request finishes, then the deletion.
  T.raises(function()
    lb.timeout(0, function() p:create_branch("in-flight", { no_expiry = true }, { ephemeral = true }):wait() end)
  end, "timed out")
  T.eq(state("in-flight"), "gone", "branch cancelled in flight")
  -- Scope end, with the resource in a <close> variable.
  do
    local b <close> = p:create_branch("scoped", { no_expiry = true }, { ephemeral = true }):wait()
    T.eq(state("scoped"), "READY", "branch while in scope")
  end
  T.eq(state("scoped"), "gone", "branch after its scope")
  -- Refused (it exists already): the existing branch is not someone else's to delete.
  p:create_branch("kept", { no_expiry = true }):wait()
  T.raises(function() p:create_branch("kept", { no_expiry = true }, { ephemeral = true }):wait() end, "ALREADY_EXISTS")
  T.eq(state("kept"), "READY", "the branch that was there")
  T.eq(#require("lakebase.runtime.cleanup").left_behind(), 0, "cleanups left registered")
  slow:stop()
  T.ok(lb.errors.is(err, "timeout"), "a timeout error")
end)

T.run()
emu:stop()
