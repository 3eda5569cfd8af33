/**
 * @strata/definitions/runtime: the code-location runtime. `serve(definitions, options)`
 * registers a location's manifest with a Strata server and executes the runs it pulls from
 * it, as `strata location serve` does.
 *
 * @example
 * ```ts
 * import { serve } from "@strata/definitions/runtime";
 * import defs from "./defs.js";
 *
 * await serve(defs, { server: "http://localhost:4000", token: process.env.STRATA_TOKEN!, name: "sales" });
 * ```
 */
export { serve, type ServeOptions, type ServeSummary } from "./serve.js";
export type { WorkerLogger } from "./worker-logger.js";
