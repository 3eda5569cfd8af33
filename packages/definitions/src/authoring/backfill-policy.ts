import type { BackfillPolicy } from "@strata/protocol";
import { DefinitionError } from "./definition-error.js";

/**
 * A backfill materializes the whole range in one run, whose function sees `ctx.partition.range`
 * (Dagster's `BackfillPolicy.single_run()`). Return one value per partition, keyed by key, to
 * store each partition separately.
 *
 * @example
 * ```ts
 * asset("events", { partitions: days, backfillPolicy: singleRun() }, (_, ctx) => loadBetween(ctx.partition!.timeWindow!));
 * ```
 */
export function singleRun(): { kind: "single_run" } {
  return { kind: "single_run" };
}

/**
 * A backfill runs at most `maxPartitionsPerRun` partitions per run (default 1, the policy of an
 * asset that names none).
 *
 * @example
 * ```ts
 * asset("events", { partitions: days, backfillPolicy: multiRun({ maxPartitionsPerRun: 30 }) }, load);
 * ```
 */
export function multiRun(options: { maxPartitionsPerRun?: number } = {}): Extract<BackfillPolicy, { kind: "multi_run" }> {
  const max = options.maxPartitionsPerRun ?? 1;
  if (!Number.isInteger(max) || max < 1) {
    throw new DefinitionError("invalid_option", "multiRun", `maxPartitionsPerRun must be a positive integer, got ${String(max)}`);
  }
  return { kind: "multi_run", maxPartitionsPerRun: max };
}
