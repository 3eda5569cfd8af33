import { describeError } from "./error-report.js";
import { exitCodeOf } from "./command.js";
import { HelpShown, strataProgram } from "./program.js";

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
  const program = strataProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCodeOf(program);
  } catch (error) {
    if (error instanceof HelpShown) return error.exitCode;
    const { message, exitCode } = describeError(error);
    console.error(`strata: ${message}`);
    if (process.env.STRATA_DEBUG) console.error(error);
    return exitCode;
  }
}
