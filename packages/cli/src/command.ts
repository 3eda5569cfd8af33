import type { Command } from "commander";
import { CliError } from "./cli-error.js";
import { styleFor, type Style } from "./output/style.js";

/** The exit code each program's action resolved to, read by `main` once parsing is done. */
const exitCodes = new WeakMap<Command, number>();

/**
 * Sets `handler` as the command's action. Commander ignores what an action returns, so the exit
 * code it resolves to is kept for `main` (see `exitCodeOf`).
 *
 * @example
 * ```ts
 * action(new Command("hello"), async () => (console.log("hi"), 0));
 * ```
 */
export function action<Args extends unknown[]>(command: Command, handler: (...args: Args) => Promise<number>): Command {
  return command.action(async (...args: unknown[]) => {
    let root = command;
    while (root.parent) root = root.parent;
    exitCodes.set(root, await handler(...(args as Args)));
  });
}

/** The exit code of the action that ran under `program` (0 when none did, e.g. for `--help`). */
export function exitCodeOf(program: Command): number {
  return exitCodes.get(program) ?? 0;
}

/**
 * Parses a non-negative integer flag, or fails with a usage error naming it.
 *
 * @example
 * ```ts
 * const first = parseCount("--first", options.first) ?? 20;
 * ```
 */
export function parseCount(flag: string, value: string | undefined, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`${flag} must be a whole number from ${min} to ${max}, not "${value}"`, 2);
  return n;
}

/**
 * Prints a value as JSON for scripts (`--json`).
 *
 * @example
 * ```ts
 * if (options.json) return printJson(page);
 * ```
 */
export function printJson(value: unknown): number {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return 0;
}

/**
 * Adds `--json` to a command that answers with one value, and sets its action: `answer` gets the
 * command's arguments and options as an action does; what it resolves to is printed as JSON for
 * scripts with `--json` (printJson), else as the text `format` makes of it for stdout. Exit code 0.
 * Call it after the command's other options: `--help` lists `--json` last.
 *
 * @example
 * ```ts
 * answerAction(show, (key: string, options: ServerOptions) => connect(options).asset(key), formatAsset);
 * ```
 */
export function answerAction<Args extends unknown[], T>(
  command: Command,
  answer: (...args: Args) => Promise<T>,
  format: (value: T, style: Style) => string,
): Command {
  command.option("--json", "print JSON for scripts");
  return action(command, async (...args: Args) => {
    const value = await answer(...args);
    if (command.opts<{ json?: boolean }>().json) return printJson(value);
    console.log(format(value, styleFor(process.stdout)));
    return 0;
  });
}
