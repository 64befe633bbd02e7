-- A read replica: create a read-only endpoint beside the branch's primary, see it serve reads
-- and refuse writes, update its size and suspension, delete it.
return {
  description = "read-only endpoint: create, read through it, update, delete",
  creates = { "branch $ro (ttl 1h)", "read-only endpoint $ro/endpoints/reader" },
  run = function(t)
    local b = t:create_branch("ro", { ttl = "3600s" })
    local primary = b:primary_endpoint { timeout = 600 }
    do
      local conn <close> = primary:connect()
      conn:query("CREATE TABLE lbt_seen (id int)")
      conn:query("INSERT INTO lbt_seen VALUES (1), (2), (3)")
    end

    local ep = b:create_endpoint("reader", { endpoint_type = "ENDPOINT_TYPE_READ_ONLY",
      autoscaling_limit_min_cu = 0.5, autoscaling_limit_max_cu = 1 }):wait { timeout = 900 }
    t:eq(ep.status.endpoint_type, "ENDPOINT_TYPE_READ_ONLY", "the new endpoint's type")
    t:eq(ep.status.endpoint_id, "reader", "status.endpoint_id")
    local types = {}
    for e in b:endpoints() do types[#types + 1] = e.status.endpoint_type end
    table.sort(types)
    t:eq(table.concat(types, ","), "ENDPOINT_TYPE_READ_ONLY,ENDPOINT_TYPE_READ_WRITE", "the branch's endpoints")

    ep = ep:refresh()
    t:check(type(ep.status.hosts) == "table" and type(ep.status.hosts.host) == "string", "the read-only endpoint has a host")
    local deadline = lakebase.now() + 120  -- a replica may lag its primary a moment
    local n
    repeat
      local conn <close> = ep:connect()
      n = conn:query_one("SELECT count(*) AS n FROM lbt_seen").n
      if n == 3 then
        local ok, err = pcall(conn.query, conn, "INSERT INTO lbt_seen VALUES (4)")
        t:check(not ok and err.sqlstate == "25006", "a write on the read-only endpoint is refused with SQLSTATE 25006 (got " ..
          tostring(ok and "success" or err) .. ")")
      else
        lakebase.sleep(2)
      end
    until n == 3 or lakebase.now() > deadline
    t:eq(n, 3, "rows the read-only endpoint sees")

    ep = ep:update { autoscaling_limit_max_cu = 2, suspend_timeout_duration = "600s" }:wait()
    t:eq(ep.status.autoscaling_limit_max_cu, 2, "autoscaling_limit_max_cu after the update")
    t:eq(ep.status.suspend_timeout_duration, "600s", "suspend_timeout_duration after the update")

    ep:delete():wait()
    local left = {}
    for e in b:endpoints() do left[#left + 1] = e:id() end
    t:eq(table.concat(left, ","), primary:id(), "the branch's endpoints after deleting the reader")
    t:expect_error("a GET of the deleted endpoint", { status = 404, error_code = "NOT_FOUND" }, function()
      t.client:get(ep.name, "endpoint")
    end)
  end,
}
