import { parseArgs } from "node:util";
import { CliError } from "./cli-error.js";

/** One `strata <name>` command. */
export interface Command {
  name: string;
  /** e.g. "dev [defs.ts]" */
  usage: string;
  summary: string;
  /** Resolves to the exit code; long-running commands resolve when they stop. */
  run(argv: string[]): Promise<number>;
}

type OptionSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };
type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : O[K]["multiple"] extends true ? string[] : string;
} & { help?: boolean };

/** `parseArgs` with typed values, that reports a bad flag as one clear CLI error. */
export function parseOptions<const O extends Record<string, OptionSpec>>(
  command: string,
  argv: string[],
  options: O,
): { values: OptionValues<O>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as OptionValues<O>, positionals };
  } catch (error) {
    throw new CliError(`${command}: ${(error as Error).message}`, 2);
  }
}
