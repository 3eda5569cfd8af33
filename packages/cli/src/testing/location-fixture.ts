import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type RunningCli, startCli } from "./run-cli.js";
import { startTestServer, type TestServer, workDirectory } from "./test-server.js";

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
