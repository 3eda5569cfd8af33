/**
 * Sync status on the server: @strata/protocol's `syncResolver` over an asset's upstream closure,
 * loaded from storage level by level (one statement per level for definitions, one for latest
 * materializations), partition by partition where assets are partitioned. A node is an asset, or
 * one partition of it ("key[partition]"); a partition reads the same partition of a partitioned
 * dependency through identity or zero-offset time-window mappings (see provenance.ts), and the
 * latest materialization of an unpartitioned one. Memoized per instance: one per request.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { type SyncAsset, type SyncCause, type SyncStatus, syncResolver } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import { loadNodes, type NodeRow, readOf } from "./provenance.js";

export interface NodeRef {
  key: string;
  /** Null: the asset whole (its latest materialization of any partition). */
  partition: string | null;
}

interface Latest {
  dataVersion: string | null;
  codeVersion: string | null;
  inputs: Record<string, string | null> | null;
}

/** A cause with its node split back into asset key and partition. */
export interface NodeCause {
  category: SyncCause["category"];
  reason: string;
  assetKey: string;
  partition: string | null;
  dependency: string | null;
  dependencyPartition: string | null;
  children: NodeCause[];
}

export interface NodeStatus {
  state: SyncStatus["state"];
  causes: NodeCause[];
  rootCauses: NodeCause[];
}

/** Nodes resolved between turns given to the event loop's other work. */
const YIELD_EVERY = 2_000;

const idOf = (r: NodeRef) => (r.partition === null ? r.key : `${r.key}[${r.partition}]`);
/** A dependency read through a mapping not resolved here: in no graph, so never compared. */
const unresolved = (key: string) => `${key}[?]`;

export class SyncGraph {
  private readonly defs = new Map<string, NodeRow | null>();
  private readonly latest = new Map<string, Latest | null>();
  private readonly refs = new Map<string, NodeRef>();

  constructor(private readonly sql: Sql) {}

  private queue: Promise<unknown> = Promise.resolve();

  /**
   * The status of each node, by `key` or `key[partition]`. Calls run one at a time: fields of one
   * request resolve concurrently, and a call must not read nodes another is still loading.
   */
  statuses(starts: readonly NodeRef[]): Promise<Map<string, NodeStatus>> {
    const result = this.queue.then(() => this.resolve(starts));
    this.queue = result.catch(() => {});
    return result;
  }

  private async resolve(starts: readonly NodeRef[]): Promise<Map<string, NodeStatus>> {
    let frontier = starts.filter((r) => !this.refs.has(idOf(r)));
    for (const r of frontier) this.refs.set(idOf(r), r);
    while (frontier.length > 0) {
      await this.load(frontier);
      const next: NodeRef[] = [];
      for (const node of frontier) {
        const def = this.defs.get(node.key);
        if (!def || !this.latest.get(idOf(node))) continue;
        for (const dep of def.deps) {
          const read = readOf(dep, def.partitions, def.mappings?.[dep.key], node.partition);
          if (!read || this.refs.has(idOf({ key: read.asset, partition: read.partition }))) continue;
          const ref = { key: read.asset, partition: read.partition };
          this.refs.set(idOf(ref), ref);
          next.push(ref);
        }
      }
      frontier = next;
    }
    const resolver = syncResolver([...this.refs.values()].map((r) => this.syncAsset(r)));
    const result = new Map<string, NodeStatus>();
    for (const r of starts) {
      const s = resolver.status(idOf(r));
      result.set(idOf(r), {
        state: s.state,
        causes: s.causes.map((c) => this.split(c)),
        rootCauses: s.rootCauses.map((c) => this.split(c)),
      });
      // A registration's refresh resolves tens of thousands of nodes: other requests get turns.
      if (result.size % YIELD_EVERY === 0) await nextTurn();
    }
    return result;
  }

  /** The materialized partitions of partitioned assets, by asset key. */
  async materializedPartitions(keys: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(keys.map((k) => [k, []]));
    if (keys.length === 0) return result;
    const rows = await this.sql.query<{ assetKey: string; partitionKey: string }>(
      `SELECT p."assetKey", p."partitionKey" FROM unnest($1::text[]) AS k(key) JOIN "AssetPartition" p ON p."assetKey" = k.key
       WHERE p."lastMaterializationId" IS NOT NULL`,
      [keys],
    );
    for (const r of rows) result.get(r.assetKey)!.push(r.partitionKey);
    return result;
  }

  /** Definitions of `keys` (null for an asset no location defines). */
  async definitions(keys: readonly string[]): Promise<Map<string, NodeRow | null>> {
    const unknown = [...new Set(keys)].filter((k) => !this.defs.has(k));
    if (unknown.length > 0) {
      const rows = await loadNodes(this.sql, unknown);
      for (const k of unknown) this.defs.set(k, null);
      for (const row of rows) this.defs.set(row.key, row);
    }
    return new Map(keys.map((k) => [k, this.defs.get(k) ?? null]));
  }

