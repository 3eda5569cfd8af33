import type { AutomationTick, AutomationTickStatus } from "@strata/sdk";
import { Command } from "commander";
import { CliError } from "../cli-error.js";
import { action, parseCount, printJson } from "../command.js";
import { conditionRows } from "../output/condition-tree.js";
import { relativeTime } from "../output/relative-time.js";
import { styleFor, type Style } from "../output/style.js";
import { formatTable } from "../output/table.js";
import { connect, withServerOptions, type ServerOptions, serverCommand } from "../server-target.js";
import { scheduleCommands } from "./automation-schedules.js";

const TICK_STATUSES: readonly AutomationTickStatus[] = ["STARTED", "SKIPPED", "SUCCESS", "FAILURE"];

/**
 * `strata automation ticks|why|pause|resume|list|start|stop|cursor`: the server's declarative
 * automation, tick by tick, why an asset did (not) run, and schedules.
 *
 * @example
 * ```ts
 * await automationCommand().parseAsync(["why", "b"], { from: "user" });
 * ```
 */
export function automationCommand(): Command {
  const automation = new Command("automation").description(
    "Declarative automation and schedules: the server evaluates assets' conditions every tick and launches what they request, and launches each running schedule's runs at its cron's instants.",
  );
  const ticks = serverCommand(
    "ticks",
    "recent automation ticks",
    "Automation ticks, newest first: status, how many assets were requested, the runs created, or why a tick failed.",
  )
    .option("--location <name>", "only this code location's")
    .option("--status <status>", `only ticks with this status (${TICK_STATUSES.join(", ").toLowerCase()})`)
    .option("--first <n>", "how many (1-500; default 20)")
    .option("--json", "print JSON for scripts");
  action(ticks, (options: ServerOptions & { location?: string; status?: string; first?: string; json?: boolean }) => listTicks(options));
  const why = serverCommand("why", "why an asset did (not) run: its last evaluation tree", [
    "The last evaluation of <asset>'s automation condition: whether the tick requested it, and",
    "every node of the condition, indented under its parent, with the number of subjects (the",
    "asset, its dependencies or its checks) it was true for out of those it was evaluated for.",
  ])
    .argument("<asset>", "an asset's key, e.g. sales/orders")
    .option("--json", "print JSON for scripts");
  action(why, (asset: string, options: ServerOptions & { json?: boolean }) => explain(asset, options));
  const pause = (paused: boolean) => {
    const command = withServerOptions(new Command(paused ? "pause" : "resume"))
      .summary(paused ? "stop a code location's automation ticks" : "start a code location's automation ticks again")
      .argument("<location>", "a code location's name");
    action(command, (location: string, options: ServerOptions) => setPaused(location, paused, options));
    return command;
  };
  const dryRun = serverCommand("dry-run", "what a location's next tick would request, and why; nothing is launched", [
    "Evaluates <location>'s automation conditions now, as its next tick would (paused or not),",
    "and writes nothing: the assets it would request, the run it would launch, and each",
    "asset's condition tree with its counts.",
  ])
    .argument("<location>", "a code location's name")
    .option("--all", "print the tree of every automated asset, not only the requested ones")
    .option("--json", "print JSON for scripts");
  action(dryRun, (location: string, options: ServerOptions & { all?: boolean; json?: boolean }) => dryRunTick(location, options));
  automation.addCommand(ticks).addCommand(why).addCommand(dryRun).addCommand(pause(true)).addCommand(pause(false));
  for (const command of scheduleCommands()) automation.addCommand(command);
  return automation;
}

async function listTicks(options: ServerOptions & { location?: string; status?: string; first?: string; json?: boolean }): Promise<number> {
  const status = options.status?.toUpperCase() as AutomationTickStatus | undefined;
  if (status !== undefined && !TICK_STATUSES.includes(status))
    throw new CliError(`--status must be one of ${TICK_STATUSES.join(", ").toLowerCase()}, not "${options.status}"`, 2);
  const first = parseCount("--first", options.first, { min: 1, max: 500 }) ?? 20;
  const page = await connect(options).automationTicks({ location: options.location, status: status && [status], first });
  if (options.json) return printJson(page);
  const style = styleFor(process.stdout);
  if (page.items.length === 0) {
    console.log("No automation ticks.");
    return 0;
  }
  const rows = page.items.map((tick) => [
    tick.id,
    tick.location.name,
    tick.sensorName ? `sensor ${tick.sensorName}` : tick.scheduleName ? `schedule ${tick.scheduleName}` : "conditions",
    statusText(tick, style),
    relativeTime(tick.startedAt),
    String(tick.requested),
    tick.status === "FAILURE"
      ? style.red(errorMessage(tick.error))
      : tick.status === "SKIPPED" && tick.skipReason
        ? style.dim(tick.skipReason)
        : tick.runIds.join(", "),
  ]);
  console.log(formatTable(["TICK", "LOCATION", "BY", "STATUS", "WHEN", "REQUESTED", "RUNS"], rows));
  return 0;
}

