import { canonicalJson } from "../canonical-json.js";
import type { PartitionsDefinition } from "../partitions/definition.js";
import { cronError } from "../partitions/problems.js";
import { isTimeZone } from "../partitions/time-zone.js";
import type { ManifestSchedule } from "./schedule.js";

/**
 * What the schema cannot say about a location's schedules: a duplicated name, a cron croner
 * cannot read, an unknown time zone, a target that is not an asset of the location, targets that
 * mix partitions definitions (or partitioned and unpartitioned assets), a `partitionKey` for
 * unpartitioned targets or not among static partitions, and targets partitioned other than by
 * time windows without a `partitionKey` (a tick could not tell which partition to run; a schedule
 * function names it in its run requests, so one may leave it out). `path`
 * is relative to the schedules list ("1.cron"). Empty when every schedule can be evaluated. An
 * asset whose `partitions` is undefined is not checked for them (a schedule built before its
 * assets are known).
 *
 * @example
 * ```ts
 * scheduleProblems([{ ...daily, timezone: "Mars/Olympus" }], assets);
 * // [{ path: "0.timezone", message: 'unknown IANA time zone "Mars/Olympus"' }]
 * ```
 */
export function scheduleProblems(
  schedules: readonly ManifestSchedule[],
  assets: readonly { key: string; partitions: unknown }[],
): { path: string; message: string }[] {
  // Most manifests have none: no map of their (up to 100,000) assets then.
  if (schedules.length === 0) return [];
  const byKey = new Map(assets.map((a) => [a.key, a]));
  const problems: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  schedules.forEach((s, i) => {
    if (seen.has(s.name)) problems.push({ path: `${i}.name`, message: `duplicates the schedule "${s.name}"` });
    seen.add(s.name);
    const cron = cronError(s.cron);
    if (cron) problems.push({ path: `${i}.cron`, message: cron });
    if (!isTimeZone(s.timezone)) problems.push({ path: `${i}.timezone`, message: `unknown IANA time zone "${s.timezone}"` });
    const definitions = new Map<string, PartitionsDefinition | null>();
    s.targets.forEach((key, j) => {
      const asset = byKey.get(key);
      if (!asset) problems.push({ path: `${i}.targets.${j}`, message: `"${key}" is not an asset of this code location` });
      else if (asset.partitions !== undefined) {
        const def = asset.partitions as PartitionsDefinition | null;
        definitions.set(def === null ? "null" : canonicalJson(def), def);
      }
    });
    if (definitions.size > 1) {
      problems.push({
        path: `${i}.targets`,
        message: "targets must share one partitions definition (or all be unpartitioned): a run materializes one partition of them",
      });
      return;
    }
    const [def] = [...definitions.values()];
    if (def === undefined) return;
    if (def === null) {
      if (s.partitionKey !== undefined) problems.push({ path: `${i}.partitionKey`, message: "is set but no target is partitioned" });
    } else if (s.partitionKey === undefined && def.kind !== "time_window" && s.function === undefined) {
      problems.push({
        path: `${i}.partitionKey`,
        message: `targets partitioned by ${def.kind} partitions need a partitionKey (only time windows have a latest partition to run)`,
      });
    } else if (s.partitionKey !== undefined && def.kind === "static" && !def.keys.includes(s.partitionKey)) {
      problems.push({ path: `${i}.partitionKey`, message: `"${s.partitionKey}" is not one of the targets' partitions` });
    }
  });
  return problems;
}
