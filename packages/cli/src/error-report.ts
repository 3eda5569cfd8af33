import { isTerminalRunStatus } from "@strata/protocol";
import {
  InvalidSelectionError,
  NothingToReexecuteError,
  NotFoundError,
  RunStatusError,
  StrataError,
  StrataRequestError,
  UnauthenticatedError,
  UnauthorizedError,
} from "@strata/sdk";
import { CliError } from "./cli-error.js";

/**
 * The one line (without the "strata: " prefix) and exit code for an error a command threw:
 * 2 for usage errors, 1 for everything else. SDK errors keep the server's message and get a
 * hint where the fix is usually the same.
 *
 * @example
 * ```ts
 * const { message, exitCode } = describeError(error);
 * console.error(`strata: ${message}`);
 * ```
 */
export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof StrataRequestError) {
    const what = error.status === null ? error.message : `HTTP ${error.status}`;
    return {
      message: `cannot reach the Strata server at ${error.url} (${what}); is it running? Set --server or STRATA_SERVER`,
      exitCode: 1,
    };
  }
  if (error instanceof UnauthenticatedError) return { message: `${error.message} (check --token or STRATA_TOKEN)`, exitCode: 1 };
  if (error instanceof UnauthorizedError && error.message.includes("Authorization: Bearer")) {
    return { message: `the server requires a token: pass --token or set STRATA_TOKEN (${error.message})`, exitCode: 1 };
  }
  if (error instanceof InvalidSelectionError && error.reason === "UNKNOWN_ASSETS") {
    return { message: `${error.message} (find keys with \`strata assets search\`)`, exitCode: 1 };
  }
  if (error instanceof NothingToReexecuteError) return { message: `${error.message}; --all-steps runs every step again`, exitCode: 1 };
  if (error instanceof RunStatusError && !isTerminalRunStatus(error.status)) {
    return { message: `${error.message} (wait for it: strata runs watch ${error.runId})`, exitCode: 1 };
  }
  if (error instanceof NotFoundError && error.kind === "run")
    return { message: `${error.message} (recent runs: strata runs list)`, exitCode: 1 };
  if (error instanceof StrataError) return { message: error.message, exitCode: 1 };
  return { message: error instanceof Error ? error.message : String(error), exitCode: 1 };
}
