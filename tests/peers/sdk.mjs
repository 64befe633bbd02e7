// The Databricks JavaScript SDK (@databricks/sdk-experimental, pinned in package-lock.json)
// through the lifecycle of a Lakebase project against the emulator at DATABRICKS_HOST, as a
// program written against the real service would drive it. Everything asserted is what the SDK
// returns or throws.
//   PEER_AUTH      pat (DATABRICKS_TOKEN) or oauth-m2m (DATABRICKS_CLIENT_ID/SECRET: the SDK
//                  fetches its own token from the workspace's /oidc endpoints)
//   PEER_IDENTITY  who the workspace should say the caller is (user name or client id)
//   PEER_PROJECT   the id of the project to create (deleted again at the end)
//   PEER_FAILING_HOST  optional: an emulator whose operations all fail (--faults operror=1),
//                  same credentials
import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError, call, failure, listAll, patch, wait, workspaceClient } from "./lib.mjs";

const env = process.env;
const AUTH = env.PEER_AUTH;
const P = env.PEER_PROJECT;
const client = workspaceClient(AUTH);
const project = `projects/${P}`;
const dev = `${project}/branches/dev`;
const TYPE = "type.googleapis.com/databricks.postgres.v1.";

// An SDK ApiError with this status and error code, whose message contains `words`.
function assertApiError(e, statusCode, errorCode, words) {
  assert.ok(e instanceof ApiError, `an ApiError, got ${e?.constructor?.name}: ${e?.message}`);
  assert.equal(e.statusCode, statusCode);
  assert.equal(e.errorCode, errorCode, `errorCode (message: ${e.message})`);
  if (words) assert.match(e.message, words);
}

test(`auth ${AUTH}: the SDK resolves it and the workspace knows the caller`, async () => {
  await client.config.ensureResolved();
  assert.equal(client.config.authType, AUTH);
  const headers = new Headers();
  await client.config.authenticate(headers);
  // (Never printed: the header holds the secret token.)
  assert.ok(/^Bearer \S+$/.test(headers.get("Authorization")), "a bearer token");
  if (AUTH === "oauth-m2m") {
    assert.ok(!headers.get("Authorization").includes(env.DATABRICKS_CLIENT_SECRET), "an OAuth token, not the secret");
  }
  const me = await client.currentUser.me();  // a generated SDK service, not the generic client
  assert.equal(me.userName, env.PEER_IDENTITY);
});

test("create a project and wait for its operation: the response is the project, status only", async () => {
  const op = await call(client, "POST", "projects", { project_id: P }, { spec: { display_name: `Peer ${AUTH}` } });
  assert.ok(op.name.startsWith(`${project}/operations/`), op.name);
  assert.equal(op.metadata["@type"], `${TYPE}ProjectOperationMetadata`);
  const p = await wait(client, op);
  assert.equal(p.name, project);
  assert.equal(p["@type"], `${TYPE}Project`);
  assert.equal(p.spec, undefined, "spec is input only");
  assert.equal(p.status.display_name, `Peer ${AUTH}`);
  assert.equal(p.status.owner, env.PEER_IDENTITY);
  assert.equal(p.status.default_branch, `${project}/branches/production`);
  const got = await call(client, "GET", project);
  assert.deepEqual(got.status, p.status);
});

test("a duplicate project: ApiError 409 ALREADY_EXISTS", async () => {
  const e = await failure(call(client, "POST", "projects", { project_id: P }, { spec: {} }));
  assertApiError(e, 409, "ALREADY_EXISTS", /already exists/);
});

test("a missing branch: ApiError 404 NOT_FOUND", async () => {
  const e = await failure(call(client, "GET", `${project}/branches/nope`));
  assertApiError(e, 404, "NOT_FOUND", /^branch id not found/);
});

test("create a branch and wait: it comes with its own primary read-write endpoint", async () => {
  const b = await wait(client, await call(client, "POST", `${project}/branches`, { branch_id: "dev" },
    { spec: { source_branch: `${project}/branches/production`, ttl: "3600s" } }));
  assert.equal(b.name, dev);
  assert.equal(b.status.current_state, "READY");
  assert.equal(b.status.source_branch, `${project}/branches/production`);
  assert.ok(Date.parse(b.status.expire_time) > Date.now(), `expire_time ${b.status.expire_time}`);
  const { items } = await listAll(client, `${dev}/endpoints`, "endpoints", 10);
  assert.deepEqual(items.map((e) => [e.name, e.status.endpoint_type]),
    [[`${dev}/endpoints/primary`, "ENDPOINT_TYPE_READ_WRITE"]]);
});

test("list projects and branches one per page, following next_page_token", async () => {
  const branches = await listAll(client, `${project}/branches`, "branches", 1);
  assert.deepEqual(branches.items.map((b) => b.name).sort(), [dev, `${project}/branches/production`]);
  assert.deepEqual(branches.sizes, [1, 1]);
  // (Other runs may create and delete projects on the same emulator meanwhile.)
  const projects = await listAll(client, "projects", "projects", 1);
  assert.ok(projects.items.some((p) => p.name === project), "our project is listed");
  assert.ok(projects.sizes.every((n) => n <= 1), `at most one project a page: ${projects.sizes}`);
  assert.equal(new Set(projects.items.map((p) => p.name)).size, projects.items.length, "no project twice");
});

