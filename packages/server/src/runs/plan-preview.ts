import type { ManifestStep } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { launchRun } from "./launch.js";
import type { ManifestCache } from "./manifest-cache.js";

/** One step a run would execute: what it materializes and the steps it waits for. */
export interface PlannedStep {
  key: string;
  kind: ManifestStep["kind"];
  assetKeys: string[];
  upstreamStepKeys: string[];
}

/** What `launchRun` with the same arguments would queue, without queuing it. */
export interface RunPlanPreview {
  location: string;
  assetKeys: string[];
  checkKeys: string[];
  partitionKey: string | null;
  partitionRange: { from: string; to: string } | null;
  /** In an order that runs every step after the steps it waits for. */
  steps: PlannedStep[];
}

/** Thrown to roll the planning transaction back, carrying what it planned. */
class Planned extends Error {
  constructor(readonly preview: RunPlanPreview) {
    super("planned");
  }
}

/**
 * Plans a run exactly as `launchRun` would — the same code, in a transaction that is rolled back —
 * so the preview cannot drift from what a launch does: the same steps, the same partitions, and
 * the same typed refusal (several locations, an unknown asset, a missing partition…). Nothing is
 * kept, and no worker hears of it.
 */
export async function previewRun(
  sql: Sql,
  manifests: ManifestCache,
  input: Omit<Parameters<typeof launchRun>[2], "createdBy">,
): Promise<RunPlanPreview> {
  try {
    await sql.transaction(async (tx) => {
      const run = await launchRun(tx, manifests, { ...input, createdBy: "preview" }, null);
      const manifest = await manifests.get(tx, run.row.versionId!);
      const plan = run.row.plan as { stepKeys: string[]; assetKeys: string[]; checkKeys?: string[] };
      throw new Planned({
        location: run.location,
        assetKeys: plan.assetKeys,
        checkKeys: plan.checkKeys ?? [],
        partitionKey: run.row.partitionKey,
        partitionRange:
          run.row.partitionRangeStart !== null && run.row.partitionRangeEnd !== null
            ? { from: run.row.partitionRangeStart, to: run.row.partitionRangeEnd }
            : null,
        steps: orderedSteps(manifest.steps, plan.stepKeys),
      });
    });
  } catch (error) {
    if (error instanceof Planned) return error.preview;
    throw error;
  }
  throw new Error("planning a run returned without a plan");
}

/** The plan's steps, each after those it waits for (Kahn's order; ties by key). */
function orderedSteps(all: readonly ManifestStep[], keys: readonly string[]): PlannedStep[] {
  const chosen = new Set(keys);
  const steps = all.filter((s) => chosen.has(s.key));
  const upstream = new Map(
    steps.map((s) => [
      s.key,
      [...new Set([...s.inputs.map((i) => i.stepKey), ...s.deps.map((d) => d.stepKey)])].filter((k) => chosen.has(k) && k !== s.key).sort(),
    ]),
  );
  const waiting = new Map(steps.map((s) => [s.key, upstream.get(s.key)!.length]));
  const downstream = new Map<string, string[]>();
  for (const [key, ups] of upstream) for (const up of ups) downstream.set(up, [...(downstream.get(up) ?? []), key]);
  const ready = steps.filter((s) => waiting.get(s.key) === 0).map((s) => s.key);
  const order: string[] = [];
  while (ready.length) {
    ready.sort();
    const key = ready.shift()!;
    order.push(key);
    for (const next of downstream.get(key) ?? []) {
      waiting.set(next, waiting.get(next)! - 1);
      if (waiting.get(next) === 0) ready.push(next);
    }
  }
  // A cycle cannot be planned; should one reach here, its steps come last rather than vanish.
  for (const s of steps) if (!order.includes(s.key)) order.push(s.key);
  const byKey = new Map(steps.map((s) => [s.key, s]));
  return order.map((key) => {
    const step = byKey.get(key)!;
    return {
      key,
      kind: step.kind,
      assetKeys: step.outputs.flatMap((o) => (o.assetKey ? [o.assetKey] : [])),
      upstreamStepKeys: upstream.get(key)!,
    };
  });
}
