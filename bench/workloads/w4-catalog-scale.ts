import { spawn, spawnSync } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createSchema, createYoga } from "graphql-yoga";
import { compactManifest } from "@strata/protocol";
import { manifestHashAndDigests } from "@strata/protocol/hash";
import { createClient } from "@strata/sdk";
import { createToken, type Database, openDatabase, registrationsSettled } from "@strata/server";
import { REGISTER } from "../catalog-fixture.js";
import { post } from "../graphql-post.js";
import { median, percentile, sample, settleHeap, type BenchRow } from "../harness.js";
import { lineageDag } from "../lineage-fixture.js";
import { scratchDatabase } from "../postgres.js";
import { startServerProcess } from "../server-process.js";
import { withPGliteApp, withScratchApp } from "../strata-app.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));
/** The `strata` bin as npm links it: the CLI's built JavaScript (dist/), what `npx strata` runs. */
const strataBin = fileURLToPath(new URL("../../packages/cli/bin/strata.js", import.meta.url));
const defs = `${here}../fixtures/catalog-defs.ts`;
const BIG = 100_000;

/** W4's baseline: a bare yoga app answering a mutation that takes the same manifest and counts its assets. */
export function manifestEcho() {
  return createYoga({
    schema: createSchema({
      typeDefs: "scalar JSON type Query { ok: Boolean } type Mutation { echo(manifest: JSON!): Int! }",
      resolvers: { Mutation: { echo: (_: unknown, args: { manifest: { assets: unknown[] } }) => args.manifest.assets.length } },
    }),
    logging: false,
  });
}

/**
 * Issue 17's registration goals on its own shape, the 10,000-asset random DAG (lineage-fixture.ts):
 * first registration ≤ 1 s, one asset changed ≤ 200 ms, unchanged ≤ 50 ms round trip (hash only,
 * as a restarting location sends it; the whole manifest again, shown beside it). Baseline: a bare
 * yoga app echoing the same manifest. On `database`: a scratch PostgreSQL database, or PGlite in
 * memory in this process (issue 17 asks for both).
 */
