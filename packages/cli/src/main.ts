import { CliError } from "./cli-error.js";
import type { Command } from "./command.js";
import { assetsCommand } from "./commands/assets.js";
import { devCommand } from "./commands/dev.js";
import { lineageCommand } from "./commands/lineage.js";
import { runsCommand } from "./commands/runs.js";
import { locationCommand } from "./commands/location.js";
import { serverCommand } from "./commands/server.js";
import { tokenCommand } from "./commands/token.js";
import { describeError } from "./error-report.js";

// Commands import the server package (Prisma, PGlite: most of a second) only inside `run`, and
// only those that start a server or open its database, so `strata assets search` starts fast.
const commands: Command[] = [devCommand, serverCommand, locationCommand, assetsCommand, lineageCommand, runsCommand, tokenCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  return [
    "Usage: strata <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    "",
    "Run `strata <command> --help` for a command's options. Commands that talk to a server take",
    "--server URL and --token T (env STRATA_SERVER, STRATA_TOKEN; default http://localhost:4000/graphql).",
  ].join("\n");
}

/**
 * Runs the CLI with `argv` (without node and the script); resolves to the exit code: 0 done,
 * 1 failed, 2 usage error. A failure is one line on stderr (`STRATA_DEBUG=1` adds the stack).
 *
 * @example
 * ```ts
 * process.exitCode = await main(["assets", "search", "orders", "--json"]);
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v") {
    console.log((await import("@strata/server")).STRATA_VERSION);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (!command) throw new CliError(`unknown command "${name}". Run \`strata --help\` for the list.`, 2);
    return await command.run(rest);
  } catch (error) {
    const { message, exitCode } = describeError(error);
    console.error(`strata: ${message}`);
    if (process.env.STRATA_DEBUG) console.error(error);
    return exitCode;
  }
}
