import type { Command } from "commander";
import { CliError } from "./cli-error.js";

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
