import { parseArgs } from "node:util";
import { CliError } from "./cli-error.js";

/**
 * One `strata <name>` command.
 *
 * @example
 * ```ts
 * const hello: Command = { name: "hello", usage: "hello", summary: "Greets.", run: async () => (console.log("hi"), 0) };
 * ```
 */
export interface Command {
  name: string;
  /** e.g. "dev [defs.ts] [--port N]" */
  usage: string;
  summary: string;
  /** The options and notes `--help` prints under the summary. */
  help?: string;
  /** Resolves to the exit code; long-running commands resolve when they stop. */
  run(argv: string[]): Promise<number>;
}

type OptionSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };
type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : O[K]["multiple"] extends true ? string[] : string;
} & { help?: boolean };

/**
 * `parseArgs` with typed values, that reports a bad flag as one clear usage error (exit 2).
 *
 * @example
 * ```ts
 * const { values, positionals } = parseOptions("assets search", argv, { json: { type: "boolean" } });
 * ```
 */
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
    // Node's parseArgs explains some mistakes over several lines; errors here are one line.
    throw new CliError(`${command}: ${(error as Error).message.replace(/\s*\n\s*/g, " ")}`, 2);
  }
}

/**
 * What `strata <command> --help` prints.
 *
 * @example
 * ```ts
 * if (values.help) return (console.log(helpText(this)), 0);
 * ```
 */
export function helpText(command: Pick<Command, "usage" | "summary" | "help">): string {
  return `Usage: strata ${command.usage}\n\n${command.summary}${command.help ? `\n\n${command.help}` : ""}`;
}

/**
 * Parses a non-negative integer flag, or fails with a usage error naming it.
 *
 * @example
 * ```ts
 * const first = parseCount("--first", values.first) ?? 20;
 * ```
 */
export function parseCount(flag: string, value: string | undefined, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${flag} must be a whole number from ${min} to ${max}, not "${value}"`, 2);
  return n;
}

/**
 * Exactly `count` positional arguments, or a usage error that shows the usage line.
 *
 * @example
 * ```ts
 * const [key] = expectPositionals("assets show <key>", positionals, 1);
 * ```
 */
export function expectPositionals(usage: string, positionals: string[], count: number): string[] {
  if (positionals.length !== count) {
    const problem = positionals.length < count ? "missing an argument" : `unexpected argument "${positionals[count]}"`;
    throw new CliError(`${problem}. Usage: strata ${usage}`, 2);
  }
  return positionals;
}

/**
 * Prints a value as JSON for scripts (`--json`).
 *
 * @example
 * ```ts
 * if (values.json) return printJson(page);
 * ```
 */
export function printJson(value: unknown): number {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return 0;
}
