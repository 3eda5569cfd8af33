import { z } from "zod";

/**
 * How a backfill groups an asset's partitions into runs: Dagster's
 * `BackfillPolicy.multi_run(max_partitions_per_run)` and `BackfillPolicy.single_run()`.
 *
 * @example
 * ```ts
 * backfillPolicySchema.parse({ kind: "multi_run", maxPartitionsPerRun: 30 });
 * ```
 */
export const backfillPolicySchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("multi_run"), maxPartitionsPerRun: z.number().int().min(1) }),
  z.object({ kind: z.literal("single_run") }),
]);

/**
 * @example
 * ```ts
 * const thirtyDaysPerRun: BackfillPolicy = { kind: "multi_run", maxPartitionsPerRun: 30 };
 * ```
 */
export type BackfillPolicy = z.output<typeof backfillPolicySchema>;
