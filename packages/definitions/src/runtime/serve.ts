import { isWorkerId, WORKER_ID_CHARACTERS } from "@strata/protocol";
import { createWorkerClient, isRetryable, NotFoundError, type ClaimedRun, type WorkerClient } from "@strata/sdk";
import { systemClock, type Clock } from "../execution/clock.js";
import { SensorRunner } from "./sensor-runner.js";
import type { Definitions } from "../authoring/definitions.js";
import { relativeStack } from "../execution/serialize-error.js";
import { backoffDelay, DEFAULT_BACKOFF, pause } from "./backoff.js";
import { ClaimLoop } from "./claim-loop.js";
import { HeldRun, type HeldRunContext } from "./held-run.js";
import { resolveLeaseSeconds } from "./run-lease.js";
import { runTracerFromEnv } from "./run-tracer.js";
import { defaultWorkerId } from "./worker-id.js";
import { logLevelFromEnv, pinoWorkerLogger, type WorkerLogger } from "./worker-logger.js";

/**
 * Options of {@link serve}.
 *
 * @example
 * ```ts
 * const options: ServeOptions = { server: "https://strata.internal", token: process.env.STRATA_TOKEN!, name: "sales", concurrency: 4 };
 * ```
 */
export interface ServeOptions {
  /** The server: its GraphQL endpoint (`http://host:4000/graphql`) or its root URL (`/graphql` is added). */
  server: string;
  /** An API token with the scope `location:<name>`. */
  token: string;
  /** The code location's name: letters, digits, `_` and `-`. */
  name: string;
  /** Runs this worker executes at once (default 4). */
  concurrency?: number;
  /**
   * Seconds the server waits for a heartbeat before presuming a run's worker dead; heartbeats go
   * every third of it. Default: `STRATA_RUN_LEASE_SECONDS` from the environment, else 30. The
   * worker asks for this lease on every claim, heartbeat and report, so it is what the server
   * applies to this worker's runs (the server's own setting covers only workers that ask for none).
   */
  leaseSeconds?: number;
  /** How the server knows this worker (default `<host>:<pid>:<random>`), logged at start-up. */
  workerId?: string;
  /** Aborting it shuts the worker down gracefully: no new claims, running runs get `shutdownGraceMs` to finish, then are canceled. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Default: pino, JSON lines on stderr at `STRATA_LOG_LEVEL` (default info). */
  logger?: WorkerLogger;
  /** Steps of one run executing at once (default 8). */
  stepConcurrency?: number;
  /** How long running runs may take to finish after `signal` aborts before they are canceled (default 30 s). */
  shutdownGraceMs?: number;
  /** How often to look for runs when no announcement arrived (default 5 s); announcements arrive over SSE within milliseconds. */
  pollIntervalMs?: number;
  /** How often the location tells the server it is alive (default 10 s). */
  heartbeatIntervalMs?: number;
  /** Time for timers and event timestamps (tests). */
  clock?: Clock;
  /**
   * How a run's events are reported; the defaults suit every run. `maxBatch`: events per request
   * at most (default 5,000, the most the server takes). `pipeline`: requests in flight at most
   * (default 2; a second leaves only with a full batch, while events come faster than the server
   * answers).
   */
  reporting?: { maxBatch?: number; pipeline?: number };
}

/**
 * What {@link serve} resolves to once the worker has shut down.
 *
 * @example
 * ```ts
 * const { workerId, runs } = await serve(defs, options);
 * console.log(`${workerId} executed ${runs} run(s)`);
 * ```
 */
export interface ServeSummary {
  workerId: string;
  /** Runs this worker claimed and executed. */
  runs: number;
}

/** How long one claim waits on the server for work (a long poll). */
const CLAIM_WAIT_SECONDS = 20;

/** Definitions, or a function loading them (e.g. a dynamic `import()`), whose failure is reported to the server. */
type DefinitionsSource = Definitions | (() => Definitions | Promise<Definitions>);

