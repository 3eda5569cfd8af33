/**
 * `npm run bench [-- <workload id>...]`: runs every workload (or the named ones) and prints one
 * table. Each workload measures its own baseline in the same run. Node runs it with the young
 * generation the `strata` bin gives a server (--max-semi-space-size=64, packages/cli/bin/strata.js):
 * workloads that measure Strata's app in this process measure it as `strata server` runs it, and
 * their bare baselines run with it too.
 */
import { renderTable, type BenchRow, type Workload } from "./harness.js";
import { workloads } from "./workloads/index.js";

const wanted = process.argv.slice(2).map((id) => id.toUpperCase());
const selected: Workload[] = wanted.length ? workloads.filter((w) => wanted.includes(w.id)) : workloads;
if (selected.length === 0) {
  console.error(`No workload matches ${wanted.join(", ")}. Known: ${workloads.map((w) => w.id).join(", ")}`);
  process.exit(2);
}

const rows: BenchRow[] = [];
for (const workload of selected) {
  process.stderr.write(`running ${workload.id}: ${workload.title}\n`);
  rows.push(...(await workload.run()));
}
console.log(renderTable(rows));
const missed = rows.filter((r) => r.met === false);
console.log(missed.length ? `\n${missed.length} goal(s) missed.` : "\nEvery goal met.");
