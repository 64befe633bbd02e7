-- Failure paths, in the service's words: invalid IDs (refused by the client before sending, and
-- by the service when sent anyway), missing resources, deleting a protected branch, the root
-- branch or a read-write endpoint, and a second read-write endpoint.
return {
  description = "failure paths: invalid IDs, missing resources, protected and root branch deletion",
  creates = { "branch $guarded (ttl 1h, protected, then unprotected and deleted)" },
  run = function(t)
    local c, p = t.client, t.project
    -- Invalid IDs: the client refuses them without a request, naming the value.
    t:expect_refusal("an upper-case branch ID", '"Bad_ID"', function() p:create_branch("Bad_ID", { ttl = "3600s" }) end)
    local root
    for b in p:branches() do if b.status.default then root = b end end
    t:check(root ~= nil, "the project has a default branch")
    t:expect_refusal("a role ID of three characters", '"abc"', function() root:create_role("abc", {}) end)
    -- ... and the service refuses them too, with 400.
    local status, body = t:raw("POST", p.name .. "/branches", { branch_id = "Bad_ID" }, { spec = { ttl = "3600s" } })
    t:eq(status, 400, "status of a branch with an invalid ID sent anyway")
    t:note("error_code of an invalid branch ID", body.error_code)
    status, body = t:raw("POST", p.name .. "/branches", nil, { spec = { ttl = "3600s" } })
    t:eq(status, 400, "status of a branch create without branch_id")
    t:note("error_code of a missing branch_id", body.error_code)

    -- Missing resources are 404 NOT_FOUND, a missing parent too.
    -- (raw: the client waits a while for a 404 just under a project it made, as the service is
    -- eventually consistent)
    status, body = t:raw("GET", p.name .. "/branches/lbt08-no-such-branch")
    t:eq(status, 404, "status of a missing branch")
    t:eq(body.error_code, "NOT_FOUND", "error_code of a missing branch")
    status, body = t:raw("GET", "projects/lbt08-no-such-project/branches")
    t:eq(status, 404, "status of listing the branches of a missing project")
    t:track("branch", p.name .. "/branches/" .. t:id("orphan"))  -- should the target make it after all
    t:expect_error("a branch of a missing source", { status = 404, error_code = "NOT_FOUND" }, function()
      p:create_branch(t:id("orphan"), { source_branch = p.name .. "/branches/lbt08-no-such-branch", ttl = "3600s" }):wait()
    end)

    -- The root (default) branch cannot be deleted; the answer says it is managed by its parent.
    status, body = t:raw("DELETE", root.name)
    t:eq(status, 400, "status of deleting the root branch")
    t:eq(body.error_code, "BAD_REQUEST", "error_code of deleting the root branch")
    local reasons = {}
    for _, d in ipairs(body.details or {}) do
      if d.reason then reasons[#reasons + 1] = d.reason .. ":" .. tostring(d.metadata and d.metadata.declarative_context) end
    end
    t:check(table.concat(reasons, ","):find("MANAGED_BY_PARENT", 1, true),
      "deleting the root branch is refused with the MANAGED_BY_PARENT marker (details: " .. table.concat(reasons, ",") .. ")")

    -- A read-write endpoint cannot be deleted, nor a second one made.
    local primary = root:primary_endpoint { timeout = 600 }
    status, body = t:raw("DELETE", primary.name)
    t:eq(status, 400, "status of deleting a read-write endpoint")
    t:eq(body.error_code, "BAD_REQUEST", "error_code of deleting a read-write endpoint")
    t:track("endpoint", root.name .. "/endpoints/" .. t:id("rw2"))
    t:expect_error("a second read-write endpoint", { status = 400, message = "read_write endpoint already exists" }, function()
      root:create_endpoint(t:id("rw2"), { endpoint_type = "ENDPOINT_TYPE_READ_WRITE" }):wait()
    end)

    -- A protected branch cannot be deleted until it is unprotected.
    local g = t:create_branch("guarded", { ttl = "3600s", is_protected = true })
    t:eq(g.status.is_protected, true, "a branch created protected")
    t:expect_error("deleting a protected branch", { status = 400, error_code = "BAD_REQUEST" }, function() g:delete():wait() end)
    t:eq(c:get(g.name, "branch").status.current_state, "READY", "the protected branch is still there")
    g = g:update { is_protected = false }:wait()
    g:delete():wait()
    t:expect_error("the branch once unprotected and deleted", { status = 404 }, function() c:get(g.name, "branch") end)
  end,
}
