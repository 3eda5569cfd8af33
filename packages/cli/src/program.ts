import { backfillCommand } from "./commands/backfill.js";
import { partitionsCommand } from "./commands/partitions.js";
import { createRequire } from "node:module";
import { Command, type CommanderError } from "commander";
import { CliError } from "./cli-error.js";
import { assetsCommand } from "./commands/assets.js";
import { automationCommand } from "./commands/automation.js";
import { checksCommand } from "./commands/checks.js";
import { devCommand } from "./commands/dev.js";
import { gcCommand } from "./commands/gc.js";
import { lineageCommand } from "./commands/lineage.js";
import { locationCommand } from "./commands/location.js";
import { runsCommand } from "./commands/runs.js";
import { serverCommand } from "./commands/server.js";
import { tokenCommand } from "./commands/token.js";
import { DEFAULT_SERVER } from "./server-target.js";

// The version of this package, read from its package.json rather than @strata/server, whose
// import (Prisma, PGlite) takes most of a second; the packages are released together.
const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** Help (`--help`, `strata help`, a command without its subcommand) was printed: exit with `exitCode`. */
export class HelpShown extends Error {
  override readonly name = "HelpShown";
  constructor(readonly exitCode: number) {
    super("help shown");
  }
}

/**
 * The `strata` command line, parsed by commander: it generates each command's help and its usage
 * errors. Commander was chosen over cac and clipanion as the most used and maintained of the
 * three, with nested subcommands (`strata runs launch`), generated help and typed errors.
 * Parse errors throw a `CliError` with exit code 2 instead of exiting, so `main` prints them as
 * one line like every other error.
 *
 * @example
 * ```ts
 * await strataProgram().parseAsync(["assets", "search", "orders"], { from: "user" });
 * ```
 */
export function strataProgram(): Command {
  const program = new Command("strata")
    .description("Strata: a data-asset orchestrator. Define assets in TypeScript, serve them from code locations, run them.")
    .version(version, "-v, --version", "print the version")
    // Commands import the server package (Prisma, PGlite: most of a second) only inside their
    // action, and only those that start a server or open its database, so `strata assets search` starts fast.
    .addCommand(devCommand())
    .addCommand(serverCommand())
    .addCommand(locationCommand())
    .addCommand(assetsCommand())
    .addCommand(checksCommand())
    .addCommand(lineageCommand())
    .addCommand(runsCommand())
    .addCommand(partitionsCommand())
    .addCommand(backfillCommand())
    .addCommand(automationCommand())
    .addCommand(tokenCommand())
    .addCommand(gcCommand())
    .addHelpText(
      "after",
      [
        "",
        "Commands that talk to a server take --server URL and --token T (env STRATA_SERVER,",
        `STRATA_TOKEN; default ${DEFAULT_SERVER}).`,
        "",
        "Examples:",
        "  strata dev defs.ts --run",
        "  strata location serve defs.ts --server URL --token T",
        "  strata assets search orders",
        "  strata lineage sales/orders --up 2",
        "  strata runs launch sales/orders --wait",
        "  strata backfill launch sales/orders --from 2024-01-01 --to 2024-03-31 --chunk 7",
        "  strata automation why sales/report",
        "  strata token create --name ci --scopes read,launch",
      ].join("\n"),
    );
  configure(program);
  return program;
}

/** Settings every command needs; `addCommand` does not pass a parent's settings on, so each gets them. */
function configure(command: Command): void {
  command
    .exitOverride((error) => {
      throw toCliError(command, error);
    })
    // `main` prints parse errors itself, as one line.
    .configureOutput({ outputError: () => {} });
  for (const sub of command.commands) configure(sub);
}

function toCliError(command: Command, error: CommanderError): Error {
  if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return new HelpShown(0);
  // Help printed in place of a missing subcommand is a usage error; `strata help` is not.
  if (error.code === "commander.help") return new HelpShown(error.exitCode === 0 ? 0 : 2);
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  const path = names.join(" ");
  const problem = error.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ");
  const hint = command.commands.length
    ? `Run \`strata${path ? ` ${path}` : ""} --help\` for the list.`
    : `Usage: strata ${path} ${command.usage()}`;
  return new CliError(`${path ? `${path}: ` : ""}${problem.replace(/\.$/, "")}. ${hint}`, 2);
}