test("update with PATCH (the SDK's auth headers, the test's fetch): oneof groups in the mask", async () => {
  // Why PATCH does not go through apiClient.request: it sends no body for PATCH, and an update
  // mask naming a field the body does not set is refused.
  const dropped = await failure(call(client, "PATCH", dev, { update_mask: "spec.expiration" }, { spec: { no_expiry: true } }));
  assert.equal(dropped.statusCode, 400);
  const b = await wait(client, await patch(client, dev, { update_mask: "spec.expiration" }, { spec: { no_expiry: true } }));
  assert.equal(b.status.expire_time, undefined, "no expiry any more");
  const ep = await wait(client, await patch(client, `${dev}/endpoints/primary`,
    { update_mask: "spec.suspension,spec.autoscaling_limit_max_cu" },
    { spec: { suspend_timeout_duration: "600s", autoscaling_limit_max_cu: 2 } }));
  assert.equal(ep.status.suspend_timeout_duration, "600s");
  assert.equal(ep.status.autoscaling_limit_max_cu, 2);
  const got = await call(client, "GET", `${dev}/endpoints/primary`);
  assert.equal(got.status.suspend_timeout_duration, "600s");
});

test("a database credential for the branch's endpoint, default and with a ttl", async () => {
  const endpoint = `${dev}/endpoints/primary`;
  const c = await call(client, "POST", "credentials", {}, { endpoint });
  assert.equal(typeof c.token, "string");
  const left = (Date.parse(c.expire_time) - Date.now()) / 1000;
  assert.ok(left > 60 && left <= 3605, `expires in ${left} s`);
  const short = await call(client, "POST", "credentials", {}, { endpoint, ttl: "600s" });
  assert.ok(short.token !== c.token, "each credential is a new token");
  const shortLeft = (Date.parse(short.expire_time) - Date.now()) / 1000;
  assert.ok(shortLeft > 590 && shortLeft <= 605, `ttl 600s: expires in ${shortLeft} s`);
});

test("a role and a database; duplicates are ApiError 400 BAD_REQUEST", async () => {
  const r = await wait(client, await call(client, "POST", `${dev}/roles`, { role_id: "peer-app" },
    { spec: { postgres_role: "peer_app" } }));
  assert.equal(r.status.postgres_role, "peer_app");
  const dupRole = await failure(call(client, "POST", `${dev}/roles`, { role_id: "peer-app" }, { spec: { postgres_role: "peer_app" } }));
  assertApiError(dupRole, 400, "BAD_REQUEST", /already exists/);
  const d = await wait(client, await call(client, "POST", `${dev}/databases`, {},
    { spec: { postgres_database: "peerdb", role: r.name } }));
  assert.equal(d.status.role, r.name);
  assert.ok(d.name.startsWith(`${dev}/databases/`), d.name);
  const dupDb = await failure(call(client, "POST", `${dev}/databases`, {}, { spec: { postgres_database: "peerdb", role: r.name } }));
  assertApiError(dupDb, 400, "BAD_REQUEST", /already exists/);
});

test("the primary endpoint is the branch's: deleting it is 400 with the MANAGED_BY_PARENT marker", async () => {
  const e = await failure(call(client, "DELETE", `${dev}/endpoints/primary`));
  assert.ok(e instanceof ApiError);
  assert.equal(e.statusCode, 400);
  // The marker is in a detail; 0.17.0 cannot parse details without `metadata` (the RequestInfo
  // that comes with it), so read the raw answer it keeps in `response`.
  const raw = typeof e.response === "string" ? e.response : JSON.stringify(e.response);
  assert.match(raw, /"declarative_context":"MANAGED_BY_PARENT"/);
});

test("delete the branch and the project (purge): operations end with Empty, then 404", async () => {
  const gone = await wait(client, await call(client, "DELETE", dev));
  assert.equal(gone["@type"], "type.googleapis.com/google.protobuf.Empty");
  assertApiError(await failure(call(client, "GET", dev)), 404, "NOT_FOUND");
  await wait(client, await call(client, "DELETE", project, { purge: true }));
  assertApiError(await failure(call(client, "GET", project)), 404, "NOT_FOUND");
  const { items } = await listAll(client, "projects", "projects", 100);
  assert.ok(!items.some((p) => p.name === project), "purged: not listed");
});

test("a failed operation: the waiter throws its error_code and message", { skip: !env.PEER_FAILING_HOST }, async () => {
  const failing = workspaceClient(AUTH, env.PEER_FAILING_HOST);
  const op = await call(failing, "POST", "projects", { project_id: `${P}-fails` }, { spec: {} });
  const e = await failure(wait(failing, op));
  assert.equal(typeof e.errorCode, "string");
  assert.match(e.errorCode, /^[A-Z_]+$/);
  assert.ok(Array.isArray(e.operationError.details), "details is an array");
  assert.match(e.message, /^\[[A-Z_]+\] .*injected/);
});
