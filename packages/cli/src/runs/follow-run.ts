import { terminalStatusOf } from "@strata/protocol";
import type { Run, RunDetail, RunEvent, RunStatus, StrataClient } from "@strata/sdk";
import { LiveLine } from "../output/live-line.js";
import { formatDuration } from "../output/progress.js";
import { runEventLine } from "../output/run-event-line.js";
import { styleFor, type Style } from "../output/style.js";
import { RunTally } from "./run-tally.js";

/** How long a run may wait for a worker before the user is told it is waiting. */
const UNCLAIMED_HINT_MS = 5_000;

export interface FollowOptions {
  client: StrataClient;
  run: Pick<Run, "id" | "stepKeys" | "location">;
  /** Where the event lines go. */
  out: NodeJS.WriteStream;
  /** Draw a progress line under the events when `out` is a terminal (default true). */
  progressLine?: boolean;
  /** Aborting stops following (the run goes on). */
  signal?: AbortSignal;
}

/** How following ended: the run ended, or the user stopped waiting first. */
export type FollowOutcome = { kind: "ended"; run: RunDetail } | { kind: "detached"; status: RunStatus | null };

/**
 * Follows a run live through `runEvents`: one line per step start, success, failure, retry,
 * skip, materialization and log message, and on a terminal a progress bar under them
 * (steps done, what is running, time). The subscription replays what happened before it
 * connected, so following a run that has already ended prints its whole story. A run still
 * waiting for a worker after a few seconds gets a line saying so. Resolves when the run's last
 * event arrives, with the run as the server has it then.
 *
 * @example
 * ```ts
 * const outcome = await followRun({ client, run, out: process.stdout, signal });
 * if (outcome.kind === "ended") process.exitCode = outcome.run.status === "SUCCESS" ? 0 : 1;
 * ```
 */
export async function followRun(options: FollowOptions): Promise<FollowOutcome> {
  const { client, run, out, signal } = options;
  const style = styleFor(out);
  const tally = new RunTally(run.stepKeys);
  const live = new LiveLine(out, (options.progressLine ?? true) && Boolean(out.isTTY));
  const stepWidth = Math.max(3, ...run.stepKeys.map((k) => k.length));
  const followedAt = Date.now();
  const since = () => tally.startedAt ?? followedAt;
  const layout = { style, stepWidth, time: (e: RunEvent) => formatElapsed(Date.parse(e.timestamp) - since()).padStart(7) };

  let events = 0;
  let warnedOffline = false;
  const unclaimed = setTimeout(() => {
    if (events > 0) return;
    void client.run(run.id).then(
      (current) => {
        if (events === 0 && (current.status === "QUEUED" || current.status === "STARTING")) {
          live.print(
            style.yellow(
              `  … still ${current.status}: waiting for a worker of code location "${run.location.name}" (is \`strata dev\` or \`strata location serve\` running?)`,
            ),
          );
        }
      },
      () => undefined,
    );
  }, UNCLAIMED_HINT_MS);
  const ticker = live.enabled ? setInterval(() => live.status(progressText(tally, Date.now() - since(), style)), 250) : undefined;

  const subscription = client.runEvents(run.id, {
    ...(signal && { signal }),
    onStatus: (status) => {
      if (status.state === "reconnecting" && !warnedOffline) {
        warnedOffline = true;
        live.print(style.yellow(`  lost the connection to the server (${status.error.message}); reconnecting`));
      } else if (status.state === "connected") warnedOffline = false;
    },
  });
  try {
    for await (const event of subscription) {
      events++;
      tally.add(event);
      if (shown(event)) live.print(runEventLine(event, layout));
      live.status(progressText(tally, Date.now() - since(), style));
    }
  } finally {
    clearTimeout(unclaimed);
    clearInterval(ticker);
    live.clear();
  }
  if (signal?.aborted) {
    const status = await client.run(run.id).then(
      (current) => current.status,
      () => null,
    );
    return { kind: "detached", status };
  }
  return { kind: "ended", run: await client.run(run.id) };
}

/**
 * Lines worth a person's attention while a run goes: not the terminal event (the summary
 * replaces it), nor an asset's output (its materialization line follows at once).
 */
function shown(event: RunEvent): boolean {
  return !terminalStatusOf(event.type) && !(event.type === "STEP_OUTPUT" && event.assetKey);
}

/** "[■■■■□□□□] 3/6 steps · running clean_orders · 1.2s" */
function progressText(tally: RunTally, elapsedMs: number, style: Style): string {
  const width = 20;
  const filled = tally.total ? Math.round((tally.done / tally.total) * width) : 0;
  const bar = `${style.green("■".repeat(filled))}${style.dim("□".repeat(width - filled))}`;
  const running = tally.stepsIn("running");
  const failed = tally.count("failed");
  const parts = [`${tally.done}/${tally.total} steps`];
  if (failed) parts.push(style.red(`${failed} failed`));
  if (running.length) parts.push(`running ${running.join(", ")}`);
  parts.push(formatElapsed(Math.max(0, elapsedMs)));
  return `  ${bar} ${parts.join(style.dim(" · "))}`;
}

/** "0.05s", "12.30s", "2m 05s": time since the run started. */
function formatElapsed(ms: number): string {
  return ms < 60_000 ? `${(Math.max(0, ms) / 1_000).toFixed(2)}s` : formatDuration(ms);
}
