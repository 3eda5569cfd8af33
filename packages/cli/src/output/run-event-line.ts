import type { MetadataEntry } from "@strata/protocol";
import type { RunEvent } from "@strata/sdk";
import { formatDuration } from "./progress.js";
import type { Style } from "./style.js";

/** How to lay out event lines: the width of the step column, and the time shown first. */
export interface EventLineLayout {
  style: Style;
  /** The longest step key of the run, so the lines' texts start in one column. */
  stepWidth: number;
  /** The first column: time since the run started (following it) or time of day (its log). */
  time(event: RunEvent): string;
}

/**
 * One run event as one line a person reads: time, a symbol, the step, what happened.
 * Failures show the user's own exception (the `cause` of a `UserCodeError`), materializations
 * their metadata (paths left out: `strata assets show` has them), retries their delay.
 *
 * @example
 * ```ts
 * runEventLine(event, { style, stepWidth: 12, time: (e) => e.timestamp.slice(11, 23) });
 * // "22:53:46.484  ✓ raw/orders    succeeded in 15ms"
 * ```
 */
export function runEventLine(event: RunEvent, layout: EventLineLayout): string {
  const { style } = layout;
  const [symbol, text] = describeEvent(event, style);
  const subject = event.stepKey ?? style.dim("run");
  const pad = " ".repeat(Math.max(0, layout.stepWidth - (event.stepKey ?? "run").length));
  return `${style.dim(layout.time(event))}  ${symbol} ${subject}${pad}  ${text}`;
}

function describeEvent(event: RunEvent, style: Style): [symbol: string, text: string] {
  switch (event.type) {
    case "RUN_START": {
      const steps = event.payload.stepKeys.length;
      const reused = event.payload.reusedOutputs.length;
      const reusing = reused ? `, reusing ${reused} output${reused === 1 ? "" : "s"} of earlier runs` : "";
      return [style.cyan("●"), `started: ${steps} step${steps === 1 ? "" : "s"}${reusing}`];
    }
    case "STEP_START":
      return [style.cyan("▶"), "started"];
    case "STEP_RESTARTED":
      return [style.cyan("▶"), `restarted (retry ${event.payload.retryNumber})`];
    case "STEP_OUTPUT":
      return [style.dim("→"), style.dim(`output ${event.payload.outputName}${event.payload.stored ? "" : " (not stored)"}`)];
    case "ASSET_MATERIALIZATION": {
      // A multi-asset's or graph's step names the asset; an asset's own step is the asset.
      const key = event.payload.assetKey;
      const partition = event.payload.partition === null ? "" : ` [${event.payload.partition}]`;
      return [
        style.green("◆"),
        `materialized${key === event.stepKey ? "" : ` ${style.bold(key)}`}${partition}${metadataText(event.payload.metadata)}`,
      ];
    }
    case "STEP_SUCCESS":
      return [style.green("✓"), `succeeded in ${formatDuration(event.payload.durationMs)}`];
    case "STEP_UP_FOR_RETRY": {
      const { retryNumber, delayMs, error } = event.payload;
      return [style.yellow("↻"), style.yellow(`failed, retry ${retryNumber} in ${formatDuration(delayMs)}: ${errorText(error)}`)];
    }
    case "STEP_FAILURE":
      return [style.red("✗"), style.red(`failed: ${event.payload.description || errorText(event.payload.error)}`)];
    case "STEP_CANCELED":
      return [style.yellow("⊘"), style.yellow("interrupted: the run was canceled")];
    case "STEP_SKIPPED": {
      const { reason, blockedBy } = event.payload;
      const why =
        reason === "blocked_by_check"
          ? `blocked by check ${blockedBy.join(", ")}`
          : reason === "output_not_produced"
            ? "an input it needs was not produced"
            : "upstream failed";
      return [style.yellow("⊘"), `skipped: ${why}`];
    }
    case "ASSET_CHECK_EVALUATION": {
      const { checkName, assetKey, passed, severity, executionFailed, description, partition } = event.payload;
      const on = `${assetKey === event.stepKey ? "" : `${style.bold(assetKey)} `}${partition === null ? "" : `[${partition}] `}`;
      const detail = description ? `: ${description}` : "";
      if (passed) return [style.green("✓"), `check ${on}${checkName} passed${detail}`];
      if (executionFailed) return [style.red("✗"), style.red(`check ${on}${checkName} could not run${detail}`)];
      const paint = severity === "WARN" ? style.yellow : style.red;
      return [paint(severity === "WARN" ? "!" : "✗"), paint(`check ${on}${checkName} failed (${severity})${detail}`)];
    }
    case "LOG": {
      const level = event.level.toUpperCase();
      const text = event.message ?? "";
      if (level === "ERROR" || level === "CRITICAL") return [style.red("·"), style.red(text)];
      if (level === "WARN" || level === "WARNING") return [style.yellow("·"), style.yellow(text)];
      if (level === "DEBUG") return [style.dim("·"), style.dim(text)];
      return ["·", text];
    }
    case "RUN_SUCCESS":
      return [style.green("✓"), style.green(`succeeded in ${formatDuration(event.payload.durationMs)}`)];
    case "RUN_FAILURE": {
      const { failedSteps: failed, failedChecks } = event.payload;
      const why = failedChecks.length
        ? `: blocking check ${failedChecks.join(", ")} failed`
        : failed.length
          ? `: ${failed.join(", ")} failed`
          : event.message
            ? `: ${event.message}`
            : "";
      return [style.red("✗"), style.red(`failed in ${formatDuration(event.payload.durationMs)}${why}`)];
    }
    case "RUN_CANCELED":
      return [style.yellow("⊘"), style.yellow(`canceled${event.message ? `: ${event.message}` : ""}`)];
  }
}

/**
 * The error a failure carries, as "Name: message": the user's exception when Strata wrapped it.
 *
 * @example
 * ```ts
 * errorText({ name: "UserCodeError", message: 'Error in asset "a": boom', cause: { name: "Error", message: "boom" } }); // "Error: boom"
 * ```
 */
export function errorText(error: unknown): string {
  if (!error || typeof error !== "object") return "unknown error";
  const e = error as { name?: unknown; message?: unknown; cause?: unknown };
  if (e.name === "UserCodeError" && e.cause && typeof e.cause === "object") return errorText(e.cause);
  const message = String(e.message ?? "").split("\n")[0] ?? "";
  return e.name ? `${String(e.name)}: ${message}` : message;
}

function metadataText(metadata: Record<string, MetadataEntry>): string {
  const entries = Object.entries(metadata)
    .filter(([, entry]) => entry.type !== "path")
    .map(([label, entry]) => `${label}=${typeof entry.value === "string" ? entry.value : JSON.stringify(entry.value)}`);
  const text = entries.join(" ");
  return text ? `  ${text.length > 80 ? `${text.slice(0, 79)}…` : text}` : "";
}
