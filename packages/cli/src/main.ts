import { CliError } from "./cli-error.js";
import { devCommand } from "./commands/dev.js";
import { serverCommand } from "./commands/server.js";
import type { Command } from "./command.js";
import { STRATA_VERSION } from "@strata/server";

const commands: Command[] = [devCommand, serverCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  return [
    "Usage: strata <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    "",
    "Run `strata <command> --help` for a command's options.",
  ].join("\n");
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v") {
    console.log(STRATA_VERSION);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (!command) throw new CliError(`unknown command "${name}". Run \`strata --help\` for the list.`, 2);
    return await command.run(rest);
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`strata: ${error.message}`);
      return error.exitCode;
    }
    console.error(`strata: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.STRATA_DEBUG) console.error(error);
    return 1;
  }
}
