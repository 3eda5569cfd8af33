import type { Sql } from "../db/sql.js";
import type { LineageDirection } from "./lineage-walk.js";

/** Graphs kept per database: the current one and the previous one, while requests catch up. */
const KEPT = 2;

/**
 * The whole asset graph in memory, as adjacency arrays (CSR) over the keys sorted: node `i` has
 * the upstream neighbours `up[upAt[i]..upAt[i + 1]]`, in key order, and likewise downstream.
 * 10,000 assets with 30,000 edges take about a megabyte; 100,000 assets ten.
 */
export class LineageGraph {
  readonly index: Map<string, number>;
  constructor(
    /** Every asset key a location defines or an edge names, sorted (JavaScript string order). */
    readonly keys: readonly string[],
    readonly up: { at: Int32Array; to: Int32Array },
    readonly down: { at: Int32Array; to: Int32Array },
  ) {
    this.index = new Map(keys.map((key, i) => [key, i]));
  }

  get edgeCount(): number {
    return this.up.to.length;
  }

  /**
   * Breadth-first from `start` (indexes), at most `depth` levels (null: no limit): each node is
   * expanded once, at its shortest distance, whatever the bound. Marks what it reaches in
   * `reached` (start included) and returns how many that is.
   */
  walk(start: readonly number[], direction: LineageDirection, depth: number | null, reached: Uint8Array): number {
    const { at, to } = direction === "upstream" ? this.up : this.down;
    let frontier: number[] = [];
    for (const i of start) {
      if (reached[i]) continue;
      reached[i] = 1;
      frontier.push(i);
    }
    let count = frontier.length;
    for (let level = 0; frontier.length > 0 && (depth === null || level < depth); level++) {
      const next: number[] = [];
      for (const node of frontier) {
        for (let e = at[node]!, end = at[node + 1]!; e < end; e++) {
          const neighbour = to[e]!;
          if (reached[neighbour]) continue;
          reached[neighbour] = 1;
          next.push(neighbour);
        }
      }
      count += next.length;
      frontier = next;
    }
    return count;
  }

  /** The keys marked in `marks`, sorted. */
  keysOf(marks: Uint8Array): string[] {
    const keys: string[] = [];
    for (let i = 0; i < marks.length; i++) if (marks[i]) keys.push(this.keys[i]!);
    return keys;
  }

  /** The edges whose both ends are marked, ordered by downstream key, then upstream key. */
  edgesAmong(marks: Uint8Array): { upstream: string; downstream: string }[] {
    const { at, to } = this.up;
    const edges: { upstream: string; downstream: string }[] = [];
    for (let d = 0; d < marks.length; d++) {
      if (!marks[d]) continue;
      const downstream = this.keys[d]!;
      for (let e = at[d]!, end = at[d + 1]!; e < end; e++) {
        const u = to[e]!;
        if (marks[u]) edges.push({ upstream: this.keys[u]!, downstream });
      }
    }
    return edges;
  }
}

/** Adjacency arrays from [from, to] index pairs: for each `from`, its `to`s ascending. */
function compressed(nodeCount: number, from: Int32Array, to: Int32Array): { at: Int32Array; to: Int32Array } {
  const at = new Int32Array(nodeCount + 1);
  for (let e = 0; e < from.length; e++) at[from[e]! + 1]!++;
  for (let i = 0; i < nodeCount; i++) at[i + 1]! += at[i]!;
  const fill = at.slice(0, nodeCount);
  const targets = new Int32Array(from.length);
  for (let e = 0; e < from.length; e++) targets[fill[from[e]!]!++] = to[e]!;
  for (let i = 0; i < nodeCount; i++) targets.subarray(at[i]!, at[i + 1]!).sort();
  return { at, to: targets };
}

/**
 * The graph and the location versions it belongs to, in one statement, so both come from the same
 * snapshot. Nodes and edges as one text each: tens of thousands of rows cost the drivers far more
 * to hand over than one long string. Keys cannot hold tabs or newlines.
 */
async function readGraph(sql: Sql): Promise<{ versions: string; graph: LineageGraph }> {
  const [row] = await sql.query<{ versions: string | null; nodes: string | null; edges: string | null }>(
    `SELECT (SELECT string_agg(coalesce("currentVersionId", '-'), ',' ORDER BY id) FROM "CodeLocation") AS versions,
            (SELECT string_agg(key, E'\n') FROM "AssetNode") AS nodes,
            (SELECT string_agg("upstreamKey" || E'\t' || "downstreamKey", E'\n') FROM "AssetDependency") AS edges`,
  );
  const edgeLines = row?.edges ? row.edges.split("\n") : [];
  const named = new Set(row?.nodes ? row.nodes.split("\n") : []);
  const pairs = edgeLines.map((line) => line.split("\t") as [string, string]);
  for (const [upstream, downstream] of pairs) named.add(upstream).add(downstream);
  const keys = [...named].sort();
  const index = new Map(keys.map((key, i) => [key, i]));
  const ups = new Int32Array(pairs.length);
  const downs = new Int32Array(pairs.length);
  pairs.forEach(([upstream, downstream], e) => {
    ups[e] = index.get(upstream)!;
    downs[e] = index.get(downstream)!;
  });
  const graph = new LineageGraph(keys, compressed(keys.length, downs, ups), compressed(keys.length, ups, downs));
  return { versions: row?.versions ?? "", graph };
}

/**
 * The asset graph of one database, cached by the locations' current manifest versions: edges and
 * definitions change only when a location registers a new version or is removed, both of which
 * change that list. A request pays one small statement to learn the versions; a new graph is read
 * once, shared by the requests that ask meanwhile. A walk is then a breadth-first search in memory
 * (a few milliseconds over 10,000 assets) instead of a statement per level and one for the edges.
 */
export class LineageGraphs {
  private readonly cache = new Map<string, Promise<LineageGraph>>();
  private loading: Promise<{ versions: string; graph: LineageGraph }> | null = null;

  constructor(private readonly sql: Sql) {}

  async current(): Promise<LineageGraph> {
    const [row] = await this.sql.query<{ versions: string | null }>(
      `SELECT string_agg(coalesce("currentVersionId", '-'), ',' ORDER BY id) AS versions FROM "CodeLocation"`,
    );
    const known = this.cache.get(row?.versions ?? "");
    if (known) return known;
    // Requests that find the cache stale at once share one read; the graph it reads is at least as
    // new as the versions they saw.
    this.loading ??= readGraph(this.sql).finally(() => {
      this.loading = null;
    });
    const { versions, graph } = await this.loading;
    if (!this.cache.has(versions)) {
      this.cache.set(versions, Promise.resolve(graph));
      while (this.cache.size > KEPT) this.cache.delete(this.cache.keys().next().value!);
    }
    return graph;
  }
}

const perDatabase = new WeakMap<Sql, LineageGraphs>();

/** The asset graph now (see LineageGraphs). */
export function lineageGraph(sql: Sql): Promise<LineageGraph> {
  let graphs = perDatabase.get(sql);
  if (!graphs) perDatabase.set(sql, (graphs = new LineageGraphs(sql)));
  return graphs.current();
}
