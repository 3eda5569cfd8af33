import type { Style } from "./style.js";

/** Every run status, in the order a run goes through them. */
export { RUN_STATUSES } from "@strata/protocol";

/**
 * A run status coloured by outcome: green SUCCESS, red FAILURE, yellow CANCELED and CANCELING,
 * cyan while it waits or runs.
 *
 * @example
 * ```ts
 * console.log(styledStatus(run.status, styleFor(process.stdout)));
 * ```
 */
export function styledStatus(status: string, style: Style): string {
  if (status === "SUCCESS") return style.green(status);
  if (status === "FAILURE") return style.red(status);
  if (status === "CANCELED" || status === "CANCELING") return style.yellow(status);
  return style.cyan(status);
}
