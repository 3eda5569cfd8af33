import { Cron } from "croner";
import type { DimensionPartitions, PartitionsDefinition, TimeWindowPartitions } from "./definition.js";
import { compileKeyFormat } from "./key-format.js";
import { isTimeZone, parseWallClock, wallToInstant } from "./time-zone.js";

/**
 * One thing wrong with a definition, at a dotted path inside it ("dimensions.0.partitions.cron").
 *
 * @example
 * ```ts
 * const lines = partitionsProblems(def).map((p: PartitionsProblem) => `partitions.${p.path}: ${p.message}`);
 * ```
 */
export interface PartitionsProblem {
  path: string;
  message: string;
}

/**
 * What the schema cannot say about a parsed definition: an unknown time zone, a cron croner
 * cannot read or that is not five fields, a key format that does not round-trip, a start after
 * the end, duplicated static keys, dimensions with the same name, unsorted, or with more than one
 * time dimension. Empty when the definition can be evaluated.
 *
 * @example
 * ```ts
 * partitionsProblems({ kind: "static", keys: ["eu", "eu"] });
 * // [{ path: "keys.1", message: 'duplicates the key "eu"' }]
 * ```
 */
export function partitionsProblems(def: PartitionsDefinition): PartitionsProblem[] {
  if (def.kind !== "multi") return dimensionProblems(def, "");
  const problems: PartitionsProblem[] = [];
  const names = def.dimensions.map((d) => d.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) problems.push({ path: `dimensions.${i}.name`, message: `duplicates the dimension "${name}"` });
    else if (i > 0 && names[i - 1]! > name) problems.push({ path: `dimensions.${i}.name`, message: "dimensions must be sorted by name" });
  });
  const timeDimensions = def.dimensions.filter((d) => d.partitions.kind === "time_window");
  if (timeDimensions.length > 1) {
    problems.push({ path: "dimensions", message: `at most one time-window dimension is allowed, found ${timeDimensions.length}` });
  }
  def.dimensions.forEach((d, i) => {
    problems.push(...dimensionProblems(d.partitions, `dimensions.${i}.partitions.`));
  });
  return problems;
}

function dimensionProblems(def: DimensionPartitions, prefix: string): PartitionsProblem[] {
  if (def.kind === "static") {
    const seen = new Set<string>();
    return def.keys.flatMap((key, i) => {
      if (!seen.has(key)) {
        seen.add(key);
        return [];
      }
      return [{ path: `${prefix}keys.${i}`, message: `duplicates the key "${key}"` }];
    });
  }
  return def.kind === "time_window" ? timeWindowProblems(def, prefix) : [];
}

function timeWindowProblems(def: TimeWindowPartitions, prefix: string): PartitionsProblem[] {
  const problems: PartitionsProblem[] = [];
  const zoneOk = isTimeZone(def.timezone);
  if (!zoneOk) problems.push({ path: `${prefix}timezone`, message: `unknown IANA time zone "${def.timezone}"` });
  const cronProblem = cronError(def.cron);
  if (cronProblem) problems.push({ path: `${prefix}cron`, message: cronProblem });
  const start = parseWallClock(def.start);
  const end = def.end === null ? null : parseWallClock(def.end);
  if (Number.isNaN(start)) problems.push({ path: `${prefix}start`, message: `"${def.start}" is not a date` });
  if (end !== null && Number.isNaN(end)) problems.push({ path: `${prefix}end`, message: `"${def.end}" is not a date` });
  if (end !== null && start > end) problems.push({ path: `${prefix}end`, message: `end ${def.end} is before start ${def.start}` });
  if (!zoneOk || cronProblem || Number.isNaN(start)) return problems;
  // Dagster reads a key as the first tick at or after the time it parses to; the format must
  // bring each window back to itself, and so give consecutive windows different keys.
  const cron = new Cron(def.cron, { timezone: def.timezone });
  const keyFormat = compileKeyFormat(def.format);
  let tick = cron.nextRun(new Date(wallToInstant(def.timezone, start) - 1));
  for (let i = 0; i < 3 && tick; i++, tick = cron.nextRun(tick)) {
    const key = keyFormat.format(tick.getTime(), def.timezone, false);
    const parsed = keyFormat.parse(key, def.timezone);
    const back = parsed === null ? null : cron.nextRun(new Date(parsed - 1));
    if (back?.getTime() !== tick.getTime()) {
      problems.push({
        path: `${prefix}format`,
        message: `"${def.format}" does not identify a window: the key "${key}" of the window starting ${tick.toISOString()} names ${back ? `the one starting ${back.toISOString()}` : "none"} (date-fns tokens, e.g. "yyyy-MM-dd")`,
      });
      break;
    }
  }
  return problems;
}

/** Why croner cannot use `cron` as a five-field cron, or null. */
export function cronError(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return `"${cron}" must have five fields (minute hour day-of-month month day-of-week)`;
  try {
    new Cron(cron);
    return null;
  } catch (error) {
    return `"${cron}" is not a valid cron: ${(error as Error).message}`;
  }
}
