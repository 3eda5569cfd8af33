import pg from "pg";
import { REGISTER } from "../catalog-fixture.js";
import { post } from "../graphql-post.js";
import { median, p95Row, percentile, type BenchRow, type Workload } from "../harness.js";
import { expectedWalk, lineageDag } from "../lineage-fixture.js";
import { mkdtemp, rm } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStrataPubSub, createToken, openDatabase } from "@strata/server";
import { bearerFetcher } from "../graphql-post.js";
import { startScratchServer, startServerProcess } from "../server-process.js";
import { benchApp } from "../strata-app.js";

const DEPTHS = [1, 5, 10, 50, 100, 300, null] as const;
const DIRECTIONS = ["upstream", "downstream"] as const;
const GOAL_MS = 150;
const HEALTH_GOAL_MS = 50;

const LINEAGE = `query($keys: [String!]!, $up: Int, $down: Int) {
  lineage(keys: $keys, upstreamDepth: $up, downstreamDepth: $down) { nodes { key } edges { upstream downstream } }
}`;
const FIELD = {
  upstream: `query($key: String!, $depth: Int) { asset(key: $key) { ... on Asset { upstream(depth: $depth) { key } } } }`,
  downstream: `query($key: String!, $depth: Int) { asset(key: $key) { ... on Asset { downstream(depth: $depth) { key } } } }`,
};
const PROBER = new URL("../health-prober.mjs", import.meta.url);

/** Every walk unbounded, in one statement straight to PostgreSQL: what reading the reachable part of the graph costs without Strata. */
function baselineSql(direction: "upstream" | "downstream") {
  const [from, to] = direction === "upstream" ? ['"downstreamKey"', '"upstreamKey"'] : ['"upstreamKey"', '"downstreamKey"'];
  return `WITH RECURSIVE walk(key) AS (
    SELECT $1::text UNION
    SELECT n.key FROM walk w CROSS JOIN LATERAL (SELECT d.${to} AS key FROM "AssetDependency" d WHERE d.${from} = w.key OFFSET 0) n
  ) SELECT key FROM walk ORDER BY key`;
}