/**
 * Serves a code location: registers its manifest with the server, then pulls and executes its
 * runs until `signal` aborts (Dagster's code server and run worker in one process, in pull
 * mode, so it works behind firewalls and scales by adding replicas).
 *
 * - **Registration**: the manifest and its hash (the same hash again is a no-op on the server).
 *   If loading the definitions or building the manifest throws, the error is reported
 *   (the location shows LOAD_ERROR) and `serve` rejects. A location heartbeat follows every
 *   `heartbeatIntervalMs`.
 * - **Claiming**: a worker with a free slot long-polls `claimRun` (20 s at a time), so a run
 *   reaches it the moment it starts; the `runRequests` subscription (which also carries
 *   cancellations) and a poll every `pollIntervalMs` are the fallbacks. At most `concurrency`
 *   runs at once; the server hands each run to exactly one worker.
 * - **Executing**: exactly as the server planned the run (steps, assets, outputs reused from
 *   earlier runs), events reported in order (the first at once, then whatever accumulated while a
 *   request was in flight, up to 5,000 a request), buffered and
 *   retried while the server is unreachable. Each run's lease is renewed every third of
 *   `leaseSeconds`. A termination request cancels the run; a lost lease stops it.
 * - **Sensors**: when the server ticks one of the definitions' sensors (a SENSOR_TICK run
 *   request, or the same poll), a worker takes the tick, runs the sensor's function here with
 *   its cursor (aborting its signal after `timeoutMs`) and reports what it returned.
 * - **Schedule functions**: likewise for a schedule with a function (a SCHEDULE_TICK run
 *   request): the function runs here with the tick's `scheduledTime` and its answer is reported.
 *
 * Resolves after a graceful shutdown; rejects when the definitions fail to load or the server
 * refuses the registration (a bad token, an invalid manifest, an asset key collision).
 *
 * @example
 * ```ts
 * import { serve } from "@strata/definitions/runtime";
 * import defs from "./defs.js";
 *
 * const shutdown = new AbortController();
 * process.once("SIGTERM", () => shutdown.abort());
 * await serve(defs, { server: "http://localhost:4000", token: process.env.STRATA_TOKEN!, name: "sales", signal: shutdown.signal });
 * ```
 */
