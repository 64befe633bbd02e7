// listing.mjs COUNT: the JavaScript peer of ../listing.lua. Creates COUNT branches in one project
// (100 at a time, not waited), then lists them all through pagination (page_size 100, following
// next_page_token) with the SDK's generic API client. Prints: count, seconds to list, pages
// fetched, peak RSS (MB).
import { call, createProject, peakRssMb, stats } from "./common.mjs";

const count = Number(process.argv[2] ?? 10000);
const projectId = `listjs-${Math.floor(Date.now() / 1000)}`;
await createProject(projectId);
for (let start = 1; start <= count - 1; start += 100) {
  const batch = [];
  for (let i = start; i <= Math.min(start + 99, count - 1); i++) {
    batch.push(call("POST", `projects/${projectId}/branches`, { branch_id: `b${i}` }, { spec: { no_expiry: true } }));
  }
  await Promise.all(batch);
}
const before = stats.requests;
const t0 = performance.now();
let seen = 0;
let pageToken;
do {
  const query = { page_size: 100 };
  if (pageToken) query.page_token = pageToken;
  const page = await call("GET", `projects/${projectId}/branches`, query);
  seen += (page.branches ?? []).length;
  pageToken = page.next_page_token;
} while (pageToken);
const took = (performance.now() - t0) / 1000;
console.log(`${seen} ${took.toFixed(3)} ${stats.requests - before} ${peakRssMb().toFixed(1)}`);
