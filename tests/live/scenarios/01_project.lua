-- A new project comes with its default branch and that branch's primary (read-write) endpoint.
return {
  description = "project -> its default branch -> that branch's primary read-write endpoint",
  creates = {},  -- the run's own project is made before the scenarios
  run = function(t)
    local p = t.client:get_project(t.project_id)
    t:eq(p.name, "projects/" .. t.project_id, "the project's name")
    t:check(type(p.status) == "table", "the project answers with a status")
    t:eq(p.spec, nil, "the project's answer carries spec (input only on the service)")
    t:eq(p.status.project_id, t.project_id, "status.project_id")

    local listed = false
    for q in t.client:projects { page_size = 100 } do
      if q.name == p.name then listed = true break end
    end
    t:check(listed, "the new project appears in the listing of projects")

    local defaults = {}
    for b in p:branches() do
      if type(b.status) == "table" and b.status.default then defaults[#defaults + 1] = b end
    end
    t:eq(#defaults, 1, "number of default branches of a new project")
    local branch = defaults[1]
    if p.status.default_branch ~= nil then
      t:eq(p.status.default_branch, branch.name, "the project's status.default_branch")
    end
    t:note("default branch id", branch:id())

    local ep = branch:primary_endpoint { timeout = 600 }
    t:eq(ep.status.endpoint_type, "ENDPOINT_TYPE_READ_WRITE", "the default branch's endpoint type")
    t:check(type(ep.status.hosts) == "table" and type(ep.status.hosts.host) == "string" and ep.status.hosts.host ~= "",
      "the primary endpoint has a host")
    t:note("primary endpoint id", ep:id())
    local n = 0
    for _ in branch:endpoints() do n = n + 1 end
    t:eq(n, 1, "endpoints on the new project's default branch")

    -- The creator's own role, made with the project, a member of databricks_superuser.
    local me, owner = t.client:postgres_user(), nil
    for r in branch:roles() do
      if type(r.status) == "table" and r.status.postgres_role == me then owner = r end
    end
    t:check(owner ~= nil, "the default branch has a role for the project's creator (" .. me .. ")")
    local superuser = false
    for _, m in ipairs(owner.status.membership_roles or {}) do superuser = superuser or m == "DATABRICKS_SUPERUSER" end
    t:check(superuser, "the creator's role is a member of DATABRICKS_SUPERUSER")
  end,
}
