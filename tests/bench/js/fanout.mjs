// fanout.mjs N: the JavaScript peer of ../fanout.lua. N concurrent "create branch -> wait" with the
// Databricks JavaScript SDK's generic API client and Promise.all against the emulator at
// DATABRICKS_HOST. Prints: N, wall seconds, HTTP requests per operation, peak RSS (MB).
import { call, createProject, peakRssMb, stats, wait } from "./common.mjs";

const n = Number(process.argv[2] ?? 100);
const projectId = `fanjs${n}-${Math.floor(Date.now() / 1000)}`;
await createProject(projectId);
const before = stats.requests;
const t0 = performance.now();
await Promise.all(Array.from({ length: n }, async (_, i) =>
  wait(await call("POST", `projects/${projectId}/branches`, { branch_id: `b${i + 1}` }, { spec: { no_expiry: true } }))));
const wall = (performance.now() - t0) / 1000;
console.log(`${n} ${wall.toFixed(3)} ${((stats.requests - before) / n).toFixed(1)} ${peakRssMb().toFixed(1)}`);
