import { AUTOMATION_TICK_TAG } from "@strata/protocol";
import type { Run, StrataClient } from "@strata/sdk";

/**
 * The runs the server's automation loop launches for one code location, each once, as they are
 * created: `runStatusChanged` announces a run when it is queued, and the tick's tag says who
 * launched it. Ends when `signal` aborts.
 *
 * @example
 * ```ts
 * for await (const run of automationRuns(client, "quickstart", signal)) console.log(run.id);
 * ```
 */
export async function* automationRuns(client: StrataClient, location: string, signal: AbortSignal): AsyncGenerator<Run> {
  const seen = new Set<string>();
  for await (const { run } of client.runStatusChanged({ signal })) {
    const tags = (run.tags ?? {}) as Record<string, string>;
    if (run.location.name !== location || !(AUTOMATION_TICK_TAG in tags) || seen.has(run.id)) continue;
    seen.add(run.id);
    yield run;
  }
}

/**
 * Whether a run was launched by the automation loop (false when it cannot be read).
 *
 * @example
 * ```ts
 * if (!(await isAutomationRun(client, runId))) out.write(line);
 * ```
 */
export async function isAutomationRun(client: StrataClient, runId: string): Promise<boolean> {
  const run = await client.run(runId).catch(() => null);
  return run !== null && AUTOMATION_TICK_TAG in ((run.tags ?? {}) as Record<string, string>);
}

/**
 * What an automation run materializes and why: each asset with its condition's name,
 * "board_report (condition eager)"; an asset with none came along with one that has (a
 * multi-asset's sibling).
 *
 * @example
 * ```ts
 * out.write(`Automation launched run ${run.id}: ${await automationRunReason(client, run)}\n`);
 * ```
 */
export async function automationRunReason(client: StrataClient, run: Pick<Run, "assetKeys">): Promise<string> {
  const described = await Promise.all(
    run.assetKeys.map(async (key) => {
      const { condition } = await client.assetAutomation(key, { first: 1 }).catch(() => ({ condition: null }));
      const name = condition?.label ?? (condition?.tree as { op?: string } | undefined)?.op;
      return name ? `${key} (condition ${name})` : key;
    }),
  );
  return described.join(", ");
}

/**
 * Waits until the automation loop has evaluated each of `keys` once. Its first evaluation
 * counts nothing as updated (there is no previous tick to compare with), so a run that updates
 * their dependencies before it would go unseen. Gives up after
 * `timeoutMs` (a paused location never ticks); true when every key was evaluated.
 *
 * @example
 * ```ts
 * if (await evaluatedOnce(client, ["board_report"], 3_000, signal)) await client.launchRun({ assetKeys: ["daily_revenue"] });
 * ```
 */
export async function evaluatedOnce(
  client: StrataClient,
  keys: readonly string[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; !signal.aborted; delay = Math.min(delay * 2, 500)) {
    const pages = await Promise.all(keys.map((key) => client.assetAutomation(key, { first: 1 })));
    if (pages.every((p) => p.evaluations.items.length > 0)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  return false;
}
