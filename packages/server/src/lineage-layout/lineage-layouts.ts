import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { Sql } from "../db/sql.js";
import { LAYOUT_SIZES, type LayoutInput, type LayoutResult, layoutLineage } from "./layout.js";

/** A group of the layout: a location's asset group, or the assets no location defines (location null). */
export interface LayoutGroup {
  name: string;
  location: string | null;
  assetCount: number;
}

/** The whole graph's layout, computed once per graph. */
export interface LineageLayout extends LayoutResult {
  graphHash: string;
  keys: string[];
  groupOf: Int32Array;
  groups: LayoutGroup[];
  /** [upstream, downstream] pairs of indexes into `keys`. */
  edges: Int32Array;
  nodeWidth: number;
  nodeHeight: number;
  /** How long computing it took, in milliseconds. */
  computeMs: number;
}

/** Layouts kept per database: the current graph's and the previous one's, while clients catch up. */
const KEPT = 2;

/**
 * The layout thread's script: its built module, or, run from sources (vitest, `--conditions=strata-source`),
 * a bootstrap that registers tsx in the thread (Node 20 does not pass a parent's `--import` hooks to
 * workers) and then imports the TypeScript module.
 */
function workerScript(): { script: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith(".ts")) return { script: new URL("./layout-worker.js", import.meta.url), eval: false };
  const source = new URL("./layout-worker.ts", import.meta.url).href;
  return {
    script: `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`,
    eval: true,
  };
}

/**
 * The layout thread, shared by every server of the process and started on first use: a 10,000
 * asset layout takes ~100 ms of CPU, which must not stall the requests the event loop serves
 * meanwhile. It does not keep the process alive. When the thread cannot start (a runtime without
 * worker threads), layouts are computed on the event loop.
 */
class LayoutThread {
  private worker: Worker | null = null;
  private next = 0;
  private readonly pending = new Map<number, { resolve(result: LayoutResult): void; reject(error: Error): void }>();
  private unavailable = false;

