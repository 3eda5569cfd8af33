/**
 * Whether an asset is in sync with its code and its inputs (Dagster's stale status, "unsynced" in
 * its UI), with causes and root causes, from what each latest materialization recorded: the code
 * version it ran with and the data version of every input it read. Pure; the server calls it
 * with its stored materializations (per partition for a partitioned asset).
 *
 * Rules, as Dagster's `data_version.py`: an asset is UNSYNCED when its code version changed since
 * it was materialized (CODE), when its dependencies changed (DEPENDENCIES: added or removed), when
 * a dependency has a data version other than the one it read (DATA), or when a dependency is
 * itself unsynced for a DATA reason ("stale dependency"). A dependency's pending code change does
 * not propagate: the dependency's data is unchanged until it is materialized again.
 */
export type SyncState = "SYNCED" | "UNSYNCED" | "MISSING";
export type SyncCauseCategory = "CODE" | "DATA" | "DEPENDENCIES";

export interface SyncCause {
  assetKey: string;
  category: SyncCauseCategory;
  reason: string;
  /** The dependency the cause is about, if any. */
  dependency: string | null;
  /** The dependency's own causes, for "stale dependency" and "has a new dependency data version". */
  children: SyncCause[];
}

/** What the sync rules need to know of one asset. */
export interface SyncAsset {
  key: string;
  /** Its current upstream asset keys. */
  deps: readonly string[];
  /** Its current code version. */
  codeVersion: string | null;
  /** Its latest materialization, or `null` when it has none. */
  latest: {
    dataVersion: string | null;
    codeVersion: string | null;
    /** Dependency key → the data version it read (`null` when unknown); `null` when not recorded. */
    inputs: Readonly<Record<string, string | null>> | null;
  } | null;
}

export interface SyncStatus {
  state: SyncState;
  causes: SyncCause[];
  /** The leaves of the causes' trees: what to materialize (or fix) first. */
  rootCauses: SyncCause[];
}

/**
 * Resolves sync statuses over a graph, each asset once (memoized along the lineage).
 *
 * @example
 * ```ts
 * const resolver = syncResolver(assets);
 * resolver.status("b"); // { state: "UNSYNCED", causes: [...], rootCauses: [...] }
 * ```
 */
export function syncResolver(assets: readonly SyncAsset[]): { status(key: string): SyncStatus } {
  const byKey = new Map(assets.map((a) => [a.key, a]));
  const memo = new Map<string, SyncCause[]>();
  const visiting = new Set<string>();

  const causesOf = (key: string): SyncCause[] => {
    const cached = memo.get(key);
    if (cached) return cached;
    const asset = byKey.get(key);
    if (!asset?.latest || visiting.has(key)) return [];
    visiting.add(key);
    const causes: SyncCause[] = [];
    const latest = asset.latest;
    const cause = (category: SyncCauseCategory, reason: string, dependency: string | null = null, children: SyncCause[] = []) =>
      causes.push({ assetKey: key, category, reason, dependency, children });
    if (asset.codeVersion !== null && asset.codeVersion !== latest.codeVersion) cause("CODE", "has a new code version");
    const read = latest.inputs;
    if (read !== null) {
      for (const dep of Object.keys(read).sort()) if (!asset.deps.includes(dep)) cause("DEPENDENCIES", `removed dependency on ${dep}`, dep);
      for (const dep of [...asset.deps].sort()) {
        if (!(dep in read)) {
          cause("DEPENDENCIES", `has a new dependency on ${dep}`, dep);
          continue;
        }
        const upstream = byKey.get(dep);
        if (!upstream?.latest) continue;
        const readVersion = read[dep] ?? null;
        const current = upstream.latest.dataVersion;
        // Unknown on either side (an input read before it had a version): nothing to compare.
        if (readVersion !== null && current !== null && readVersion !== current) {
          cause("DATA", "has a new dependency data version", dep, [
            { assetKey: dep, category: "DATA", reason: "has a new data version", dependency: null, children: [] },
          ]);
          continue;
        }
        const upstreamCauses = causesOf(dep).filter((c) => c.category === "DATA" || c.reason === "stale dependency");
        if (upstreamCauses.length > 0) cause("DATA", "stale dependency", dep, upstreamCauses);
      }
    }
    visiting.delete(key);
    memo.set(key, causes);
    return causes;
  };

  return {
    status(key: string): SyncStatus {
      const asset = byKey.get(key);
      if (!asset?.latest) return { state: "MISSING", causes: [], rootCauses: [] };
      const causes = causesOf(key);
      return { state: causes.length > 0 ? "UNSYNCED" : "SYNCED", causes, rootCauses: rootCausesOf(causes) };
    },
  };
}

function rootCausesOf(causes: readonly SyncCause[]): SyncCause[] {
  const roots = new Map<string, SyncCause>();
  const walk = (c: SyncCause) => {
    if (c.children.length === 0) roots.set(`${c.assetKey}\u0000${c.category}\u0000${c.reason}`, c);
    else c.children.forEach(walk);
  };
  causes.forEach(walk);
  return [...roots.values()];
}
