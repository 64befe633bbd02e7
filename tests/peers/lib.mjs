// Shared by the peer scripts: the Databricks JavaScript SDK (@databricks/sdk-experimental) used as
// a program written against the real service would use it. 0.17.0 has no postgres service, so
// calls go through its generic API client (apiClient.request, which authenticates, retries 429s
// and turns error bodies into ApiError), operations are waited for with its exported retry() loop,
// and PATCH goes through fetch with the SDK's own auth headers (apiClient.request sends a body
// only for POST and PUT).
import { createRequire } from "node:module";
import sdk from "@databricks/sdk-experimental";  // CommonJS: named imports do not all resolve

// The SDK's own error parser (what apiClient.request throws with), not exported from its index.
const { parseErrorFromResponse } = createRequire(import.meta.url)("@databricks/sdk-experimental/dist/apierr.js");

export const { WorkspaceClient, ApiError, retry, retries, Time, TimeUnits } = sdk;
const BASE = "/api/2.0/postgres/";

/** A WorkspaceClient from the environment (DATABRICKS_HOST plus a PAT or a client id and secret),
 *  with auth type `authType` ("pat" or "oauth-m2m"); `host` instead of DATABRICKS_HOST if given. */
export function workspaceClient(authType, host) {
  return new WorkspaceClient(host ? { authType, host } : { authType });
}

/** call(client, method, path, query, body): the generic client on /api/2.0/postgres/PATH. */
export function call(client, method, path, query, body) {
  const headers = new Headers({ Accept: "application/json" });
  if (body !== undefined) headers.set("Content-Type", "application/json");
  return client.apiClient.request({ path: BASE + path, method, headers, raw: false, query, payload: body });
}

/** PATCH with the SDK's authentication (config.authenticate fills in the Authorization header:
 *  the PAT, or an OAuth token the SDK fetched from the workspace's /oidc endpoints) and fetch.
 *  Errors become the SDK's ApiError, as apiClient.request would make them. */
export async function patch(client, path, query, body) {
  const headers = new Headers({ Accept: "application/json", "Content-Type": "application/json" });
  await client.config.authenticate(headers);
  const url = new URL(BASE + path, (await client.config.getHost()).toString());
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const r = await fetch(url, { method: "PATCH", headers, body: JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw parseErrorFromResponse(r.status, r.statusText, text);
  return JSON.parse(text);
}

/** The operation's result the way the SDK's generated waiters take it: poll GET {operation name}
 *  in the SDK's retry() loop until done; a done operation has `response`, or `error` with
 *  `error_code` (thrown as an Error carrying `errorCode`, like the Python waiter's "[code] message").
 *  The loop polls every 100 ms instead of the default 1 s, 2 s, ... to keep the test quick. */
export function wait(client, op) {
  return retry({
    timeout: new Time(60, TimeUnits.seconds),
    retryPolicy: new retries.LinearRetryPolicy(new Time(100, TimeUnits.milliseconds)),
    fn: async () => {
      const polled = op.done ? op : await call(client, "GET", op.name);
      if (!polled.done) throw new retries.RetriableError(`${op.name} not done`);
      if (polled.error) {
        const e = new Error(`[${polled.error.error_code}] ${polled.error.message}`);
        e.errorCode = polled.error.error_code;
        e.operationError = polled.error;
        throw e;
      }
      if (polled.response === undefined) throw new Error(`${op.name}: operation completed but no response available`);
      return polled.response;
    },
  });
}

/** Every item of a list, following next_page_token; returns {items, sizes} (items per page). */
export async function listAll(client, path, key, pageSize) {
  const items = [];
  const sizes = [];
  let token;
  do {
    const query = { page_size: pageSize };
    if (token) query.page_token = token;
    const page = await call(client, "GET", path, query);
    sizes.push((page[key] ?? []).length);
    items.push(...(page[key] ?? []));
    token = page.next_page_token;
  } while (token);
  return { items, sizes };
}

/** The SDK error a call fails with (fails the test when the call succeeds). */
export async function failure(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error("the call succeeded; an error was expected");
}
