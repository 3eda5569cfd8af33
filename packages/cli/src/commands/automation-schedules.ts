import { Command } from "commander";
import { CliError } from "../cli-error.js";
import { action, printJson } from "../command.js";
import { relativeTime } from "../output/relative-time.js";
import { styleFor } from "../output/style.js";
import { formatTable } from "../output/table.js";
import { connect, withServerOptions, type ServerOptions, serverCommand } from "../server-target.js";

/**
 * `strata automation list|start|stop|cursor`: each code location's condition automation,
 * schedules and sensors; starting or stopping a schedule or sensor; setting a sensor's cursor.
 *
 * @example
 * ```ts
 * for (const command of scheduleCommands()) automation.addCommand(command);
 * ```
 */
export function scheduleCommands(): Command[] {
  const list = serverCommand(
    "list",
    "each code location's automation, schedules and sensors",
    "Per code location: whether its automation conditions tick (and when next), its schedules with status, cron, whether a function evaluates them, next tick and last tick, and its sensors with status, interval, cursor and last tick.",
  )
    .option("--location <name>", "only this code location")
    .option("--json", "print JSON for scripts");
  action(list, (options: ServerOptions & { location?: string; json?: boolean }) => listAutomation(options));
  const set = (start: boolean) => {
    const command = withServerOptions(new Command(start ? "start" : "stop"))
      .summary(start ? "start a schedule (from now: missed instants are not launched) or a sensor" : "stop a schedule or a sensor")
      .argument("<name>", "the schedule's or sensor's name")
      .option("--location <name>", "its code location (needed when several locations have one of that name)");
    action(command, (name: string, options: ServerOptions & { location?: string }) => setStatus(name, start, options));
    return command;
  };
  const cursor = withServerOptions(new Command("cursor"))
    .summary("set a sensor's cursor (what its next tick gets as ctx.cursor)")
    .argument("<sensor>", "the sensor's name")
    .argument("[cursor]", "the new cursor")
    .option("--clear", "clear the cursor: the next tick starts from scratch")
    .option("--location <name>", "its code location (needed when several locations have a sensor of that name)");
  action(cursor, (name: string, value: string | undefined, options: ServerOptions & { location?: string; clear?: boolean }) =>
    setCursor(name, value, options),
  );
  return [list, set(true), set(false), cursor];
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
    if (l.sensors.length) {
      const sensorRows = l.sensors.map((s) => {
        const last = s.ticks.items[0];
        return [
          s.name,
          s.status === "RUNNING" ? style.green(s.status) : style.dim(s.status),
          `every ${s.minimumIntervalMs / 1000} s`,
          s.targetAssetKeys.join(", ") || "-",
          s.cursor === null ? "-" : s.cursor.length > 40 ? `${s.cursor.slice(0, 39)}…` : s.cursor,
          last ? `${last.status} ${relativeTime(last.startedAt)}${last.skipReason ? `: ${last.skipReason}` : ""}` : "-",
        ];
      });
      console.log(formatTable(["SENSOR", "STATUS", "INTERVAL", "TARGET", "CURSOR", "LAST TICK"], sensorRows));
    }
    if (l.schedules.length === 0) {
      if (l.sensors.length === 0) console.log("  No schedules.");
      continue;
    }
    const rows = l.schedules.map((s) => {
      const last = s.ticks.items[0];
      return [
        s.name,
        s.status === "RUNNING" ? style.green(s.status) : style.dim(s.status),
        `${s.cron} (${s.timezone})`,
        s.hasFunction ? "function" : "data",
        s.targetAssetKeys.join(", ") + (s.partitionKey ? ` [${s.partitionKey}]` : ""),
        s.nextTickAt ? new Date(s.nextTickAt).toISOString() : "-",
        last ? `${last.status} ${relativeTime(last.startedAt)}${last.skipReason ? `: ${last.skipReason}` : ""}` : "-",
      ];
    });
    console.log(formatTable(["SCHEDULE", "STATUS", "CRON", "EVALUATED BY", "TARGET", "NEXT TICK", "LAST TICK"], rows));
  }
  return 0;
}

/** The schedule or sensor called `name` (in `location` when given): exactly one, or a CliError. */
async function findInstigator(
  client: ReturnType<typeof connect>,
  name: string,
  location: string | undefined,
  kinds: ReadonlyArray<"schedule" | "sensor">,
): Promise<{ kind: "schedule" | "sensor"; location: string }> {
  const overview = await client.automationOverview({ location, ticks: 1 });
  const matches = overview.flatMap((l) => [
    ...(kinds.includes("schedule")
      ? l.schedules.filter((s) => s.name === name).map(() => ({ kind: "schedule" as const, location: l.location }))
      : []),
    ...(kinds.includes("sensor")
      ? l.sensors.filter((s) => s.name === name).map(() => ({ kind: "sensor" as const, location: l.location }))
      : []),
  ]);
  const what = kinds.length === 1 ? kinds[0]! : "schedule or sensor";
  if (matches.length === 0)
    throw new CliError(`No ${what} "${name}" in ${location === undefined ? "any code location" : `code location "${location}"`}`, 1);
  if (matches.length > 1)
    throw new CliError(
      `${matches.map((m) => `${m.kind} "${name}" of ${m.location}`).join(", ")}: pass --location${kinds.length > 1 ? " (a schedule and a sensor may not share a name there)" : ""}`,
      2,
    );
  return matches[0]!;
}

async function setStatus(name: string, start: boolean, options: ServerOptions & { location?: string }): Promise<number> {
  const client = connect(options);
  const found = await findInstigator(client, name, options.location, ["schedule", "sensor"]);
  if (found.kind === "sensor") {
    const sensor = await client.setSensorStatus(found.location, name, start ? "RUNNING" : "STOPPED");
    console.log(`Sensor "${sensor.name}" of code location "${sensor.location}" is ${sensor.status.toLowerCase()}`);
    return 0;
  }
  const schedule = start ? await client.startSchedule(found.location, name) : await client.stopSchedule(found.location, name);
  const next = schedule.nextTickAt ? `; next tick ${new Date(schedule.nextTickAt).toISOString()}` : "";
  console.log(`Schedule "${schedule.name}" of code location "${schedule.location}" is ${schedule.status.toLowerCase()}${next}`);
  return 0;
}

async function setCursor(
  name: string,
  value: string | undefined,
  options: ServerOptions & { location?: string; clear?: boolean },
): Promise<number> {
  if ((value === undefined) === !options.clear) throw new CliError("give the new cursor, or --clear to clear it (not both)", 2);
  const client = connect(options);
  const found = await findInstigator(client, name, options.location, ["sensor"]);
  const sensor = await client.setSensorCursor(found.location, name, value ?? null);
  console.log(
    sensor.cursor === null
      ? `Sensor "${sensor.name}" of code location "${sensor.location}": cursor cleared`
      : `Sensor "${sensor.name}" of code location "${sensor.location}": cursor set to ${JSON.stringify(sensor.cursor)}`,
  );
  return 0;
}
