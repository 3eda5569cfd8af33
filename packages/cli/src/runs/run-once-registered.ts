import { canonicalJson, type ManifestAsset, manifestSchema } from "@strata/protocol";
import type { CodeLocationDetail, StrataClient } from "@strata/sdk";
import { formatPartitionStatus } from "../output/partition-status.js";
import { describeError } from "../error-report.js";
import { styleFor } from "../output/style.js";
import { automationRunReason, automationRuns, evaluatedOnce, isAutomationRun } from "./automation-runs.js";
import { followRun } from "./follow-run.js";
import { runSummary } from "./run-summary.js";

export interface RunOnceRegisteredOptions {
  client: StrataClient;
  /** The code location's name. */
  name: string;
  /** Printed after the run, where to look next. */
  graphqlUrl: string;
  signal: AbortSignal;
  /** How often the server evaluates automation conditions: bounds the wait for its first tick. */
  automationIntervalMs: number;
  out?: NodeJS.WriteStream;
}

/**
 * `strata dev --run`: once the server has the manifest the location process loaded (the hash
 * it reports over IPC), launches one run of every asset of the location that no automation
 * condition materializes and follows it to the end, then says where to look next. Partitioned
 * assets run apart, one run per partitions definition (all partitions when their backfill
 * policy is a single run, else the latest), and their status bars follow. It happens once per
 * `strata dev`, not on every reload. Assets with a condition are left to the automation loop
 * (a run that also materialized them would leave `eager` nothing to do), whose first tick the
 * launch waits for; every run the loop launches for the location is then followed the same way,
 * one run's lines after another's.
 * The lines are plain (no progress bar): the location process writes to the same terminal.
 * The location's own lines about runs come through `runLog`: those about a followed run say what
 * the followed events say, only sooner (the location logs as it reports; the events reach us
 * after the server), so they are left out, and others wait while the launch is under way.
 *
 * @example
 * ```ts
 * const runner = runOnceRegistered({ client, name: "quickstart", graphqlUrl, signal, automationIntervalMs: 1_000 });
 * superviseDevLocation(config, { onLoaded: runner.loaded, onRunLog: runner.runLog });
 * ```
 */
