-- soak.lua N: N workflows, CONCURRENCY at a time, against the emulator at DATABRICKS_HOST (which
-- injects faults), and every 50th against the one at SOAK_PG_HOST, whose computes are real
-- PostgreSQL. Workflows of five kinds: complete ones, ones that fail on purpose, ones cancelled by
-- a timeout in the middle of a wait, ones cleaned up with lakebase.defer, and SQL ones. Every
-- workflow makes its branch ephemeral, so whatever happens to it, nothing may be left behind.
-- Prints a line per 100 workflows (outcomes, RSS, descriptors) and a final summary line:
--   SOAK workflows=N unexpected=K rss_first=MB rss_last=MB fds_first=N fds_last=N branches_left=N
local lb = lakebase
local n = tonumber(arg[1] or "1000")
local concurrency = tonumber(os.getenv("SOAK_CONCURRENCY") or "50")
local client = lb.default_client()
local pg_client = os.getenv("SOAK_PG_HOST") and lb.client { host = os.getenv("SOAK_PG_HOST"), token = os.getenv("DATABRICKS_TOKEN") }

local function rss_mb()
  local f = io.open("/proc/self/status")
  local kb = f:read("a"):match("VmRSS:%s+(%d+)")
  f:close()
  return tonumber(kb) / 1024
end
local pid = io.open("/proc/self/stat"):read("l"):match("^(%d+)")
local function open_fds()  -- this process's descriptors (less the pipes to ls itself, always 3)
  return select(2, lb.exec { "ls", "/proc/" .. pid .. "/fd" }.stdout:gsub("\n", "")) - 3
end

local stamp = os.time() % 100000
local project = client:create_project("soak-" .. stamp, {}):wait()
local pg_project = pg_client and pg_client:create_project("soak-pg-" .. stamp, {}):wait()

local PLANNED = "planned failure"
local kinds = {}
function kinds.complete(i)
  local branch <close> = project:create_branch("w" .. i, { no_expiry = true }, { ephemeral = true }):wait()
  local ep = branch:primary_endpoint()
  ep:update({ autoscaling_limit_min_cu = 0.5, autoscaling_limit_max_cu = 2 }):wait()
  client:generate_database_credential(ep)
end
function kinds.fails(i)
  local branch <close> = project:create_branch("w" .. i, { no_expiry = true }, { ephemeral = true }):wait()
  branch:primary_endpoint()
  error(PLANNED, 0)
end
function kinds.cancelled(i)
  -- The timeout strikes while a read replica's creation is being waited for.
  lb.timeout(0.15, function()
    local branch <close> = project:create_branch("w" .. i, { no_expiry = true }, { ephemeral = true }):wait()
    branch:create_endpoint("ep", { endpoint_type = "ENDPOINT_TYPE_READ_ONLY" }):wait()
    lb.sleep(30)
  end)
end
function kinds.deferred(i)
  local branch = project:create_branch("w" .. i, { no_expiry = true }):wait()
  local cleanup = lb.defer(function()  -- as a careful user writes it: a failed deletion is retried
    for attempt = 1, 3 do
      local ok, err = pcall(function() branch:delete():wait() end)
      if ok then return end
      if attempt == 3 then error(err, 0) end
      lb.sleep(attempt)
    end
  end, branch.name)
  local ok, err = pcall(function() branch:update({ ttl = "3600s" }):wait() end)
  cleanup.run()  -- now, not at the end of the script, whether the update worked or not
  if not ok then error(err, 0) end
end
function kinds.sql(i)
  local branch <close> = pg_project:create_branch("w" .. i, { no_expiry = true }, { ephemeral = true }):wait()
  local ep = branch:primary_endpoint()
  local conn <close> = ep:connect()
  conn:exec("CREATE TABLE soak (i int)")
  conn:query("INSERT INTO soak SELECT generate_series(1, $1::int)", i)
  local row = conn:query_one("SELECT count(*) AS n FROM soak")
  if row.n ~= i then error("expected " .. i .. " rows, got " .. tostring(row.n)) end
end

local function kind_of(i)
  if pg_client and i % 50 == 0 then return "sql" end
  local r = i % 10
  if r == 7 then return "fails" elseif r == 8 then return "cancelled" elseif r == 9 then return "deferred" end
  return "complete"
end

-- Outcomes: ok, planned, timeout, injected (an operation failed by fault injection); any other
-- error is unexpected and printed.
local outcomes, unexpected, by_kind = {}, 0, {}
local function classify(ok, err)
  if ok then return "ok" end
  if err == PLANNED then return "planned" end
  if lb.errors.is(err, "timeout") then return "timeout" end
  if lb.errors.is(err, "operation") and tostring(err):find("injected", 1, true) then return "injected" end
  return nil
end

local samples = {}
local next_i, completed = 0, 0
local function worker()
  while next_i < n do
    next_i = next_i + 1
    local i = next_i
    local kind = kind_of(i)
    local ok, err = pcall(kinds[kind], i)
    by_kind[kind] = (by_kind[kind] or 0) + (ok and 1 or 0)
    local outcome = classify(ok, err)
    if not outcome then
      unexpected = unexpected + 1
      outcome = "unexpected"
      io.stderr:write(string.format("workflow %d (%s): %s\n", i, kind, tostring(err)))
    end
    outcomes[outcome] = (outcomes[outcome] or 0) + 1
    completed = completed + 1
    local done_now = completed  -- the sampling below waits, and other workers finish meanwhile
    if done_now % 100 == 0 then
      collectgarbage("collect")
      samples[#samples + 1] = { rss = rss_mb(), fds = open_fds() }
      local parts = {}
      for k, v in pairs(outcomes) do parts[#parts + 1] = k .. "=" .. v end
      table.sort(parts)
      print(string.format("%5d workflows  rss %.1f MB  fds %d  %s", done_now, samples[#samples].rss, samples[#samples].fds,
        table.concat(parts, " ")))
      io.stdout:flush()
    end
  end
end

local t0 = lb.now()
local workers = {}
for w = 1, concurrency do workers[w] = worker end
lb.all(workers)
local took = lb.now() - t0

-- What is left: every branch but the default one, in both projects.
local left = 0
for _, p in ipairs { project, pg_project } do
  for b in p:branches() do
    if not (b.status and b.status.default) then
      left = left + 1
      io.stderr:write("left behind: " .. b.name .. "\n")
    end
  end
end
print(string.format("%d workflows in %.1f s (%.1f per second), %d HTTP requests", n, took, n / took,
  client.stats.requests + (pg_client and pg_client.stats.requests or 0)))
local kinds_done = {}
for k, v in pairs(by_kind) do kinds_done[#kinds_done + 1] = k .. "=" .. v end
table.sort(kinds_done)
print("completed without error, by kind: " .. table.concat(kinds_done, " "))
local first, last = samples[math.min(2, #samples)] or samples[1], samples[#samples]
print(string.format("SOAK workflows=%d unexpected=%d rss_first=%.1f rss_last=%.1f fds_first=%d fds_last=%d branches_left=%d",
  n, unexpected, first.rss, last.rss, first.fds, last.fds, left))
project:delete():wait()
if pg_project then pg_project:delete():wait() end
