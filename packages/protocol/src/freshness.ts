/**
 * Freshness policies (Dagster's `FreshnessPolicy.time_window` and `FreshnessPolicy.cron`): data
 * in the manifest, evaluated by the server. The evaluation is a pure function of the policy, the
 * asset's last materialization and the time, and also says when the state will next change
 * without a new materialization, so the server wakes once at that instant instead of polling.
 */
import { Cron } from "croner";
import { z } from "zod";

const positiveMs = z.number().int().positive();

export const freshnessPolicySchema = z.discriminatedUnion("kind", [
  /** Fresh while the last materialization is younger than `warnAfterMs` (PASS), then WARN, then FAIL after `failAfterMs`. */
  z
    .object({ kind: z.literal("time_window"), failAfterMs: positiveMs, warnAfterMs: positiveMs.nullable().default(null) })
    .refine((p) => p.warnAfterMs === null || p.warnAfterMs < p.failAfterMs, {
      message: "warnAfterMs must be less than failAfterMs",
      path: ["warnAfterMs"],
    }),
  /**
   * At each tick of `cron` (a deadline, in `timezone`), the asset must have been materialized in
   * the `lowerBoundMs` before it; FAIL from a missed deadline until the next materialization.
   */
  z.object({
    kind: z.literal("cron"),
    cron: z.string().min(1).max(255),
    timezone: z.string().min(1).default("UTC"),
    lowerBoundMs: positiveMs,
  }),
]);

/**
 * @example
 * ```ts
 * const hourly: FreshnessPolicy = { kind: "time_window", failAfterMs: 3_600_000, warnAfterMs: 1_800_000 };
 * ```
 */
export type FreshnessPolicy = z.output<typeof freshnessPolicySchema>;

/** PASS, WARN, FAIL, or UNKNOWN (never materialized, no deadline passed yet). */
export const FRESHNESS_STATES = ["PASS", "WARN", "FAIL", "UNKNOWN"] as const;
export type FreshnessState = (typeof FRESHNESS_STATES)[number];

/**
 * The freshness of an asset at `now` (milliseconds since the epoch) and the instant its state
 * changes next if nothing is materialized meanwhile (`null`: not before a materialization).
 *
 * @example
 * ```ts
 * const t0 = Date.parse("2024-03-01T00:00:00Z");
 * evaluateFreshness({ kind: "time_window", failAfterMs: 3_600_000, warnAfterMs: 1_800_000 }, t0, t0 + 60_000);
 * // { state: "PASS", nextTransitionAt: t0 + 1_800_000 }
 * ```
 */
export function evaluateFreshness(
  policy: FreshnessPolicy,
  lastMaterializedAt: number | null,
  now: number,
): { state: FreshnessState; nextTransitionAt: number | null } {
  if (policy.kind === "time_window") {
    if (lastMaterializedAt === null) return { state: "UNKNOWN", nextTransitionAt: null };
    const age = now - lastMaterializedAt;
    const warnAt = policy.warnAfterMs === null ? null : lastMaterializedAt + policy.warnAfterMs;
    const failAt = lastMaterializedAt + policy.failAfterMs;
    if (age >= policy.failAfterMs) return { state: "FAIL", nextTransitionAt: null };
    if (warnAt !== null && now >= warnAt) return { state: "WARN", nextTransitionAt: failAt };
    return { state: "PASS", nextTransitionAt: warnAt ?? failAt };
  }
  const cron = new Cron(policy.cron, { timezone: policy.timezone });
  const deadline = cron.previousRuns(1, new Date(now + 1))[0]?.getTime() ?? null;
  const metDeadline = (d: number) => lastMaterializedAt !== null && lastMaterializedAt >= d - policy.lowerBoundMs;
  // The first deadline after `now` that the last materialization does not satisfy.
  const nextMiss = () => {
    let tick = cron.nextRun(new Date(now));
    for (let i = 0; tick && i < 10_000; i++) {
      if (!metDeadline(tick.getTime())) return tick.getTime();
      tick = cron.nextRun(tick);
    }
    return null;
  };
  if (deadline === null) return { state: lastMaterializedAt === null ? "UNKNOWN" : "PASS", nextTransitionAt: nextMiss() };
  if (!metDeadline(deadline)) return { state: "FAIL", nextTransitionAt: null };
  return { state: "PASS", nextTransitionAt: nextMiss() };
}
