import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type RunningCli, startCli } from "./run-cli.js";
import { startedPart, startTestServer, type TestServer, workDirectory } from "./test-server.js";

/**
 * How long starting a fixture may take: a server and a location process starting while every
 * package tests at once on two cores once took over 90 s. A passing start never waits for it.
 */
export const LOCATION_FIXTURE_TIMEOUT_MS = 300_000;

/** A real server on a port and one real `strata location serve` process registered with it. */
export interface LocationFixture {
  server: TestServer;
  work: ReturnType<typeof workDirectory>;
  location: RunningCli;
  /** Stops the location, then the server, and removes the work directory. */
  stop(): Promise<void>;
}

/**
 * Writes `defs` as defs.ts in a fresh work directory, starts a test server and `strata location
 * serve defs.ts --name <name>` with that location's token, and resolves once version 1 is
 * registered.
 *
 * @example
 * ```ts
 * let f: LocationFixture;
 * beforeAll(async () => (f = await startLocationFixture("sales", DEFS)), LOCATION_FIXTURE_TIMEOUT_MS);
 * afterAll(() => f?.stop());
 * ```
 */
export async function startLocationFixture(name: string, defs: string): Promise<LocationFixture> {
  const server = await startTestServer();
  const work = workDirectory();
  writeFileSync(join(work.dir, "defs.ts"), defs);
  const location = startCli(
    ["location", "serve", "defs.ts", "--name", name, "--server", server.url, "--token", await server.token(`location:${name}`)],
    {
      cwd: work.dir,
    },
  );
  const stop = async () => {
    await location.stop();
    await server.close();
    work.remove();
  };
  try {
    await location.waitFor(new RegExp(`Registered version 1 of ${name}\\b`));
  } catch (error) {
    await stop();
    throw error;
  }
  return { server, work, location, stop };
}

/**
 * {@link startLocationFixture} before the file's tests, `stop` after them. The answer's `server`
 * and `work` stand for the started fixture's (each property read goes to it), so a test file
 * names them once at the top: read them only inside tests and hooks, once it has started.
 *
 * @example
 * ```ts
 * const { server: t, work } = useLocationFixture("sales", DEFS);
 * it("runs", async () => expect((await t.client.launchRun({ assetKeys: ["sales/orders"] })).id).toBeTruthy());
 * ```
 */
export function useLocationFixture(name: string, defs: string): Pick<LocationFixture, "server" | "work"> {
  let fixture: LocationFixture | undefined;
  beforeAll(async () => {
    fixture = await startLocationFixture(name, defs);
  }, LOCATION_FIXTURE_TIMEOUT_MS);
  afterAll(() => fixture?.stop());
  const started = () => {
    if (!fixture) throw new Error(`the location fixture "${name}" has not started`);
    return fixture;
  };
  return { server: startedPart(() => started().server), work: startedPart(() => started().work) };
}
