/** Strata's version, reported by the `health` query and the CLI. */
export const STRATA_VERSION = "0.1.0";
