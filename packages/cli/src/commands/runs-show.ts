import type { RunDetail, RunEvent, StrataClient } from "@strata/sdk";
import type { Command } from "commander";
import { action, printJson } from "../command.js";
import { clockTime } from "../output/clock-time.js";
import { formatDuration } from "../output/progress.js";
import { relativeTime } from "../output/relative-time.js";
import { errorText, runEventLine } from "../output/run-event-line.js";
import { styledStatus } from "../output/run-status.js";
import { styleFor, type Style } from "../output/style.js";
import { formatTable } from "../output/table.js";
import { connect, type ServerOptions, serverCommand } from "../server-target.js";
import { formatTags } from "../tag-option.js";

/** Events `runs show` prints without `--events`. */
const TAIL = 10;
/** Events per request when reading a whole log. */
const PAGE = 5_000;

/**
 * `strata runs show <runId>`: a run's status, timings, re-execution family, steps (with
 * attempts and errors, and the user's stack for a failed step) and its last events, or its
 * whole log with `--events`.
 *
 * @example
 * ```ts
 * await showCommand().parseAsync([runId, "--events"], { from: "user" });
 * ```
 */
export function showCommand(): Command {
  const show = serverCommand("show", "one run: status, timings, steps, its last events", [
    "One run: status, timings, parent and root runs, steps with attempts and errors, and its",
    `last ${TAIL} events (--events: all of them). --json prints the run with those events.`,
  ])
    .argument("<runId>", "the run")
    .option("--events", "every event of the run, not only the last ones")
    .option("--json", "print JSON for scripts");
  return action(show, async (runId: string, options: ServerOptions & { events?: boolean; json?: boolean }) => {
    const client = connect(options);
    const run = await client.run(runId);
    const events = options.events
      ? await wholeLog(client, run.id)
      : await client.runLog(run.id, { after: Math.max(0, run.lastEventSeq - TAIL) });
    if (options.json) return printJson({ ...run, events });
    console.log(formatRun(run, events, Boolean(options.events), styleFor(process.stdout)));
    return 0;
  });
}

async function wholeLog(client: StrataClient, runId: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for (;;) {
    const page = await client.runLog(runId, { after: events.at(-1)?.seq ?? 0, first: PAGE });
    events.push(...page);
    if (page.length < PAGE) return events;
  }
}

function formatRun(run: RunDetail, events: RunEvent[], all: boolean, style: Style): string {
  const field = (label: string, value: string) => `  ${style.dim(label.padEnd(12))}${value}`;
  const when = (iso: string | null) => (iso ? `${iso} (${relativeTime(iso)})` : style.dim("not yet"));
  const lines = [`${style.bold(`Run ${run.id}`)}  ${styledStatus(run.status, style)}`, ""];
  lines.push(field("location", run.location.name));
  lines.push(field("assets", `${run.assetKeys.join(", ")} (${run.assetKeys.length})`));
  if (formatTags(run.tags)) lines.push(field("tags", formatTags(run.tags)));
  lines.push(field("created", `${when(run.createdAt)}${run.createdBy ? ` by ${run.createdBy}` : ""}`));
  lines.push(field("started", when(run.startedAt)));
  if (run.endedAt) lines.push(field("ended", when(run.endedAt)));
  if (run.durationMs !== null) lines.push(field("duration", `${formatDuration(run.durationMs)}${run.endedAt ? "" : " so far"}`));
  if (run.workerId) lines.push(field("worker", run.workerId));
  if (run.parentRunId) lines.push(field("parent", `${run.parentRunId} (re-executed ${run.reexecutionStrategy ?? ""})`));
  if (run.rootRunId && run.rootRunId !== run.parentRunId) lines.push(field("root", run.rootRunId));
  for (const child of run.childRuns) lines.push(field("re-executed", `as ${child.id} ${styledStatus(child.status, style)}`));
  if (run.failureReason) lines.push(field("failure", style.red(run.failureReason)));

  lines.push("", `  ${style.bold("Steps")}`);
  const byKey = new Map(run.steps.map((s) => [s.stepKey, s]));
  const rows = run.stepKeys.map((key) => {
    const step = byKey.get(key);
    const took = step?.startedAt && step.endedAt ? formatDuration(Date.parse(step.endedAt) - Date.parse(step.startedAt)) : "";
    return [
      key,
      step ? styledStatus(step.status, style) : style.dim("PENDING"),
      String(step?.attempts ?? 0),
      step?.startedAt ? clockTime(step.startedAt) : "",
      took,
      step?.error ? style.red(errorText(step.error)) : "",
    ];
  });
  lines.push(indent(formatTable(["STEP", "STATUS", "ATTEMPTS", "STARTED", "DURATION", "ERROR"], rows)));
  for (const step of run.steps.filter((s) => s.status === "FAILURE" && s.error)) {
    const frames = userFrames(step.error);
    if (frames.length)
      lines.push("", `  ${style.bold(step.stepKey)}: ${style.red(errorText(step.error))}`, ...frames.map((f) => style.dim(`      ${f}`)));
  }

  const stepWidth = Math.max(3, ...run.stepKeys.map((k) => k.length));
  const heading =
    all || events.length >= run.lastEventSeq
      ? `Events (${run.lastEventSeq})`
      : `Last ${events.length} of ${run.lastEventSeq} events (--events for all)`;
  lines.push("", `  ${style.bold(heading)}`);
  if (events.length === 0) lines.push(style.dim("  none yet"));
  for (const event of events) lines.push(`  ${runEventLine(event, { style, stepWidth, time: (e) => clockTime(e.timestamp) })}`);
  return lines.join("\n");
}

/**
 * The stack frames of the user's exception (the cause Strata wrapped): without Node's
 * internals, installed packages, and the executor's own frames, which are those in the
 * directory of `callUserCode` (Strata's one boundary into user code) wherever it is installed.
 */
function userFrames(error: unknown, max = 6): string[] {
  let e = error as { name?: unknown; stack?: unknown; cause?: unknown } | null;
  while (e?.name === "UserCodeError" && e.cause) e = e.cause as typeof e;
  if (!e || typeof e.stack !== "string") return [];
  const frames = e.stack
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("at "));
  const boundary = frames.find((line) => line.includes("callUserCode"))?.match(/\(?((?:file:\/\/)?\/.*\/)[^/]+:\d+:\d+\)?$/)?.[1];
  return frames.filter((line) => !/node:|node_modules/.test(line) && !(boundary && line.includes(boundary))).slice(0, max);
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
