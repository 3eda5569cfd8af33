/**
 * What a code-location process needs to know, handed from `strata dev` or
 * `strata location serve` to the child in one environment variable (not argv, where a token
 * would show in `ps`).
 */
export interface LocationConfig {
  /** Absolute path of the definitions file. */
  defsPath: string;
  /** The code location's name. */
  name: string;
  /** The server's GraphQL endpoint. */
  serverUrl: string;
  token?: string | undefined;
  heartbeatSeconds: number;
  /** The run lease to ask for; absent, `serve` takes STRATA_RUN_LEASE_SECONDS or its default. */
  leaseSeconds?: number | undefined;
  /** "dev" words its messages for `strata dev`, which reloads on changes. */
  mode: "dev" | "serve";
}

/**
 * What a code-location process tells its parent over IPC: its definitions loaded, with this
 * manifest hash; or, under `strata dev`, a line of its log about one run, for the parent to
 * print in order with what it prints about that run itself; or, under `strata dev`, a local file
 * the definitions imported, for the parent to watch.
 */
export type LocationMessage =
  | { type: "loaded"; hash: string }
  | { type: "runLog"; runId: string; line: string }
  | { type: "imported"; file: string };

export const LOCATION_CONFIG_ENV = "STRATA_LOCATION_CONFIG";

/** How the location process ends, for its parent. */
export const LocationExit = {
  /** Stopped by a signal, as asked. */
  stopped: 0,
  /** The server refused the manifest, or another fatal error. */
  failed: 1,
  /** The definitions file failed to load (reported to the server as a load error). */
  loadError: 3,
} as const;

export function readLocationConfig(env: NodeJS.ProcessEnv = process.env): LocationConfig {
  const raw = env[LOCATION_CONFIG_ENV];
  if (!raw) throw new Error(`${LOCATION_CONFIG_ENV} is not set: this file is started by \`strata dev\` or \`strata location serve\``);
  return JSON.parse(raw) as LocationConfig;
}