  private async load(nodes: readonly NodeRef[]): Promise<void> {
    await this.definitions(nodes.map((n) => n.key));
    const unknown = nodes.filter((n) => !this.latest.has(idOf(n)));
    if (unknown.length === 0) return;
    const rows = await this.sql.query<{ key: string; part: string | null } & Latest>(
      `SELECT p.key, p.part, COALESCE(w.dv, o.dv) AS "dataVersion", COALESCE(w.cv, o.cv) AS "codeVersion", COALESCE(w.inputs, o.inputs) AS inputs,
              COALESCE(w.found, o.found, false) AS found
       FROM jsonb_to_recordset($1::jsonb) AS p(key text, part text)
       LEFT JOIN LATERAL (SELECT m."dataVersion" AS dv, m."codeVersion" AS cv, m.inputs, true AS found FROM "Materialization" m
                          WHERE p.part IS NULL AND m."assetKey" = p.key ORDER BY m.id DESC LIMIT 1) w ON true
       LEFT JOIN LATERAL (SELECT m."dataVersion" AS dv, m."codeVersion" AS cv, m.inputs, true AS found
                          FROM "AssetPartition" ap JOIN "Materialization" m ON m.id = ap."lastMaterializationId"
                          WHERE p.part IS NOT NULL AND ap."assetKey" = p.key AND ap."partitionKey" = p.part) o ON true`,
      [JSON.stringify(unknown.map((n) => ({ key: n.key, part: n.partition })))],
    );
    for (const row of rows as Array<{ key: string; part: string | null; found: boolean } & Latest>) {
      this.latest.set(
        idOf({ key: row.key, partition: row.part }),
        row.found ? { dataVersion: row.dataVersion, codeVersion: row.codeVersion, inputs: row.inputs } : null,
      );
    }
  }

  private syncAsset(ref: NodeRef): SyncAsset {
    const def = this.defs.get(ref.key) ?? null;
    const latest = this.latest.get(idOf(ref)) ?? null;
    const depIds = new Map(
      (def?.deps ?? []).map((dep) => {
        const read = readOf(dep, def!.partitions, def!.mappings?.[dep.key], ref.partition);
        return [dep.key, read ? idOf({ key: read.asset, partition: read.partition }) : unresolved(dep.key)];
      }),
    );
    // Recorded inputs are keyed by dependency asset; the graph's by node. A dependency no longer
    // declared keeps its asset key ("removed dependency on x").
    const inputs =
      def && latest?.inputs ? Object.fromEntries(Object.entries(latest.inputs).map(([dep, v]) => [depIds.get(dep) ?? dep, v])) : null;
    return {
      key: idOf(ref),
      deps: [...depIds.values()],
      codeVersion: def?.codeVersion ?? null,
      latest: latest ? { dataVersion: latest.dataVersion, codeVersion: latest.codeVersion, inputs } : null,
    };
  }

  private split(cause: SyncCause): NodeCause {
    const node = this.refOf(cause.assetKey);
    const dep = cause.dependency === null ? null : this.refOf(cause.dependency);
    return {
      category: cause.category,
      reason: cause.reason.replace(/ on (\S+)$/, (_m, id: string) => ` on ${this.refOf(id).key}`),
      assetKey: node.key,
      partition: node.partition,
      dependency: dep?.key ?? null,
      dependencyPartition: dep?.partition ?? null,
      children: cause.children.map((c) => this.split(c)),
    };
  }

  private refOf(id: string): NodeRef {
    return this.refs.get(id) ?? { key: id.endsWith("[?]") ? id.slice(0, -3) : id, partition: null };
  }
}

/**
 * An asset's status whole: an unpartitioned one's own; a partitioned one is UNSYNCED when any
 * materialized partition is (with that partition's causes), MISSING when none is materialized.
 */
export async function assetStatuses(graph: SyncGraph, keys: readonly string[]): Promise<Map<string, NodeStatus & { unsynced: string[] }>> {
  const defs = await graph.definitions(keys);
  const partitioned = keys.filter((k) => defs.get(k)?.partitions);
  const partitions = await graph.materializedPartitions(partitioned);
  const starts = keys.flatMap((k): NodeRef[] =>
    defs.get(k)?.partitions ? partitions.get(k)!.map((p) => ({ key: k, partition: p })) : [{ key: k, partition: null }],
  );
  const statuses = await graph.statuses(starts);
  return new Map(
    keys.map((k) => {
      if (!defs.get(k)?.partitions) return [k, { ...statuses.get(k)!, unsynced: [] }];
      const parts = partitions.get(k)!;
      const unsynced = parts.filter((p) => statuses.get(`${k}[${p}]`)!.state === "UNSYNCED").sort();
      if (parts.length === 0) return [k, { state: "MISSING", causes: [], rootCauses: [], unsynced }];
      const first = unsynced[0];
      return [k, first ? { ...statuses.get(`${k}[${first}]`)!, unsynced } : { state: "SYNCED", causes: [], rootCauses: [], unsynced }];
    }),
  );
}
