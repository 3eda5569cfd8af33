import { seededRandom } from "@strata/server/testing";
import { MANIFEST_VERSION } from "@strata/protocol";
import { manifestHash } from "@strata/server";
import { syntheticManifest } from "./catalog-fixture.js";

const COUNT = 10_000;
const GROUPS = 200;
const CHAIN_START = 4_000;
const CHAIN_LENGTH = 300;
const WINDOW = 100;

/**
 * The graph the catalog-scale issue was found on: 10,000 assets in 200 groups of 50, each depending
 * on 1 to 5 (about 3) assets picked at random among the 100 before it, so the graph is deep and
 * the number of paths explodes while the number of nodes does not; a hub (`asset_000000`, which
 * every 20th asset also depends on, as on a shared dimension table); and a 300-asset chain in the
 * middle (`asset_004000` to `asset_004299`, each depending on the one before).
 */
export function lineageDag(location = "dag") {
  const { manifest } = syntheticManifest(location, COUNT);
  const next = seededRandom(17);
  const deps: number[][] = [];
  for (let n = 0; n < COUNT; n++) {
    if (n > CHAIN_START && n < CHAIN_START + CHAIN_LENGTH) {
      deps.push([n - 1]);
      continue;
    }
    const window = Math.min(n, WINDOW);
    const picked = new Set(Array.from({ length: n === 0 ? 0 : 1 + Math.floor(next() * 5) }, () => n - 1 - Math.floor(next() * window)));
    if (n > WINDOW && n % 20 === 0) picked.add(0);
    deps.push([...picked]);
  }
  const keys = manifest.assets.map((a) => a.key);
  const stepKey = (n: number) => manifest.assets[n]!.stepKey;
  for (const [n, asset] of manifest.assets.entries()) {
    asset.deps = deps[n]!.map((d) => keys[d]!).sort();
    asset.group = `group_${String(Math.floor(n / (COUNT / GROUPS))).padStart(3, "0")}`;
    manifest.steps[n]!.deps = [...deps[n]!]
      .sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1))
      .map((d) => ({ stepKey: stepKey(d), output: "result", assetKey: keys[d]! }));
  }
  // As a location writes it now (`Definitions`): version 7, hashed in its compact form.
  manifest.manifestVersion = MANIFEST_VERSION;
  const upstream = new Map(keys.map((key, n) => [key, deps[n]!.map((d) => keys[d]!)]));
  const downstream = new Map<string, string[]>(keys.map((key) => [key, []]));
  for (const [key, ups] of upstream) for (const up of ups) downstream.get(up)!.push(key);
  return {
    manifest,
    hash: manifestHash(manifest),
    graph: { upstream, downstream },
    /** The asset most others depend on directly, the last asset (nothing depends on it), the chain's middle. */
    starts: { hub: keys[0]!, leaf: keys[COUNT - 1]!, "chain middle": keys[CHAIN_START + CHAIN_LENGTH / 2]! },
  };
}

/**
 * What a breadth-first walk visits: the keys within `depth` edges of `start` (null: all), without
 * it, and the edges it follows (those leaving every key it expands).
 */
export function expectedWalk(adjacency: Map<string, string[]>, start: string, depth: number | null) {
  const reached = new Set([start]);
  let frontier = [start];
  let edges = 0;
  for (let level = 0; frontier.length > 0 && (depth === null || level < depth); level++) {
    const next: string[] = [];
    for (const key of frontier) {
      for (const neighbour of adjacency.get(key) ?? []) {
        edges++;
        if (!reached.has(neighbour)) {
          reached.add(neighbour);
          next.push(neighbour);
        }
      }
    }
    frontier = next;
  }
  return { nodes: reached.size - 1, edges };
}
