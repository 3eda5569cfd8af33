import { Command } from "commander";
import { CliError } from "../cli-error.js";
import { action, printJson } from "../command.js";
import { relativeTime } from "../output/relative-time.js";
import { styleFor } from "../output/style.js";
import { formatTable } from "../output/table.js";
import { connect, withServerOptions, type ServerOptions } from "../server-target.js";

/**
 * `strata automation list|start|stop`: each code location's condition automation and schedules,
 * and starting or stopping a schedule.
 *
 * @example
 * ```ts
 * for (const command of scheduleCommands()) automation.addCommand(command);
 * ```
 */
export function scheduleCommands(): Command[] {
  const list = withServerOptions(new Command("list"))
    .summary("each code location's automation and schedules")
    .description(
      "Per code location: whether its automation conditions tick (and when next), and its schedules with status, cron, next tick and last tick.",
    )
    .option("--location <name>", "only this code location")
    .option("--json", "print JSON for scripts");
  action(list, (options: ServerOptions & { location?: string; json?: boolean }) => listAutomation(options));
  const set = (start: boolean) => {
    const command = withServerOptions(new Command(start ? "start" : "stop"))
      .summary(start ? "start a schedule (from now: missed instants are not launched)" : "stop a schedule")
      .argument("<schedule>", "the schedule's name")
      .option("--location <name>", "its code location (needed when several locations have a schedule of that name)");
    action(command, (name: string, options: ServerOptions & { location?: string }) => setStatus(name, start, options));
    return command;
  };
  return [list, set(true), set(false)];
}

async function listAutomation(options: ServerOptions & { location?: string; json?: boolean }): Promise<number> {
  const locations = await connect(options).automationOverview({ location: options.location, ticks: 1 });
  if (options.json) return printJson(locations);
  const style = styleFor(process.stdout);
  if (locations.length === 0) {
    console.log(options.location ? `No code location "${options.location}".` : "No code locations.");
    return 0;
  }
  for (const [i, l] of locations.entries()) {
    if (i > 0) console.log("");
    const conditions = l.paused
      ? style.yellow("paused")
      : `running${l.nextTickAt ? `, next tick ${new Date(l.nextTickAt).toISOString()}` : ""}`;
    console.log(`${style.bold(l.location)}: conditions ${conditions}`);
    if (l.schedules.length === 0) {
      console.log("  No schedules.");
      continue;
    }
    const rows = l.schedules.map((s) => {
      const last = s.ticks.items[0];
      return [
        s.name,
        s.status === "RUNNING" ? style.green(s.status) : style.dim(s.status),
        `${s.cron} (${s.timezone})`,
        s.targetAssetKeys.join(", "),
        s.nextTickAt ? new Date(s.nextTickAt).toISOString() : "-",
        last ? `${last.status} ${relativeTime(last.startedAt)}` : "-",
      ];
    });
    console.log(formatTable(["SCHEDULE", "STATUS", "CRON", "TARGET", "NEXT TICK", "LAST TICK"], rows));
  }
  return 0;
}

async function setStatus(name: string, start: boolean, options: ServerOptions & { location?: string }): Promise<number> {
  const client = connect(options);
  let location = options.location;
  if (location === undefined) {
    const matches = (await client.schedules({ ticks: 1 })).filter((s) => s.name === name);
    if (matches.length === 0) throw new CliError(`No schedule "${name}" in any code location`, 1);
    if (matches.length > 1)
      throw new CliError(`Schedules named "${name}" exist in ${matches.map((s) => s.location).join(", ")}: pass --location`, 2);
    location = matches[0]!.location;
  }
  const schedule = start ? await client.startSchedule(location, name) : await client.stopSchedule(location, name);
  const next = schedule.nextTickAt ? `; next tick ${new Date(schedule.nextTickAt).toISOString()}` : "";
  console.log(`Schedule "${schedule.name}" of code location "${schedule.location}" is ${schedule.status.toLowerCase()}${next}`);
  return 0;
}