export async function dagRegistrationRows(database: "PostgreSQL" | "PGlite"): Promise<BenchRow[]> {
  return (database === "PGlite" ? withPGliteApp : withScratchApp)(async (strata, _pubsub, db) => {
    const bare = manifestEcho();
    const register = async (name: string, manifest: unknown, hash: string) => {
      const data = await post(strata.fetch, REGISTER, { name, manifest, hash });
      if (data.registerCodeLocation.__typename !== "RegisterCodeLocationSuccess") throw new Error(data.registerCodeLocation.message);
    };
    const dags = ["dag0", "dag1", "dag2"].map((name) => ({ name, ...lineageDag(name) }));
    const first: number[] = [];
    // The event loop's longest wait during each first registration (this process is the server's
    // and the client's): what any other request would have waited at most.
    const stalls: number[] = [];
    for (const dag of dags) {
      // Each measured alone, as on an otherwise idle machine: after a large registration the
      // server merges its search indexes' pending lists and refreshes statistics behind the
      // answer (register.ts, maintainCatalog: a few hundred ms), which would otherwise share
      // these two cores (on PGlite, its one connection) with the next registration.
      await idleAfterRegistrations(db.sql);
      // Sent compact, as a location sends it (Definitions#manifestText: version 7 leaves defaults out).
      const sent = compactManifest(dag.manifest);
      const stall = monitorEventLoopDelay({ resolution: 5 });
      stall.enable();
      const t0 = performance.now();
      await register(dag.name, sent, dag.hash);
      first.push(performance.now() - t0);
      // The monitor's timer records a stall when it next fires: let it.
      await new Promise((resolve) => setTimeout(resolve, 10));
      stall.disable();
      stalls.push(stall.max / 1e6);
    }
    const dag = dags[0]!;
    // One asset changed, as a location registers it: the SDK asks by hash, then sends the items
    // the server lacks (a delta). The hash and the items' digests are the location's, computed
    // once when its definitions are built (Definitions#hash, #digests), not per registration.
    const client = createClient({ url: "http://bench/graphql", fetch: async (url, init) => strata.fetch(String(url), init!) });
    // A warm server: Prisma's query compiler is loaded (a real server loads it as it starts,
    // server.ts; here the registrations so far used no Prisma query, but its answer does).
    await client.codeLocations();
    const changed: number[] = [];
    const changeOne = (i: number) => {
      const asset = dag.manifest.assets[i * 1000]!;
      asset.description = `${asset.description ?? ""} (changed ${i})`;
      return manifestHashAndDigests(dag.manifest);
    };
    for (let i = 1; i <= 5; i++) {
      const { hash, digests } = changeOne(i);
      // Alone too: the previous registration's background work (the sync refresher walking its
      // changed asset's dependents, autovacuum after the first registrations) done.
      await idleAfterRegistrations(db.sql);
      const t0 = performance.now();
      const result = await client.registerCodeLocation({ name: dag.name, manifest: dag.manifest, hash, digests });
      changed.push(performance.now() - t0);
      if (result.version !== i + 1) throw new Error(`registered version ${result.version}, expected ${i + 1}`);
      dag.hash = hash;
    }
    // The same, the whole manifest sent (what a location without digests sends).
    const changedWhole: number[] = [];
    for (let i = 6; i <= 8; i++) {
      const { hash } = changeOne(i);
      const sent = compactManifest(dag.manifest);
      await idleAfterRegistrations(db.sql);
      const t0 = performance.now();
      await register(dag.name, sent, hash);
      changedWhole.push(performance.now() - t0);
      dag.hash = hash;
    }
    const hashOnly = `mutation($name: String!, $hash: String!) { registerCodeLocation(name: $name, hash: $hash) { __typename } }`;
    const unchanged = await sample(() => post(strata.fetch, hashOnly, { name: dag.name, hash: dag.hash }), 20, 2);
    const sent = compactManifest(dag.manifest);
    const resent = await sample(() => register(dag.name, sent, dag.hash), 5, 1);
    const echo = await sample(() => post(bare.fetch, `mutation($m: JSON!) { echo(manifest: $m) }`, { m: sent }), 5, 1);
    // The least a registration holds the thread for: parsing its request's JSON, in one piece.
    const text = JSON.stringify({ variables: { manifest: sent } });
    const parse = await sample(async () => void JSON.parse(text), 5, 1);
    // goalMs null: a path no location takes by default (a client sending the whole manifest where
    // the SDK sends a delta or the hash alone), shown for comparison, without the issue's goal.
    const row = (name: string, metric: string, times: number[], goalMs: number | null, p: number): BenchRow => ({
      name: `W4 DAG${database === "PGlite" ? " (PGlite)" : ""} ${name}`,
      metric,
      unit: "ms",
      value: percentile(times, p),
      baselineName: "bare yoga echo of the manifest, p50",
      baseline: median(echo),
      ...(goalMs === null
        ? { goal: "(for comparison)" }
        : { goal: `≤ ${goalMs.toLocaleString("en-US")} ms`, met: percentile(times, p) <= goalMs }),
    });
    return [
      row("first registration, 10,000 assets", `max of ${first.length} (p50 ${median(first).toFixed(0)})`, first, 1000, 100),
      {
        name: `W4 DAG${database === "PGlite" ? " (PGlite)" : ""} longest event-loop stall during a first registration`,
        metric: `max of ${stalls.length} (p50 ${median(stalls).toFixed(0)})`,
        unit: "ms",
        value: percentile(stalls, 100),
        baselineName: "one JSON.parse of its request, p50",
        baseline: median(parse),
        goal: "(for comparison)",
      },
      row("one asset changed (SDK, delta)", `max of ${changed.length} (p50 ${median(changed).toFixed(0)})`, changed, 200, 100),
      row(
        "one asset changed, whole manifest sent",
        `max of ${changedWhole.length} (p50 ${median(changedWhole).toFixed(0)})`,
        changedWhole,
        null,
        100,
      ),
      row("unchanged, hash only", `p95 of ${unchanged.length} (p50 ${median(unchanged).toFixed(1)})`, unchanged, 50, 95),
      row("unchanged, manifest sent again", `p95 of ${resent.length} (p50 ${median(resent).toFixed(0)})`, resent, null, 95),
    ];
  });
}

/**
 * Resolves once the server is idle as after a registration on an otherwise idle machine: what
 * registrations left behind them done (registrationsSettled: index maintenance, the manifests'
 * texts and digests), no other session of this database running a statement (the sync
 * refresher, autovacuum; polled every 20 ms, for at most 10 s), and the bench's own garbage
 * collected (settleHeap).
 */
