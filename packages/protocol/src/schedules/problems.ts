import { cronError } from "../partitions/problems.js";
import { isTimeZone } from "../partitions/time-zone.js";
import type { ManifestSchedule } from "./schedule.js";

/**
 * What the schema cannot say about a location's schedules: a duplicated name, a cron croner
 * cannot read, an unknown time zone, a target that is not an asset of the location, or a
 * partitioned target (which partition a tick should run is not decided yet, so such a schedule
 * is refused rather than launching runs that cannot be planned). `path` is relative to the
 * schedules list ("1.cron"). Empty when every schedule can be evaluated.
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
  const byKey = new Map(assets.map((a) => [a.key, a]));
  const problems: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  schedules.forEach((s, i) => {
    if (seen.has(s.name)) problems.push({ path: `${i}.name`, message: `duplicates the schedule "${s.name}"` });
    seen.add(s.name);
    const cron = cronError(s.cron);
    if (cron) problems.push({ path: `${i}.cron`, message: cron });
    if (!isTimeZone(s.timezone)) problems.push({ path: `${i}.timezone`, message: `unknown IANA time zone "${s.timezone}"` });
    s.targets.forEach((key, j) => {
      const asset = byKey.get(key);
      if (!asset) problems.push({ path: `${i}.targets.${j}`, message: `"${key}" is not an asset of this code location` });
      else if (asset.partitions !== null)
        problems.push({
          path: `${i}.targets.${j}`,
          message: `"${key}" is partitioned; schedules target unpartitioned assets only (use a backfill or an automation condition for partitions)`,
        });
    });
  });
  return problems;
}
