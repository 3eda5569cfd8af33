/**
 * End-to-end harness: a real Strata server on loopback (in-memory PGlite) and code-location
 * workers as real child processes running `serve()` (test/fixtures/serve-location.ts).
 *
 * @strata/server is imported through the workspace link without being declared: the server
 * depends on @strata/definitions (its `./plan` entry), so declaring it here would make a
 * package cycle that turbo refuses. These tests run from sources, so no build order matters;
 * packages/definitions/turbo.json only makes them wait for the server's generated Prisma client.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createToken, openDatabase, parseEnv, startServer, type StrataServer } from "@strata/server";
import { afterAll, afterEach, beforeAll } from "vitest";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
export const fixture = (name: string) => `${fixtures}${name}`;
const tsx = import.meta.resolve("tsx");

export interface RunView {
  id: string;
  status: string;
  workerId: string | null;
  steps: { stepKey: string; status: string; attempts: number }[];
  events: { seq: number; type: string; stepKey: string | null }[];
}

export class Strata {
  private constructor(
    readonly server: StrataServer,
    readonly adminToken: string,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<Strata> {
    const server = await startServer({
      env: parseEnv({ STRATA_LOG_LEVEL: "warn", ...env }),
      port: 0,
      host: "127.0.0.1",
      auth: "required",
      db: await openDatabase(),
    });
    const { token } = await createToken(server.db.prisma, { name: "e2e-admin", scopes: ["admin"] });
    return new Strata(server, token);
  }

  async locationToken(location: string): Promise<string> {
    const { token } = await createToken(this.server.db.prisma, {
      name: `e2e-${location}-${Math.random().toString(36).slice(2)}`,
      scopes: [`location:${location}`],
    });
    return token;
  }

  /** A GraphQL request with the admin token; throws on GraphQL errors. */
  async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(this.server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join("; ")}`);
    return body.data!;
  }

  async launch(assetKeys: string[]): Promise<string> {
    const { launchRun } = await this.graphql<{ launchRun: { __typename: string; id?: string; message?: string } }>(
      `mutation ($keys: [String!]!) { launchRun(assetKeys: $keys) { __typename ... on Run { id } ... on Error { message } } }`,
      { keys: assetKeys },
    );
    if (!launchRun.id) throw new Error(`launchRun: ${launchRun.__typename}: ${launchRun.message}`);
    return launchRun.id;
  }

  async terminate(runId: string): Promise<string> {
    const { terminateRun } = await this.graphql<{ terminateRun: { __typename: string; status?: string; message?: string } }>(
      `mutation ($id: ID!) { terminateRun(runId: $id) { __typename ... on Run { status } ... on Error { message } } }`,
      { id: runId },
    );
    if (!terminateRun.status) throw new Error(`terminateRun: ${terminateRun.__typename}: ${terminateRun.message}`);
    return terminateRun.status;
  }

  async run(id: string): Promise<RunView> {
    const { run } = await this.graphql<{ run: RunView }>(
      `query ($id: ID!) { run(id: $id) { ... on Run { id status workerId steps { stepKey status attempts } events { seq type stepKey } } } }`,
      { id },
    );
    return run;
  }

  /** Polls until the run has one of `statuses`. */
  async waitForRun(id: string, statuses: string[] = ["SUCCESS", "FAILURE", "CANCELED"], timeoutMs = 90_000): Promise<RunView> {
    return waitFor(
      async () => {
        const run = await this.run(id);
        return statuses.includes(run.status) ? run : null;
      },
      timeoutMs,
      () => `run ${id} never reached ${statuses.join("/")}`,
    );
  }

  async reexecute(runId: string, strategy: "FROM_FAILURE" | "FROM_ASSET_FAILURE" | "ALL_STEPS"): Promise<string> {
    const { reexecuteRun } = await this.graphql<{ reexecuteRun: { __typename: string; id?: string; message?: string } }>(
      `mutation ($id: ID!, $strategy: ReexecutionStrategy!) { reexecuteRun(runId: $id, strategy: $strategy) { __typename ... on Run { id } ... on Error { message } } }`,
      { id: runId, strategy },
    );
    if (!reexecuteRun.id) throw new Error(`reexecuteRun: ${reexecuteRun.__typename}: ${reexecuteRun.message}`);
    return reexecuteRun.id;
  }

  /** The payload of a run's RUN_START event. */
  async runStart(runId: string): Promise<Record<string, unknown>> {
    const { run } = await this.graphql<{ run: { events: { payload: Record<string, unknown> }[] } }>(
      `query ($id: ID!) { run(id: $id) { ... on Run { events(first: 1) { payload } } } }`,
      { id: runId },
    );
    return run.events[0]!.payload;
  }

  /** Milliseconds from a run's launch to its RUN_START on the worker. */
  async launchToStartMs(runId: string): Promise<number> {
    const { run } = await this.graphql<{ run: { createdAt: string; events: { timestamp: string }[] } }>(
      `query ($id: ID!) { run(id: $id) { ... on Run { createdAt events(first: 1) { timestamp } } } }`,
      { id: runId },
    );
    return Date.parse(run.events[0]!.timestamp) - Date.parse(run.createdAt);
  }

  async codeLocation(name: string): Promise<{ status: string; loadError: string | null } | null> {
    const { codeLocation } = await this.graphql<{ codeLocation: { status?: string; loadError?: string | null } }>(
      `query ($name: String!) { codeLocation(name: $name) { ... on CodeLocation { status loadError } } }`,
      { name },
    );
    return codeLocation.status ? { status: codeLocation.status, loadError: codeLocation.loadError ?? null } : null;
  }

  async latestMaterializationRun(key: string): Promise<string | null> {
    const { asset } = await this.graphql<{ asset: { latestMaterialization: { runId: string } | null } }>(
      `query ($key: String!) { asset(key: $key) { ... on Asset { latestMaterialization { runId } } } }`,
      { key },
    );
    return asset.latestMaterialization?.runId ?? null;
  }

  async close(): Promise<void> {
    await this.server.close();
    await this.server.db.close();
  }
}

/**
 * One server for a test file, and per test a scratch working directory and the workers
 * started in it (stopped with SIGTERM after the test).
 */
export function e2eSuite(env: Record<string, string> = {}) {
  let strata: Strata | undefined;
  let cwd: string | undefined;
  const workers: Worker[] = [];
  beforeAll(async () => {
    strata = await Strata.start(env);
  });
  afterAll(async () => {
    await strata?.close();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    if (cwd) await rm(cwd, { recursive: true, force: true });
    cwd = undefined;
  });
  const suite = {
    get strata(): Strata {
      return strata!;
    },
    /** The test's scratch directory, the workers' working directory. */
    async dir(): Promise<string> {
      cwd ??= await mkdtemp(join(tmpdir(), "strata-serve-"));
      return cwd;
    },
    /** Starts a worker; unless `ready: false`, waits until it is claiming runs. */
    async startWorker(
      defs: string,
      name: string,
      options: { args?: string[]; env?: Record<string, string>; ready?: boolean } = {},
    ): Promise<Worker> {
      const worker = Worker.start({
        defs,
        url: suite.strata.server.url,
        token: await suite.strata.locationToken(name),
        name,
        cwd: await suite.dir(),
        ...options,
      });
      workers.push(worker);
      if (options.ready !== false) await worker.ready();
      return worker;
    },
  };
  return suite;
}

/** A `serve()` child process. */
export class Worker {
  readonly log: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly process: ChildProcess) {
    let partial = "";
    process.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      this.log.push(...lines);
      if (globalThis.process.env.STRATA_E2E_VERBOSE)
        for (const line of lines) globalThis.process.stderr.write(`[worker ${process.pid}] ${line}\n`);
    });
    this.exited = new Promise((resolve) => process.once("exit", (code) => resolve(code)));
  }

  static start(options: {
    defs: string;
    url: string;
    token: string;
    name: string;
    cwd: string;
    args?: string[];
    env?: Record<string, string>;
  }): Worker {
    const child = spawn(
      globalThis.process.execPath,
      [
        "--conditions=strata-source",
        "--import",
        tsx,
        fixture("serve-location.ts"),
        options.defs,
        options.url,
        options.token,
        options.name,
        ...(options.args ?? []),
      ],
      { cwd: options.cwd, env: { ...globalThis.process.env, ...options.env }, stdio: ["ignore", "inherit", "pipe"] },
    );
    return new Worker(child);
  }

  /** Resolves once the worker has registered and is claiming. */
  async ready(timeoutMs = 90_000): Promise<void> {
    await waitFor(
      async () => this.log.some((line) => line.includes("claiming runs")) || null,
      timeoutMs,
      () => `worker never registered:\n${this.log.join("\n")}`,
    );
  }

  get workerId(): string | null {
    return /worker (\S+) serving/.exec(this.log.join("\n"))?.[1] ?? null;
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill("SIGTERM");
    return this.exited;
  }
}

export async function waitFor<T>(probe: () => Promise<T | null | false>, timeoutMs: number, describe: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