/** Times `fn` up to `max` times after two warm-ups, fewer (at least 5) once `budgetMs` is spent. */
async function timed(fn: () => Promise<unknown>, max = 15, budgetMs = 1500): Promise<number[]> {
  for (let i = 0; i < 2; i++) await fn();
  const times: number[] = [];
  const started = performance.now();
  while (times.length < max && (times.length < 5 || performance.now() - started < budgetMs)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

/** Least squares of y on x: slope and R². */
function fit(points: Array<[number, number]>) {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const syy = points.reduce((s, [, y]) => s + (y - my) ** 2, 0);
  return { slope: sxy / sxx, r2: (sxy * sxy) / (sxx * syy) };
}

/**
 * W17: lineage walks on a 10,000-asset DAG (200 groups, ~3 deps each, a hub, a 300-asset chain) on
 * PostgreSQL, then on PGlite (issue 17 asks for both), through a real server process over HTTP: every depth, both directions, from the
 * hub, a leaf and the chain's middle, through the `lineage` query and the `Asset.upstream` /
 * `downstream` fields. Baseline: the unbounded walk from the same asset as one recursive
 * statement sent straight to PostgreSQL. Then the latency of a `health` query sent every 50 ms
 * while the heaviest walk runs back to back, beside the same measurement on an idle server.
 */
export const w17Lineage: Workload = {
  id: "W17",
  title: "lineage walks of every depth on a 10,000-asset DAG (PostgreSQL, then PGlite; over HTTP)",
  async run(): Promise<BenchRow[]> {
    return [...(await lineageRows("PostgreSQL")), ...(await lineageRows("PGlite"))];
  },
};

/** What W17 runs against: a server process on `database` and the same graph for the baseline's SQL. */
interface LineageTarget {
  url: string;
  /** An admin token. */
  token: string;
  fetcher: (url: string, init: RequestInit) => Promise<Response>;
  /** Runs the baseline's statement on the graph the server holds (PGlite: a copy in this process). */
  query(text: string, values: unknown[]): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * On PostgreSQL: a scratch database, the server process on it, the statement sent straight to it.
 * On PGlite: the server process on its own embedded database (a token created in it first), and
 * the statement run on an in-memory PGlite in this process holding the same registered graph.
 */
async function lineageTarget(database: "PostgreSQL" | "PGlite", dag: ReturnType<typeof lineageDag>): Promise<LineageTarget> {
  const register = async (fetcher: (url: string, init: RequestInit) => Promise<Response> | Response) => {
    const registered = await post(fetcher, REGISTER, { name: "dag", manifest: dag.manifest, hash: dag.hash });
    if (registered.registerCodeLocation.__typename !== "RegisterCodeLocationSuccess")
      throw new Error(registered.registerCodeLocation.message);
  };
  if (database === "PostgreSQL") {
    const server = await startScratchServer(1);
    const direct = new pg.Client({ connectionString: server.databaseUrl });
    await direct.connect();
    await register(server.fetcher);
    return {
      url: server.url,
      token: server.admin,
      fetcher: server.fetcher,
      query: (text, values) => direct.query(text, values),
      stop: async () => {
        await direct.end();
        await server.stop();
      },
    };
  }
  const home = await mkdtemp(join(tmpdir(), "strata-w17-"));
  const seeded = await openDatabase({ dataDir: join(home, "db") });
  const admin = (await createToken(seeded.prisma, { name: "bench-admin", scopes: ["admin"] })).token;
  await seeded.close();
  const server = await startServerProcess({ STRATA_HOME: home });
  const fetcher = bearerFetcher(server.url, admin);
  await register(fetcher);
  const copy = await openDatabase();
  const pubsub = await createStrataPubSub();
  await register(benchApp(copy, pubsub).fetch);
  return {
    url: server.url,
    token: admin,
    fetcher,
    query: (text, values) => copy.sql.query(text, values),
    stop: async () => {
      await pubsub.close();
      await copy.close();
      await server.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

async function lineageRows(database: "PostgreSQL" | "PGlite"): Promise<BenchRow[]> {
  const dag = lineageDag();
  const target = await lineageTarget(database, dag);
  const id = database === "PostgreSQL" ? "W17" : "W17 (PGlite)";
  try {
    const fetcher = target.fetcher;
    const send = (init: RequestInit) => fetcher(target.url, init);

    const rows: BenchRow[] = [];
    const points: { lineage: Array<[number, number]>; baseline: Array<[number, number]> } = { lineage: [], baseline: [] };
    // The walk visiting the most nodes and edges (the slowest by p50 was a coin toss among the big ones).
    let heaviest = { visited: -1, variables: {} as Record<string, unknown>, label: "" };
    for (const [startName, key] of Object.entries(dag.starts)) {
      for (const direction of DIRECTIONS) {
        const all = expectedWalk(dag.graph[direction], key, null);
        const baseline = await timed(() => target.query(baselineSql(direction), [key]));
        for (const depth of DEPTHS) {
          const expected = expectedWalk(dag.graph[direction], key, depth);
          const variables = { keys: [key], up: direction === "upstream" ? depth : 0, down: direction === "downstream" ? depth : 0 };
          const answer = await post(fetcher, LINEAGE, variables);
          if (answer.lineage.nodes.length !== expected.nodes + 1)
            throw new Error(
              `W17 ${direction} ${depth} from ${startName}: ${answer.lineage.nodes.length - 1} assets, expected ${expected.nodes}`,
            );
          const field = await post(fetcher, FIELD[direction], { key, depth });
          if (field.asset[direction].length !== expected.nodes)
            throw new Error(`W17 ${direction} field ${depth} from ${startName}: wrong answer`);
          const lineage = await timed(() => post(fetcher, LINEAGE, variables));
          const nested = await timed(() => post(fetcher, FIELD[direction], { key, depth }));
          const case_ = `${id} ${direction} depth ${depth ?? "∞"} from ${startName}`;
          const visited = `${expected.nodes.toLocaleString("en-US")} nodes, ${expected.edges.toLocaleString("en-US")} edges`;
          const baselineName = `unbounded CTE in SQL, ${all.nodes.toLocaleString("en-US")} nodes`;
          points.lineage.push([expected.nodes + expected.edges, median(lineage)]);
          if (depth === null) points.baseline.push([all.nodes + all.edges, median(baseline)]);
          if (expected.nodes + expected.edges > heaviest.visited)
            heaviest = { visited: expected.nodes + expected.edges, variables, label: case_ };
          rows.push(
            p95Row(case_, `lineage query p95 (p50 ${median(lineage).toFixed(1)}; ${visited})`, lineage, baselineName, baseline, GOAL_MS),
            p95Row(case_, `Asset.${direction} p95 (p50 ${median(nested).toFixed(1)})`, nested, baselineName, baseline, GOAL_MS),
          );
        }
      }
    }
    const walks = fit(points.lineage);
    const sql = fit(points.baseline);
    rows.push({
      name: `${id} lineage p50 against nodes + edges visited`,
      metric: `slope, over all ${points.lineage.length} walks (R² ${walks.r2.toFixed(3)})`,
      unit: "µs",
      value: walks.slope * 1000,
      baselineName: `unbounded CTE, R² ${sql.r2.toFixed(3)}`,
      baseline: sql.slope * 1000,
      goal: "linear: R² ≥ 0.9",
      met: walks.r2 >= 0.9,
    });

    const idle = await healthWhile(target, null);
    const busy = await healthWhile(target, () =>
      send({
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: LINEAGE, variables: heaviest.variables }),
      }),
    );
    rows.push({
      name: `${id} health every 50 ms during the heaviest walk (${heaviest.label.slice(id.length + 1)})`,
      metric: `max wait of ${busy.count} (p95 ${percentile(busy.times, 95).toFixed(1)}; ${busy.walks} walks ran)`,
      unit: "ms",
      value: Math.max(...busy.times),
      baselineName: "idle server, max",
      baseline: Math.max(...idle.times),
      goal: `≤ ${HEALTH_GOAL_MS} ms`,
      met: Math.max(...busy.times) <= HEALTH_GOAL_MS,
    });
    return rows;
  } finally {
    await target.stop();
  }
}

/**
 * Sends `health` every 50 ms for 3 s from a worker thread (health-prober.ts) while `walk` (if
 * any) runs back to back on this one, and returns how long each health request took. The walk's
 * answer is read as text, unparsed.
 */
async function healthWhile(target: LineageTarget, walk: (() => Promise<Response>) | null) {
  let running = true;
  let walks = 0;
  const walking = (async () => {
    while (walk && running) {
      await (await walk()).text();
      walks++;
    }
  })();
  if (walk) await new Promise((r) => setTimeout(r, 200)); // the walk is under way before the first health query
  const probe = { url: target.url, token: target.token, everyMs: 50, forMs: 3000 };
  const prober = new Worker(PROBER, { workerData: probe });
  const times = await new Promise<number[]>((resolve, reject) => {
    prober.once("message", resolve);
    prober.once("error", reject);
    prober.once("exit", (code) => reject(new Error(`W17 health prober exited ${code} before answering`)));
  });
  await prober.terminate();
  running = false;
  await walking;
  return { times, count: times.length, walks };
}