  compute(input: LayoutInput): Promise<LayoutResult> {
    const worker = this.start();
    if (!worker) return Promise.resolve(layoutLineage(input));
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, input }, [input.groupOf.buffer as ArrayBuffer, input.edges.buffer as ArrayBuffer]);
    });
  }

  private start(): Worker | null {
    if (this.worker || this.unavailable) return this.worker;
    const { script, eval: isCode } = workerScript();
    let worker: Worker;
    try {
      worker = new Worker(script, { eval: isCode });
    } catch {
      this.unavailable = true;
      return null;
    }
    worker.unref();
    worker.on("message", (message: { id: number; result?: LayoutResult; error?: string }) => {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      if (message.error !== undefined) waiting?.reject(new Error(`the lineage layout failed: ${message.error}`));
      else waiting?.resolve(message.result!);
    });
    const fail = (error: Error) => {
      this.worker = null;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the lineage layout thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

const thread = new LayoutThread();

interface GraphRows {
  nodes: { key: string; group: string | null; location: string | null }[];
  edges: { upstream: string; downstream: string }[];
}

/**
 * The graph as two strings, one row each: tens of thousands of rows cost PGlite far more to hand
 * over than one long text (10,000 nodes: ~35 ms as rows). Keys cannot hold tabs or newlines.
 */
async function readGraph(sql: Sql): Promise<GraphRows> {
  const [[nodeText], [edgeText]] = await Promise.all([
    sql.query<{ text: string | null }>(
      `SELECT string_agg(key || E'\t' || coalesce("group", '') || E'\t' || coalesce(location, ''), E'\n' ORDER BY key) AS text
         FROM (SELECT n.key, n."groupName" AS "group", l.name AS location
                 FROM "AssetNode" n JOIN "CodeLocation" l ON l.id = n."locationId"
               UNION ALL
               SELECT DISTINCT d."upstreamKey", NULL, NULL FROM "AssetDependency" d
                WHERE NOT EXISTS (SELECT 1 FROM "AssetNode" n WHERE n.key = d."upstreamKey")) graph`,
    ),
    sql.query<{ text: string | null }>(
      `SELECT string_agg("upstreamKey" || E'\t' || "downstreamKey", E'\n') AS text FROM "AssetDependency"`,
    ),
  ]);
  const lines = (text: string | null | undefined) => (text ? text.split("\n") : []);
  return {
    nodes: lines(nodeText?.text).map((line) => {
      const [key, group, location] = line.split("\t") as [string, string, string];
      return { key, group: location ? group : null, location: location || null };
    }),
    edges: lines(edgeText?.text).map((line) => {
      const [upstream, downstream] = line.split("\t") as [string, string];
      return { upstream, downstream };
    }),
  };
}

/** Each node's sync state and check health now, aligned with `layout.keys` (null where unknown). */
export async function nodeStates(sql: Sql, layout: LineageLayout): Promise<{ sync: (SyncState | null)[]; health: (CheckHealth | null)[] }> {
  const [row] = await sql.query<{ text: string | null }>(
    `SELECT string_agg(key || E'\t' || coalesce("syncState"::text, '') || E'\t' || coalesce("checkHealth"::text, ''), E'\n') AS text
       FROM "AssetNode"`,
  );
  const index = new Map(layout.keys.map((key, i) => [key, i]));
  const sync = new Array<SyncState | null>(layout.keys.length).fill(null);
  const health = new Array<CheckHealth | null>(layout.keys.length).fill(null);
  for (const line of row?.text ? row.text.split("\n") : []) {
    const [key, state, checks] = line.split("\t") as [string, string, string];
    const i = index.get(key);
    if (i === undefined) continue;
    sync[i] = (state || null) as SyncState | null;
    health[i] = (checks || null) as CheckHealth | null;
  }
  return { sync, health };
}

export type SyncState = "SYNCED" | "UNSYNCED" | "MISSING";
export type CheckHealth = "PASSING" | "WARNING" | "FAILING" | "NOT_EVALUATED";

async function computeLayout(sql: Sql, graphHash: string): Promise<LineageLayout> {
  const started = performance.now();
  const { nodes, edges } = await readGraph(sql);
  const groupIds = new Map<string, number>();
  const groups: LayoutGroup[] = [];
  const groupKey = (n: (typeof nodes)[number]) => (n.location === null ? "" : `${n.location}\u0000${n.group ?? "default"}`);
  const sortedGroups = [...new Set(nodes.map(groupKey))].sort();
  for (const key of sortedGroups) {
    groupIds.set(key, groups.length);
    const [location, name] = key === "" ? [null, "external"] : key.split("\u0000");
    groups.push({ name: name!, location: location ?? null, assetCount: 0 });
  }
  const keys = nodes.map((n) => n.key);
  const index = new Map(keys.map((key, i) => [key, i]));
  const groupOf = new Int32Array(nodes.length);
  nodes.forEach((node, n) => {
    const g = groupIds.get(groupKey(node))!;
    groupOf[n] = g;
    groups[g]!.assetCount++;
  });
  const edgeIndexes = new Int32Array(edges.length * 2);
  let e = 0;
  for (const edge of edges) {
    const from = index.get(edge.upstream);
    const to = index.get(edge.downstream);
    if (from === undefined || to === undefined) continue;
    edgeIndexes[e++] = from;
    edgeIndexes[e++] = to;
  }
  const edgePairs = edgeIndexes.slice(0, e);
  // The thread takes its inputs' buffers: it gets copies, the layout keeps the originals.
  const result = await thread.compute({
    nodeCount: keys.length,
    groupCount: groups.length,
    groupOf: groupOf.slice(),
    edges: edgePairs.slice(),
  });
  return {
    ...result,
    graphHash,
    keys,
    groupOf,
    groups,
    edges: edgePairs,
    nodeWidth: LAYOUT_SIZES.nodeWidth,
    nodeHeight: LAYOUT_SIZES.nodeHeight,
    computeMs: Math.round(performance.now() - started),
  };
}

/**
 * Layouts of one database's graph, cached by the graph's identity: the locations' current
 * manifest versions (the asset graph changes only when a location registers or is removed).
 * Concurrent first requests share one computation.
 */
export class LineageLayouts {
  private readonly cache = new Map<string, Promise<LineageLayout>>();

  constructor(private readonly sql: Sql) {}

  async current(): Promise<{ layout: LineageLayout; cached: boolean }> {
    const versions = await this.sql.query<{ id: string | null }>(`SELECT "currentVersionId" AS id FROM "CodeLocation" ORDER BY 1`);
    const graphHash = createHash("sha256")
      .update(versions.map((v) => v.id ?? "").join(","))
      .digest("hex")
      .slice(0, 16);
    const known = this.cache.get(graphHash);
    if (known) return { layout: await known, cached: true };
    const computing = computeLayout(this.sql, graphHash);
    this.cache.set(graphHash, computing);
    computing.catch(() => this.cache.delete(graphHash));
    while (this.cache.size > KEPT) this.cache.delete(this.cache.keys().next().value!);
    return { layout: await computing, cached: false };
  }
}

const perDatabase = new WeakMap<Sql, LineageLayouts>();

export function lineageLayouts(sql: Sql): LineageLayouts {
  let layouts = perDatabase.get(sql);
  if (!layouts) perDatabase.set(sql, (layouts = new LineageLayouts(sql)));
  return layouts;
}
