import type { Backfill, BackfillPreview } from "@strata/sdk";
import type { Style } from "./style.js";

const FINISHED = new Set(["COMPLETED_SUCCESS", "COMPLETED_FAILED", "CANCELED"]);

/** Whether a backfill has ended (nothing of it runs or waits any more). */
export function backfillEnded(backfill: Pick<Backfill, "status">): boolean {
  return FINISHED.has(backfill.status);
}

/**
 * A bar of `width` cells for one asset of a backfill: █ materialized, x failed, ▒ in progress,
 * - skipped, · not yet (waiting), each in proportion to its share of the targeted partitions
 * (largest remainders get the cells rounding leaves), and any non-zero share at least one cell,
 * so one failed partition in 100,000 is seen.
 */
function progressBar(a: Backfill["assetStatuses"][number], width: number, style: Style): string {
  if (a.targeted === 0) return "";
  const rest = Math.max(0, a.targeted - a.materialized - a.failed - a.inProgress - a.skipped);
  const parts = [
    { count: a.materialized, glyph: "█", paint: style.green },
    { count: a.failed, glyph: "x", paint: style.red },
    { count: a.inProgress, glyph: "▒", paint: style.cyan },
    { count: a.skipped, glyph: "-", paint: style.yellow },
    { count: rest, glyph: "·", paint: (text: string) => text },
  ].map((p) => {
    const ideal = (p.count / a.targeted) * width;
    return { ...p, cells: p.count === 0 ? 0 : Math.max(1, Math.floor(ideal)), remainder: ideal - Math.floor(ideal) };
  });
  let spare = width - parts.reduce((n, p) => n + p.cells, 0);
  for (const p of [...parts].filter((q) => q.count > 0).sort((x, y) => y.remainder - x.remainder)) {
    if (spare <= 0) break;
    p.cells++;
    spare--;
  }
  while (spare < 0) {
    const widest = parts.reduce((x, y) => (y.cells > x.cells ? y : x));
    widest.cells--;
    spare++;
  }
  return parts.map((p) => (p.cells ? p.paint(p.glyph.repeat(p.cells)) : "")).join("");
}

const STATUS_COLOR: Record<string, keyof Style> = {
  COMPLETED_SUCCESS: "green",
  COMPLETED_FAILED: "red",
  CANCELED: "yellow",
  CANCELING: "yellow",
  REQUESTED: "cyan",
};

/**
 * A backfill for a terminal: its id, status and title, its runs by state, then one line per
 * asset with a bar and its counts.
 *
 * @example
 * ```ts
 * console.log(formatBackfill(backfill, styleFor(process.stdout), 80));
 * // 4f1c…  COMPLETED_FAILED  Q1
 * //   runs: 90 planned, 89 succeeded, 1 failed
 * //   sales/orders  ██████████████████████████x  89/90 materialized, 1 failed
 * ```
 */
export function formatBackfill(backfill: Backfill, style: Style, columns: number): string {
  const color = style[STATUS_COLOR[backfill.status] ?? "bold"];
  const head = [style.bold(backfill.id), color(backfill.status), backfill.title ?? ""].filter(Boolean).join("  ");
  const c = backfill.chunkCounts;
  const runs = [
    `${backfill.runCount} planned`,
    c.waiting ? `${c.waiting} waiting` : null,
    c.ready ? `${c.ready} ready` : null,
    c.launched ? style.cyan(`${c.launched} launched`) : null,
    c.succeeded ? `${c.succeeded} succeeded` : null,
    c.failed ? style.red(`${c.failed} failed`) : null,
    c.skipped ? style.yellow(`${c.skipped} skipped`) : null,
    c.canceled ? style.yellow(`${c.canceled} canceled`) : null,
  ]
    .filter(Boolean)
    .join(", ");
  const lines = [head, `  runs: ${runs}`];
  const keyWidth = Math.max(...backfill.assetStatuses.map((a) => a.assetKey.length), 0);
  const barWidth = Math.max(10, Math.min(40, columns - keyWidth - 40));
  for (const a of backfill.assetStatuses) {
    const counts = [
      `${a.materialized}/${a.targeted} materialized`,
      a.failed ? style.red(`${a.failed} failed`) : null,
      a.inProgress ? style.cyan(`${a.inProgress} in progress`) : null,
      a.skipped ? style.yellow(`${a.skipped} skipped`) : null,
    ]
      .filter(Boolean)
      .join(", ");
    lines.push(`  ${a.assetKey.padEnd(keyWidth)}  ${progressBar(a, barWidth, style)}  ${counts}`);
  }
  if (backfill.parentBackfillId) lines.push(style.dim(`  retry of ${backfill.parentBackfillId}`));
  return lines.join("\n");
}

/**
 * What `backfill launch --dry-run` prints: the run count, the policy and the first runs.
 *
 * @example
 * ```ts
 * formatBackfillPreview(preview, style);
 * // "3 runs would be created (at most 30 partitions per run):"
 * ```
 */
export function formatBackfillPreview(preview: BackfillPreview, style: Style, shown = 10): string {
  const policy = preview.policy as { kind: string; maxPartitionsPerRun?: number };
  const how =
    policy.kind === "single_run"
      ? "one run per contiguous range"
      : `at most ${policy.maxPartitionsPerRun} partition${policy.maxPartitionsPerRun === 1 ? "" : "s"} per run`;
  const lines = [`${style.bold(String(preview.runCount))} run${preview.runCount === 1 ? "" : "s"} would be created (${how}):`];
  for (const chunk of preview.chunks.slice(0, shown)) {
    const range = chunk.partitionCount === 1 ? chunk.startKey : `${chunk.startKey} .. ${chunk.endKey} (${chunk.partitionCount})`;
    const after = chunk.dependsOn.length ? style.dim(` after #${chunk.dependsOn.join(", #")}`) : "";
    lines.push(`  #${chunk.idx}  ${chunk.assetKeys.join(", ")}  ${range}${after}`);
  }
  if (preview.runCount > shown) lines.push(style.dim(`  … ${preview.runCount - shown} more`));
  for (const t of preview.targeted) lines.push(`  ${t.assetKey}: ${t.targeted} partition${t.targeted === 1 ? "" : "s"}`);
  return lines.join("\n");
}