export async function serve(definitions: DefinitionsSource, options: ServeOptions): Promise<ServeSummary> {
  const workerId = options.workerId ?? defaultWorkerId();
  const leaseSeconds = resolveLeaseSeconds(options.leaseSeconds);
  if (!isWorkerId(workerId)) throw new TypeError(`workerId "${workerId}" must be 1-200 of ${WORKER_ID_CHARACTERS}`);
  const logger = options.logger ?? pinoWorkerLogger(options.name, logLevelFromEnv(process.env.STRATA_LOG_LEVEL));
  const clock = options.clock ?? systemClock;
  const signal = options.signal ?? new AbortController().signal;
  const url = graphqlUrl(options.server);
  const client = createWorkerClient({ url, token: options.token, ...(options.fetch ? { fetch: options.fetch } : {}) });
  logger.info(`worker ${workerId} serving location ${options.name} for ${url}`, { workerId, location: options.name, server: url });

  const location: LocationLink = { client, name: options.name, logger, clock };
  const loaded = await load(definitions, location);
  if (!(await register(loaded, location, signal))) return { workerId, runs: 0 };

  // Traces only when OTEL_EXPORTER_OTLP_ENDPOINT is set; OpenTelemetry is not even loaded otherwise.
  const tracer = await runTracerFromEnv(process.env, options.name);
  const held = new Map<string, HeldRun>();
  const context: HeldRunContext = {
    tracer: tracer && { tracer, location: options.name },
    definitions: loaded,
    client,
    workerId,
    leaseSeconds,
    clock,
    logger,
    isRetryable,
    stepConcurrency: options.stepConcurrency,
    reporting: options.reporting,
  };
  const loop = new ClaimLoop<ClaimedRun>({
    // Idle workers long-poll: a run reaches one the moment it starts, with no extra round trip.
    claim: (signal) => client.claimRun({ location: options.name, workerId, leaseSeconds, waitSeconds: CLAIM_WAIT_SECONDS, signal }),
    claimWaitMs: CLAIM_WAIT_SECONDS * 1000,
    execute: async (run) => {
      const heldRun = new HeldRun(run, context);
      held.set(run.id, heldRun);
      try {
        await heldRun.execute();
      } finally {
        held.delete(run.id);
      }
    },
    concurrency: Math.max(1, options.concurrency ?? 4),
    pollIntervalMs: options.pollIntervalMs ?? 5_000,
    isRetryable,
    onError: (error, delayMs) => logger.warn(`claiming a run failed; trying again in ${delayMs} ms`, { error: describe(error) }),
    clock,
  });

  const claiming = new AbortController();
  const stopClaiming = () => claiming.abort();
  signal.addEventListener("abort", stopClaiming, { once: true });
  if (signal.aborted) stopClaiming();
  logger.info(`claiming runs: at most ${loop.concurrency} at once, lease ${leaseSeconds} s`, { workerId });
  const sensors = new SensorRunner({
    client,
    definitions: loaded,
    location: options.name,
    workerId,
    logger,
    clock,
    pollIntervalMs: options.pollIntervalMs ?? 5_000,
  });
  const evaluatingSensors = sensors.run(claiming.signal);
  const runs: WorkerRuns = { loop, held };
  const listening = listen(location, runs, sensors, claiming.signal);
  const beating = heartbeatLocation(location, options.heartbeatIntervalMs ?? 10_000, claiming.signal, () =>
    register(loaded, location, claiming.signal),
  );
  await loop.run(claiming.signal);
  signal.removeEventListener("abort", stopClaiming);

  logger.info(`shutting down: waiting for ${loop.active} run(s)`, { workerId });
  await shutDown(runs, location, options.shutdownGraceMs ?? 30_000);
  await Promise.all([listening, beating, evaluatingSensors]);
  await tracer?.shutdown().catch((error: unknown) => logger.warn(`exporting the last spans failed`, { error: describe(error) }));
  logger.info(`worker ${workerId} stopped after ${loop.claimed} run(s)`, { workerId });
  return { workerId, runs: loop.claimed };
}

function graphqlUrl(server: string): string {
  const url = new URL(server);
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/graphql";
  return url.toString();
}

/** The code location this worker serves, and what it talks to the server and logs with. */
interface LocationLink {
  client: WorkerClient;
  name: string;
  logger: WorkerLogger;
  clock: Clock;
}

/** The runs this worker claims (`loop`) and the ones it is executing, by id (`held`). */
interface WorkerRuns {
  loop: ClaimLoop<ClaimedRun>;
  held: Map<string, HeldRun>;
}

async function load(source: DefinitionsSource, { client, name, logger }: LocationLink): Promise<Definitions> {
  try {
    const definitions = typeof source === "function" ? await source() : source;
    // Building the manifest is part of loading: the constructor built it, so a broken graph
    // failed there. Something else than a Definitions fails here, without copying the manifest.
    if (typeof definitions.hash !== "string") definitions.manifest();
    return definitions;
  } catch (error) {
    logger.error(`the definitions failed to load: ${describe(error)}`);
    const report = error instanceof Error ? (error.stack ? relativeStack(error.stack) : `${error.name}: ${error.message}`) : String(error);
    await client.reportCodeLocationLoadError({ name, error: report }).catch((reportError: unknown) => {
      logger.error(`reporting the load error failed too: ${describe(reportError)}`);
    });
    throw error;
  }
}