export function runOnceRegistered(options: RunOnceRegisteredOptions): {
  loaded(hash: string): void;
  runLog(runId: string, line: string): void;
} {
  const { client, name, signal } = options;
  const out = options.out ?? process.stdout;
  const style = styleFor(out);
  let expected: string | null = null;
  let waiting = false;
  let launched = false;
  // The location may log about an automation run before its announcement reaches us: its lines
  // wait for the run's tags (asked once per run), in order, and are left out if it is one.
  const automationRun = new Map<string, Promise<boolean>>();
  let printing: Promise<unknown> = Promise.resolve();
  const printLocationLine = (runId: string, line: string) => {
    if (!automationRun.has(runId)) automationRun.set(runId, isAutomationRun(client, runId));
    printing = printing.then(async () => {
      if (!(await automationRun.get(runId)) && !followed.has(runId)) out.write(line);
    });
  };
  // The location may log about the run before launchRun has answered with its id.
  let held: Array<{ runId: string; line: string }> | null = null;
  /** The runs whose events are printed here: the location's lines about them are left out. */
  const followed = new Set<string>();
  const release = (runId: string | null) => {
    if (runId) followed.add(runId);
    for (const entry of held ?? []) if (!followed.has(entry.runId)) printLocationLine(entry.runId, entry.line);
    held = null;
  };
  // One run's lines at a time: a run launched meanwhile is followed after (its events replay).
  let turn: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const next = turn.then(task);
    turn = next.catch(() => undefined);
    return next;
  };
  const report = (error: unknown) => {
    if (!signal.aborted) process.stderr.write(`strata: --run: ${describeError(error).message}\n`);
  };

  /** Follows a run to the end and prints its summary; false when following stopped early (Ctrl-C). */
  const follow = async (run: Awaited<ReturnType<StrataClient["launchRun"]>>): Promise<boolean> => {
    const outcome = await followRun({ client, run, out, progressLine: false, signal });
    if (outcome.kind === "detached") return false;
    out.write(`${runSummary(outcome.run, style).join("\n")}\n`);
    return true;
  };

  // Subscribed from the start, so a run the loop launches while ours is followed is not missed.
  void (async () => {
    for await (const run of automationRuns(client, name, signal)) {
      followed.add(run.id);
      exclusive(async () => {
        out.write(`\n${style.bold(`Automation launched run ${run.id}`)}: ${await automationRunReason(client, run)}\n`);
        await follow(run);
      }).catch(report);
    }
  })().catch(report);

  /** Polls until the location's current manifest is the one loaded (a reload may replace it meanwhile). */
  const registered = async (): Promise<CodeLocationDetail | null> => {
    for (let delay = 50; !signal.aborted; delay = Math.min(delay * 2, 1_000)) {
      const location = await client.codeLocation(name).catch(() => null);
      if (location?.status === "LOADED" && location.hash === expected) return location;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    return null;
  };

  /** Launches one run and follows it to the end; false when following stopped early (Ctrl-C). */
  const runAndFollow = async (input: Parameters<StrataClient["launchRun"]>[0], what: string): Promise<boolean> => {
    held = [];
    const run = await client.launchRun({ ...input, tags: { "strata/launched-by": "strata dev --run" } }).catch((error: unknown) => {
      release(null);
      throw error;
    });
    release(run.id);
    out.write(`\n${style.bold(`Launched run ${run.id}`)}: ${what}\n`);
    return follow(run);
  };

  const launch = async () => {
    const location = await registered();
    if (!location) return;
    launched = true;
    if (location.assets.length === 0) {
      out.write(style.dim(`--run: code location "${name}" defines no assets, so there is nothing to run.\n`));
      return;
    }
    // Partitioned assets run apart: a run materializes partitions of one definition.
    const manifest = manifestSchema.parse((await client.codeLocation(name, { withManifest: true })).manifest);
    const groups = new Map<string, ManifestAsset[]>();
    for (const asset of manifest.assets) {
      if (asset.partitions) groups.set(canonicalJson(asset.partitions), [...(groups.get(canonicalJson(asset.partitions)) ?? []), asset]);
    }
    // The automation loop evaluates unpartitioned assets' conditions (partitioned ones run here).
    const automated = manifest.assets.filter((a) => !a.partitions && a.automation).map((a) => a.key);
    const plain = manifest.assets.filter((a) => !a.partitions && !a.automation).map((a) => a.key);
    if (automated.length && !(await evaluatedOnce(client, automated, 0, signal))) {
      out.write(
        style.dim(
          `\n--run: waiting for the automation loop to evaluate ${automated.join(", ")} once, so that it sees the run's updates.\n`,
        ),
      );
      // Twice the interval, and a little: a paused location never ticks.
      await evaluatedOnce(client, automated, 2 * options.automationIntervalMs + 1_000, signal);
    }
    if (plain.length) {
      const what = `${groups.size ? "every unpartitioned asset" : "every asset"} of "${name}"${automated.length ? " without an automation condition" : ""} (${plain.length})`;
      if (!(await runAndFollow({ assetKeys: plain }, what))) return;
    }
    for (const assets of groups.values()) {
      if (!(await runPartitioned(assets))) return;
    }
    const automation = automated.length
      ? `  The automation loop runs ${automated.join(", ")} when ${automated.length === 1 ? "its" : "their"} inputs update; its runs follow here.\n`
      : "";
    out.write(
      `\n  Explore the run and the catalog in GraphiQL: ${style.cyan(options.graphqlUrl)}\n${automation}  The server keeps running; Ctrl-C stops it.\n\n`,
    );
  };

  /**
   * Assets sharing a partitions definition: all their partitions in one run when every one of
   * them runs a backfill as a single run, else their latest partition; then their status bars.
   */
  const runPartitioned = async (assets: ManifestAsset[]): Promise<boolean> => {
    const keys = assets.map((a) => a.key);
    const { status } = await client.partitionStatus(keys[0]!);
    const first = status?.ranges[0]?.startKey;
    const last = status?.ranges.at(-1)?.endKey;
    if (!first || !last) {
      out.write(
        style.dim(`\n--run: ${keys.join(", ")} ${keys.length === 1 ? "has" : "have"} no partitions yet, so there is nothing to run.\n`),
      );
      return true;
    }
    const whole = assets.every((a) => a.backfillPolicy?.kind === "single_run") && first !== last;
    const input = whole ? { assetKeys: keys, partitionRange: { from: first, to: last } } : { assetKeys: keys, partition: last };
    const what = `${keys.join(", ")}, ${whole ? `partitions ${first}..${last}` : `partition ${last}`}`;
    if (!(await runAndFollow(input, what))) return false;
    for (const key of keys) out.write(`\n${formatPartitionStatus(await client.partitionStatus(key), style, out.columns ?? 80)}\n`);
    return true;
  };

  return {
    loaded(hash) {
      if (launched) return;
      expected = hash;
      if (waiting) return;
      waiting = true;
      exclusive(launch)
        .catch(report)
        .finally(() => (waiting = false));
    },
    runLog(runId, line) {
      if (held) held.push({ runId, line });
      else if (!followed.has(runId)) printLocationLine(runId, line);
    },
  };
}
