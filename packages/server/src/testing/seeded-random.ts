/**
 * A small deterministic PRNG (mulberry32): numbers in [0, 1) that are the same for the same seed,
 * so a generated fixture (a random DAG, a benchmark's graph) is the same graph on every run.
 *
 * @example
 * ```ts
 * const next = seededRandom(17);
 * const deps = Array.from({ length: 3 }, () => Math.floor(next() * 100));
 * ```
 */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