/** Registers the manifest, retrying while the server is unreachable. False when stopped first. */
async function register(definitions: Definitions, { client, name, logger, clock }: LocationLink, signal: AbortSignal): Promise<boolean> {
  // The plan's own manifest, not a copy (a copy of 100,000 assets costs seconds), and its text as
  // the definitions wrote it to hash it, sent as it is. The items' digests only when the server
  // has an earlier version to send a delta against (read off the text then: ~0.35 s for 100,000 assets).
  const { manifest } = definitions.plan;
  const { hash, manifestText } = definitions;
  // Without the lists of keys added and removed: only the message is logged.
  const input = {
    name,
    manifest,
    manifestText,
    hash,
    withKeys: false as const,
    get digests() {
      return definitions.digests;
    },
  };
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      const result = await client.registerCodeLocation(input);
      logger.info(result.message, { version: result.version, hash });
      return true;
    } catch (error) {
      if (!isRetryable(error)) throw error;
      const delayMs = backoffDelay(attempt, DEFAULT_BACKOFF);
      logger.warn(`cannot reach the server to register; trying again in ${delayMs} ms`, { error: describe(error) });
      await pause(clock, delayMs, signal);
    }
  }
  return false;
}

/** Turns the server's run requests into claims and cancellations, until `signal` aborts. */
async function listen(
  { client, name, logger }: LocationLink,
  { loop, held }: WorkerRuns,
  sensors: SensorRunner,
  signal: AbortSignal,
): Promise<void> {
  const requests = client.runRequests(name, {
    signal,
    onStatus: (status) => {
      // Announcements sent while disconnected are lost: look for work once connected again.
      if (status.state === "connected") {
        loop.wake();
        sensors.wake();
      } else if (status.attempt === 1)
        logger.warn(`lost the run-request stream; reconnecting (claims continue by polling)`, { error: describe(status.error) });
    },
  });
  try {
    for await (const request of requests) {
      if (request.kind === "RUN_AVAILABLE") loop.wake();
      else if (request.kind === "SENSOR_TICK" || request.kind === "SCHEDULE_TICK") sensors.wake();
      else held.get(request.runId)?.cancel("termination was requested");
    }
  } catch (error) {
    logger.error(`the run-request stream failed; relying on polling: ${describe(error)}`);
  }
}

/**
 * Tells the server the location is alive. A server that no longer knows the location (its
 * database was reset or restored) gets the manifest again, so the location reappears by itself.
 */
async function heartbeatLocation(
  { client, name, logger, clock }: LocationLink,
  intervalMs: number,
  signal: AbortSignal,
  reregister: () => Promise<boolean>,
): Promise<void> {
  let failing = false;
  while (!signal.aborted) {
    await pause(clock, intervalMs, signal);
    if (signal.aborted) return;
    try {
      await client.reportCodeLocationHeartbeat(name);
      failing = false;
    } catch (error) {
      if (error instanceof NotFoundError) {
        logger.warn(`the server no longer knows location ${name}; registering it again`);
        await reregister().catch((e: unknown) => logger.error(`registering again failed: ${describe(e)}`));
        continue;
      }
      if (!failing) logger.warn(`location heartbeat failed`, { error: describe(error) });
      failing = true;
    }
  }
}

/** Lets running runs finish within the grace period, then cancels them, then gives up on reporting. */
async function shutDown({ loop, held }: WorkerRuns, { clock, logger }: LocationLink, graceMs: number): Promise<void> {
  if (await within(loop.idle(), clock, graceMs)) return;
  for (const run of held.values()) run.cancel("the worker is shutting down");
  // Canceled runs end at once; what can take longer is reporting, if the server is away.
  if (await within(loop.idle(), clock, 10_000)) return;
  for (const run of held.values()) run.abandon("the server could not be reached before shutdown");
  logger.error(`gave up reporting ${held.size} run(s); the run monitor will end them`);
  await loop.idle();
}

async function within(work: Promise<void>, clock: Clock, ms: number): Promise<boolean> {
  const timeout = new AbortController();
  const finished = await Promise.race([work.then(() => true), pause(clock, ms, timeout.signal).then(() => false)]);
  timeout.abort();
  return finished;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
