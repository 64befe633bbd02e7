// Shared by fanout.mjs and listing.mjs: a WorkspaceClient configured from DATABRICKS_HOST and
// DATABRICKS_TOKEN (PAT auth), calls through its generic API client (apiClient.request), a count
// of the HTTP requests actually sent, and the peak RSS of this process.
import http from "node:http";
import { readFileSync } from "node:fs";
import sdk from "@databricks/sdk-experimental";  // CommonJS: named imports of retry do not resolve

const { WorkspaceClient, retry, retries } = sdk;

// Every HTTP request the SDK sends goes through http.request (plain http to the emulator), so this
// counts retries too, like the lakebase client's stats.requests.
export const stats = { requests: 0 };
const httpRequest = http.request;
http.request = (...args) => { stats.requests += 1; return httpRequest(...args); };

export const client = new WorkspaceClient({ authType: "pat" });
const BASE = "/api/2.0/postgres/";

/** call(method, path, query, body): one call of the generic client on /api/2.0/postgres/PATH. */
export function call(method, path, query, body) {
  const headers = new Headers({ Accept: "application/json" });
  if (body !== undefined) headers.set("Content-Type", "application/json");
  return client.apiClient.request({ path: BASE + path, method, headers, raw: false, query, payload: body });
}

/** Waits for a long-running operation the way the SDK's own generated waiters do: its exported
 *  retry() loop with the default policy (1 s, 2 s, ... up to 10 s, plus 50-750 ms jitter), polling
 *  GET /api/2.0/postgres/{operation name} until done. The SDK has no Operation waiter for the
 *  postgres API (no postgres service in this version), so this is the generic equivalent. */
export function wait(op) {
  return retry({
    fn: async () => {
      const polled = op.done ? op : await call("GET", op.name);
      if (!polled.done) throw new retries.RetriableError(`${op.name} not done`);
      if (polled.error) throw new Error(`${op.name} failed: ${JSON.stringify(polled.error)}`);
      return polled.response;
    },
  });
}

/** Peak resident set size of this process in MB (VmHWM). */
export function peakRssMb() {
  const m = readFileSync("/proc/self/status", "utf8").match(/VmHWM:\s+(\d+)/);
  return (m ? Number(m[1]) : 0) / 1024;
}

/** Creates a project and waits for it. */
export async function createProject(id) {
  return wait(await call("POST", "projects", { project_id: id }, { spec: {} }));
}
