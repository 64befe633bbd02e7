-- The emulator's REST API over loopback HTTP (simulated computes: the wire format, validation,
-- pagination, update masks, operations, auth and fault injection). PostgreSQL-backed behaviour is
-- in test_emulator_pg.lua.
local T = require "testlib"
local Client = require "emu_client"
local emulator = require "lakebase.emulator"
local lb = lakebase

local emu = emulator.start { postgres = false, token = "test-pat-0123456789", op_latency = 0.05,
  client_id = "sp-app-id", client_secret = "sp-secret-0123456789" }
local c = Client.new(emu.url, emu.token)
local P = "/api/2.0/postgres/"

T.test("project create -> get -> list -> update -> delete, with its default branch and endpoint", function()
  local status, op = c:call("POST", P .. "projects?project_id=round-trip", { spec = { display_name = "Round Trip" } })
  T.eq(status, 200, "create status")
  T.eq(op.done, false, "create returns a pending operation")
  T.ok(op.name:match("^projects/round%-trip/operations/"), "operation name: " .. op.name)
  T.eq(op.metadata["@type"], "type.googleapis.com/databricks.postgres.v1.ProjectOperationMetadata", "metadata type")
  op = c:wait(op)
  T.eq(op.response.name, "projects/round-trip", "response is the project")
  T.eq(op.response["@type"], "type.googleapis.com/databricks.postgres.v1.Project", "response type")
  local _, p = c:call("GET", P .. "projects/round-trip")
  T.eq(p.project_id, "round-trip", "id field")
  T.eq(p.status.display_name, "Round Trip", "status mirrors spec")
  T.eq(p.status.default_branch, "projects/round-trip/branches/production", "default branch")
  T.ok(p.create_time:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"), "RFC 3339 create_time")
  local _, br = c:call("GET", P .. "projects/round-trip/branches/production")
  T.eq(br.status.default, true, "default flag") T.eq(br.status.current_state, "READY", "branch state")
  local _, ep = c:call("GET", P .. "projects/round-trip/branches/production/endpoints/primary")
  T.eq(ep.status.endpoint_type, "ENDPOINT_TYPE_READ_WRITE", "endpoint type")
  T.eq(ep.status.current_state, "ACTIVE", "endpoint state")
  T.ok(ep.status.hosts and ep.status.hosts.host, "endpoint hosts")
  op = c:run("PATCH", P .. "projects/round-trip?update_mask=spec.display_name", { spec = { display_name = "Renamed" } })
  T.eq(op.response.status.display_name, "Renamed", "update applied")
  local _, list = c:call("GET", P .. "projects")
  local found = false
  for _, x in ipairs(list.projects) do if x.name == "projects/round-trip" then found = true end end
  T.ok(found, "listed")
  op = c:run("DELETE", P .. "projects/round-trip")
  T.eq(op.response["@type"], "type.googleapis.com/google.protobuf.Empty", "delete response")
  local s404 = c:call("GET", P .. "projects/round-trip")
  T.eq(s404, 404, "deleted project is gone")
  local _, withdeleted = c:call("GET", P .. "projects?show_deleted=true")
  local soft
  for _, x in ipairs(withdeleted.projects) do if x.name == "projects/round-trip" then soft = x end end
  T.ok(soft and soft.delete_time and soft.purge_time, "soft-deleted project listed with show_deleted")
end)


T.test("branches, endpoints, roles and databases round-trip under a project", function()
  c:run("POST", P .. "projects?project_id=app", { spec = {} })
  local op = c:run("POST", P .. "projects/app/branches?branch_id=dev", { spec = { ttl = "3600s" } })
  local b = op.response
  T.eq(b.status.source_branch, "projects/app/branches/production", "source defaults to the default branch")
  T.ok(b.status.expire_time, "ttl gives an expire_time")
  op = c:run("POST", P .. "projects/app/branches/dev/endpoints?endpoint_id=rw",
    { spec = { endpoint_type = "ENDPOINT_TYPE_READ_ONLY", autoscaling_limit_min_cu = 1, autoscaling_limit_max_cu = 8 } })
  T.eq(op.response.status.autoscaling_limit_max_cu, 8, "endpoint limits")
  op = c:run("PATCH", P .. "projects/app/branches/dev/endpoints/rw?update_mask=spec.autoscaling_limit_max_cu",
    { spec = { autoscaling_limit_max_cu = 4, autoscaling_limit_min_cu = 2 } })
  T.eq(op.response.status.autoscaling_limit_max_cu, 4, "masked field updated")
  T.eq(op.response.status.autoscaling_limit_min_cu, 1, "unmasked field unchanged")
  op = c:run("POST", P .. "projects/app/branches/dev/roles?role_id=app-role",
    { spec = { postgres_role = "app_user", auth_method = "PG_PASSWORD_SCRAM_SHA_256", membership_roles = { "DATABRICKS_SUPERUSER" } } })
  T.eq(op.response.status.postgres_role, "app_user", "role")
  op = c:run("POST", P .. "projects/app/branches/dev/databases?database_id=appdb",
    { spec = { postgres_database = "appdb", role = "projects/app/branches/dev/roles/app-role" } })
  T.eq(op.response.status.postgres_database, "appdb", "database")
  for _, coll in ipairs { "endpoints", "roles", "databases" } do
    local status, l = c:call("GET", P .. "projects/app/branches/dev/" .. coll)
    -- The primary endpoint and the creator's role came with the branch (inherited from production).
    T.eq(status, 200, coll .. " list") T.eq(#l[coll], coll == "databases" and 1 or 2, coll .. " count")
  end
  c:run("DELETE", P .. "projects/app/branches/dev/databases/appdb")
  c:run("DELETE", P .. "projects/app/branches/dev/roles/app-role")
  c:run("DELETE", P .. "projects/app/branches/dev/endpoints/rw")
  c:run("DELETE", P .. "projects/app/branches/dev")
  T.eq((c:call("GET", P .. "projects/app/branches/dev")), 404, "branch deleted")
end)

T.test("pagination follows page tokens over several pages", function()
  c:run("POST", P .. "projects?project_id=paged", { spec = {} })
  local tasks = {}
  for i = 1, 12 do
    tasks[i] = function() return c:run("POST", P .. string.format("projects/paged/branches?branch_id=b%02d", i), { spec = { no_expiry = true } }) end
  end
  lb.all(tasks)
  local names, token, pages = {}, nil, 0
  repeat
    local status, page = c:call("GET", P .. "projects/paged/branches?page_size=5" .. (token and ("&page_token=" .. token) or ""))
    T.eq(status, 200, "page status")
    pages = pages + 1
    T.ok(#page.branches <= 5, "page size honoured")
    for _, b in ipairs(page.branches) do names[#names + 1] = b.branch_id end
    token = page.next_page_token
  until not token or token == ""
  T.eq(#names, 13, "every branch once (12 + production)")
  T.eq(pages, 3, "pages")
  local seen = {}
  for _, n in ipairs(names) do T.ok(not seen[n], "no duplicates: " .. n) seen[n] = true end
  -- A page that ends exactly at the last branch has no token; deleted branches are skipped, also
  -- when a token names one that was deleted after its page was read.
  local _, all = c:call("GET", P .. "projects/paged/branches?page_size=13")
  T.eq(#all.branches, 13, "one full page")
  T.eq(all.next_page_token, nil, "no token after the last branch")
  local _, first = c:call("GET", P .. "projects/paged/branches?page_size=4")
  T.eq(first.branches[4].branch_id, "b04", "first page ends at b04")
  c:run("DELETE", P .. "projects/paged/branches/b04")
  c:run("DELETE", P .. "projects/paged/branches/b05")
  local rest = {}
  token = first.next_page_token
  repeat
    local _, page = c:call("GET", P .. "projects/paged/branches?page_size=4&page_token=" .. token)
    for _, b in ipairs(page.branches) do rest[#rest + 1] = b.branch_id end
    token = page.next_page_token
  until not token
  T.eq(table.concat(rest, " "), "b06 b07 b08 b09 b10 b11 b12 production", "after the deleted b04, without b05")
  T.eq((c:call("GET", P .. "projects/paged/branches?page_size=-1")), 400, "negative page_size")
  T.eq((c:call("GET", P .. "projects/paged/branches?page_token=zz")), 400, "bad page token")
end)

T.test("invalid IDs, bodies and masks are 400 with the API's error body", function()
  local cases = {
    { "POST", "projects?project_id=Bad_ID", { spec = {} }, "Field project_id is invalid: must start with a lowercase letter, got 'Bad_ID'" },
    { "POST", "projects?project_id=ends-", { spec = {} }, "must not end with a hyphen" },
    { "POST", "projects?project_id=" .. string.rep("a", 64), { spec = {} }, "1%-63 characters" },
    { "POST", "projects", { spec = {} }, "Field 'project_id' is required, expected non%-default value" },
    { "POST", "projects?project_id=x1", "{not json", "not valid JSON" },
    { "POST", "projects?project_id=x1", { spec = { pg_version = 9 } }, "spec.pg_version" },
    { "POST", "projects?project_id=x1", { spec = { display_name = 7 } }, "spec.display_name: expected a string" },
    { "POST", "projects/app/branches?branch_id=nopolicy", { spec = {} }, "spec.expiration group" },
    { "POST", "projects/app/branches?branch_id=two", { spec = { ttl = "60s", no_expiry = true } }, "mutually exclusive" },
    { "POST", "projects/app/branches?branch_id=badttl", { spec = { ttl = "5m" } }, "duration" },
    { "POST", "projects/app/branches/production/endpoints?endpoint_id=ro",
      { spec = { endpoint_type = "ENDPOINT_TYPE_READ_ONLY", autoscaling_limit_min_cu = 0.5, autoscaling_limit_max_cu = 32 } }, "must not exceed 16" },
    { "POST", "projects/app/branches/production/endpoints?endpoint_id=ro",
      { spec = { endpoint_type = "READ_ONLY" } }, "ENDPOINT_TYPE_READ_WRITE, ENDPOINT_TYPE_READ_ONLY" },
    { "POST", "projects/app/branches/production/endpoints?endpoint_id=ro",
      { spec = { endpoint_type = "ENDPOINT_TYPE_READ_ONLY", suspend_timeout_duration = "10s" } }, "at least 60s" },
    { "PATCH", "projects/app?update_mask=spec.pg_version", { spec = { pg_version = 16 } }, "immutable" },
    { "PATCH", "projects/app?update_mask=spec.nope", { spec = {} }, "Unknown field path in update_mask: spec.nope" },
    { "PATCH", "projects/app?update_mask=name", { spec = {} }, "output only" },
  }
  for _, case in ipairs(cases) do
    local status, body = c:call(case[1], P .. case[2], case[3])
    T.eq(status, 400, case[1] .. " " .. case[2] .. " status")
    T.eq(body.error_code, "INVALID_PARAMETER_VALUE", case[2] .. " error_code")
    T.ok(body.message:find(case[4]), case[2] .. ": message " .. body.message .. " should mention " .. case[4])
  end
end)

T.test("answers are UTF-8 JSON even when they echo bytes that are not (written as U+FFFD, as Go does)", function()
  for _, target in ipairs { "caf%E9/x", "projects/p/nosuch%FF%FE", "projects?project_id=a%C3" } do
    local status, body, _, text = c:call(target:find("project_id") and "POST" or "GET", P .. target, { spec = {} })
    T.ok(status == 400 or status == 404, target .. ": refused, got " .. tostring(status))
    T.ok(utf8.len(text), target .. ": the answer is UTF-8: " .. text)
    T.ok(body and body.message:find("\u{FFFD}", 1, true), target .. ": the stray byte shown as U+FFFD: " .. tostring(body and body.message))
  end
end)

T.test("duplicates are 409, unknown resources 404, and a branch has one read-write endpoint", function()
  local status, body = c:call("POST", P .. "projects?project_id=app", { spec = {} })
  T.eq(status, 409, "duplicate project") T.eq(body.error_code, "ALREADY_EXISTS", "error_code")
  status, body = c:call("POST", P .. "projects/app/branches/production/endpoints?endpoint_id=second",
    { spec = { endpoint_type = "ENDPOINT_TYPE_READ_WRITE" } })
  T.eq(status, 400, "a second read-write endpoint") T.eq(body.error_code, "BAD_REQUEST", "its error_code")
  T.ok(body.message:find("read_write endpoint already exists", 1, true), body.message)
  status, body = c:call("GET", P .. "projects/nope")
  T.eq(status, 404, "unknown project") T.eq(body.error_code, "NOT_FOUND", "error_code")
  local info = body.details[1]
  T.eq(info["@type"], "type.googleapis.com/google.rpc.ErrorInfo", "ErrorInfo detail")
  T.eq(info.reason, "NOT_FOUND", "ErrorInfo reason")
  T.eq(type(info.metadata), "table", "ErrorInfo metadata present (the JavaScript SDK needs it)")
  T.eq((c:call("GET", P .. "projects/nope/branches")), 404, "children of an unknown project")
  T.eq((c:call("GET", P .. "projects/app/branches/nope/endpoints/x")), 404, "unknown endpoint")
  T.eq((c:call("GET", P .. "projects/app/operations/nope")), 404, "unknown operation")
  T.eq((c:call("GET", P .. "projects/app/widgets")), 404, "unknown collection")
end)

T.test("replace_existing updates instead of failing", function()
  c:run("POST", P .. "projects/app/branches?branch_id=repl", { spec = { no_expiry = true } })
  local op = c:run("POST", P .. "projects/app/branches?branch_id=repl&replace_existing=true", { spec = { is_protected = true } })
  T.eq(op.response.status.is_protected, true, "updated")
  local status, body = c:call("DELETE", P .. "projects/app/branches/repl")
  T.eq(status, 400, "a protected branch cannot be deleted")
  T.ok(body.message:find("protected"), "says why")
  c:run("PATCH", P .. "projects/app/branches/repl?update_mask=spec.is_protected", { spec = { is_protected = false } })
  c:run("DELETE", P .. "projects/app/branches/repl")
end)

T.test("requests need a valid bearer token; OAuth client credentials mint one", function()
  local status, _, body = lb.http.request { url = emu.url .. P .. "projects" }
  T.eq(status, 401, "no token")
  T.eq(lb.json.decode(body).error_code, "UNAUTHENTICATED", "error body")
  status = Client.new(emu.url, "wrong-token"):call("GET", P .. "projects")
  T.eq(status, 401, "wrong token")
  local _, _, disco = lb.http.request { url = emu.url .. "/oidc/.well-known/oauth-authorization-server" }
  local d = lb.json.decode(disco)
  T.eq(d.token_endpoint, emu.url .. "/oidc/v1/token", "discovery")
  local basic = "Basic c3AtYXBwLWlkOnNwLXNlY3JldC0wMTIzNDU2Nzg5"  -- sp-app-id:sp-secret-0123456789
  local s2, _, tok = lb.http.request { method = "POST", url = d.token_endpoint, headers = { Authorization = basic,
    ["Content-Type"] = "application/x-www-form-urlencoded" }, body = "grant_type=client_credentials&scope=all-apis" }
  T.eq(s2, 200, "token endpoint")
  local t = lb.json.decode(tok)
  T.eq(t.token_type, "Bearer", "token type") T.ok(t.expires_in > 0, "expires_in")
  local s3, me = Client.new(emu.url, t.access_token):call("GET", "/api/2.0/preview/scim/v2/Me")
  T.eq(s3, 200, "OAuth token accepted") T.eq(me.userName, "sp-app-id", "identity is the client id")
  local s4 = lb.http.request { method = "POST", url = d.token_endpoint, headers = { Authorization = "Basic eDp5" },
    body = "grant_type=client_credentials" }
  T.eq(s4, 401, "wrong client secret")
end)

T.test("credentials are minted for an endpoint", function()
  local status, cred = c:call("POST", P .. "credentials", { endpoint = "projects/app/branches/production/endpoints/primary" })
  T.eq(status, 200, "status")
  T.ok(type(cred.token) == "string" and #cred.token > 20, "token")
  T.ok(cred.expire_time:match("Z$"), "expire_time")
  T.eq((c:call("POST", P .. "credentials", { endpoint = "projects/app/branches/production/endpoints/nope" })), 404, "unknown endpoint")
  T.eq((c:call("POST", P .. "credentials", {})), 400, "missing endpoint")
end)

T.run()
emu:stop()
