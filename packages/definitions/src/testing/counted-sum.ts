import { graphAsset } from "../authoring/graph-asset.js";
import { op } from "../authoring/op.js";

/**
 * The graph asset `summed` = `total(load())` over [1, 2, 3] (6, in steps `summed.load` and
 * `summed.total`), counting how often each op ran: the reexecution tests' fixture. While
 * `counts.broken` is set, `total` throws "total broke" (before counting).
 */
export function countedSum(options: { broken?: boolean } = {}) {
  const counts = { loads: 0, totals: 0, broken: options.broken ?? false };
  const load = op("load", () => {
    counts.loads++;
    return [1, 2, 3];
  });
  const total = op("total", (xs: number[]) => {
    if (counts.broken) throw new Error("total broke");
    counts.totals++;
    return xs.reduce((s, x) => s + x, 0);
  });
  return { summed: graphAsset("summed", () => total(load())), counts };
}
