/**
 * @strata/cli: the `strata` command, also callable in-process.
 *
 * @example
 * import { main } from "@strata/cli";
 * process.exitCode = await main(["--version"]);
 */
export { main } from "./main.js";
export { CliError } from "./cli-error.js";