function statusText(tick: AutomationTick, style: Style): string {
  return tick.status === "SUCCESS" ? style.green(tick.status) : tick.status === "FAILURE" ? style.red(tick.status) : style.dim(tick.status);
}

function errorMessage(error: unknown): string {
  return typeof error === "object" && error !== null && "message" in error ? String(error.message) : "failed";
}

async function explain(asset: string, options: ServerOptions & { json?: boolean }): Promise<number> {
  const automation = await connect(options).assetAutomation(asset, { first: 1 });
  if (options.json) return printJson(automation);
  const style = styleFor(process.stdout);
  if (!automation.condition) {
    console.log(`${asset} has no automation condition: it runs only when launched.`);
    return 0;
  }
  const next = automation.nextTickAt ? `next tick ${new Date(automation.nextTickAt).toISOString()}` : "paused or not ticked yet";
  console.log(`${style.bold(asset)}: ${automation.condition.label ?? "condition"} (${next})`);
  const [latest] = automation.evaluations.items;
  if (!latest) {
    console.log("Not evaluated yet.");
    return 0;
  }
  const outcome = latest.requested
    ? style.green(`requested${latest.runIds.length ? ` → run ${latest.runIds.join(", ")}` : ""}`)
    : style.dim("not requested");
  const partition = latest.partitionKey === null ? "" : ` for partition ${latest.partitionKey}`;
  console.log(`Tick ${latest.tick.id} (${latest.tick.status}, ${relativeTime(latest.tick.startedAt)})${partition}: ${outcome}`);
  console.log("");
  console.log(formatTable(["CONDITION", "TRUE", "OF"], conditionRows(latest.nodes)));
  return 0;
}

async function dryRunTick(location: string, options: ServerOptions & { all?: boolean; json?: boolean }): Promise<number> {
  const dry = await connect(options).automationDryRun(location);
  if (options.json) return printJson(dry);
  const style = styleFor(process.stdout);
  const runOf = (run: (typeof dry.runs)[number]) =>
    `${run.assetKeys.join(", ")}${run.partitionKey === null ? "" : ` (partition ${run.partitionKey})`}`;
  console.log(
    dry.runs.length === 0
      ? `${style.bold(location)}: the next tick would request nothing`
      : dry.runs.length === 1
        ? `${style.bold(location)}: the next tick would launch one run of ${runOf(dry.runs[0]!)}`
        : `${style.bold(location)}: the next tick would launch ${dry.runs.length} runs:\n${dry.runs.map((r) => `  ${runOf(r)}`).join("\n")}`,
  );
  for (const evaluation of dry.evaluations) {
    if (!evaluation.requested && !options.all) continue;
    console.log("");
    const partition = evaluation.partitionKey === null ? "" : ` [${evaluation.partitionKey}]`;
    console.log(
      `${style.bold(evaluation.assetKey)}${partition}: ${evaluation.requested ? style.green("requested") : style.dim("not requested")}`,
    );
    console.log(formatTable(["CONDITION", "TRUE", "OF"], conditionRows(evaluation.nodes)));
  }
  if (!options.all && dry.evaluations.some((e) => !e.requested)) console.log(style.dim("\n(--all prints the assets not requested too)"));
  return 0;
}

async function setPaused(location: string, paused: boolean, options: ServerOptions): Promise<number> {
  const state = await connect(options).setAutomationPaused(location, paused);
  const next = state.nextTickAt ? `; next tick ${new Date(state.nextTickAt).toISOString()}` : "";
  console.log(`Automation of code location "${state.location}" is ${state.paused ? "paused" : "running"}${next}`);
  return 0;
}