export async function idleAfterRegistrations(sql: Database["sql"]) {
  await registrationsSettled(sql);
  settleHeap();
  // One connection: a statement queues behind whatever else was asked of it.
  if (sql.dialect === "pglite") return void (await sql.query("SELECT 1"));
  for (const t0 = performance.now(); performance.now() - t0 < 10_000; await new Promise((r) => setTimeout(r, 20))) {
    const [busy] = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
    );
    if (busy!.n === 0) return;
  }
  throw new Error("the catalog's maintenance still ran after 10 s");
}

/**
 * Runs `args` with node until `done()` holds, polled every 100 ms; returns the elapsed ms. As a
 * user's shell would: no NODE_OPTIONS (the bench's own would select the packages' sources).
 */
async function timeProcess(args: string[], env: Record<string, string>, done: () => Promise<boolean>, limitMs: number) {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, NODE_OPTIONS: "", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    while (!(await done())) {
      if (child.exitCode !== null) throw new Error(`${args.join(" ")} exited ${child.exitCode}: ${stderr}`);
      if (performance.now() - t0 > limitMs) throw new Error(`${args.join(" ")}: not done after ${limitMs} ms: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return performance.now() - t0;
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/** Runs `args` with node to its end, without the bench's NODE_OPTIONS; returns the elapsed ms. */
async function timeExit(args: string[], env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, NODE_OPTIONS: "", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`${args.join(" ")} exited ${code}`);
  return performance.now() - t0;
}

/**
 * Builds the CLI and the packages it loads (turbo: a cache hit when nothing changed), so the
 * `strata` bin runs what the sources say, and the timed start does not include a first build.
 */
function buildCli(): void {
  const npx = process.platform === "win32" ? "npx.cmd" : "npx";
  const build = spawnSync(npx, ["--no-install", "turbo", "run", "build", "--filter=@strata/cli...", "--output-logs=errors-only"], {
    cwd: root,
    encoding: "utf8",
  });
  if (build.status !== 0)
    throw new Error(`building the CLI failed (${build.error?.message ?? `exit ${build.status}`}):\n${build.stdout}${build.stderr}`);
}

/**
 * A generated 100,000-asset location (200 groups, ~3 deps each) registering through `strata
 * location serve` against a server process on PostgreSQL: from the command's start until the
 * server lists the location LOADED with every asset. The command is the `strata` bin as a user
 * runs it, its packages' built JavaScript, which the definitions file imports too (a user's
 * project has no sources of them; the CLI from its sources under tsx started ~0.6 s later).
 * Baseline: building the same definitions (importing the file) in a bare process, what the
 * location costs before it sends anything.
 */
export async function locationServeRow(): Promise<BenchRow> {
  buildCli();
  const scratch = await scratchDatabase();
  const server = await startServerProcess({ DATABASE_URL: scratch.url });
  const db = await openDatabase({ url: scratch.url, poolSize: 1 });
  try {
    const token = (await createToken(db.prisma, { name: "bench", scopes: ["admin"] })).token;
    const env = { BENCH_SIZE: String(BIG) };
    // With the young generation `strata location serve` gives its child (packages/cli/src/location/location-process.ts).
    const buildMs = await timeExit(
      ["--max-semi-space-size=64", "--import", "tsx", "--input-type=module", "-e", `await import(${JSON.stringify(defs)});`],
      env,
    );
    const loaded = async () => {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: `{ codeLocation(name: "big") { ... on CodeLocation { status assetCount } } }` }),
      });
      const location = ((await response.json()) as { data?: { codeLocation?: { status?: string; assetCount?: number } } }).data
        ?.codeLocation;
      return location?.status === "LOADED" && location.assetCount === BIG;
    };
    const serveMs = await timeProcess(
      // With the young generation the bin's first line gives node (packages/cli/bin/strata.js).
      ["--max-semi-space-size=64", strataBin, "location", "serve", defs, "--server", server.url, "--token", token, "--name", "big"],
      env,
      loaded,
      180_000,
    );
    return {
      name: "W4 100,000-asset location through `strata location serve`",
      metric: "start to LOADED, PostgreSQL",
      unit: "s",
      value: serveMs / 1000,
      baselineName: "building its definitions alone, as a location process does",
      baseline: buildMs / 1000,
      goal: "≤ 10 s",
      met: serveMs <= 10_000,
    };
  } finally {
    await db.close();
    await server.stop();
    await scratch.drop();
  }
}
