import { z } from "zod";

/** How runs are queued, leased and watched. */
export interface RunConfig {
  /** Runs STARTING, STARTED or CANCELING at once, across the deployment (0: no limit). */
  maxConcurrentRuns: number;
  /** Per-tag limits: at most `limit` active runs with tag `key` (= `value`, when given). */
  tagConcurrencyLimits: TagConcurrencyLimit[];
  /** How long a claimed run stays a worker's without a heartbeat or report. */
  leaseSeconds: number;
  /** How long a run may wait STARTING for a worker to claim it. */
  startTimeoutSeconds: number;
  /** How often the coordinator and the monitor look, besides being woken by events. */
  tickMs: number;
  /** How many runs of one backfill may exist (queued or running) at once; its other chunks wait READY. */
  backfillRunsAhead: number;
}

export interface TagConcurrencyLimit {
  key: string;
  value?: string | undefined;
  limit: number;
}

export const tagLimitsSchema = z.array(z.object({ key: z.string().min(1), value: z.string().optional(), limit: z.number().int().min(0) }));

export const defaultRunConfig: RunConfig = {
  maxConcurrentRuns: 10,
  tagConcurrencyLimits: [],
  leaseSeconds: 30,
  startTimeoutSeconds: 180,
  tickMs: 1000,
  backfillRunsAhead: 1000,
};
