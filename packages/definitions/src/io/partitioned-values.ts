/**
 * The convention every built-in IO manager follows for partitioned assets, exported so custom
 * IO managers can follow it too. A run over several partitions (a single-run backfill) returns
 * an object keyed by partition key, one value per partition, each stored on its own; loading
 * several partitions gives the same shape back. Dagster's `UPathIOManager` loads several
 * partitions as a dict the same way but refuses to store a multi-partition output at all
 * ("does not support persisting an output associated with multiple partitions"), which makes
 * its single-run policy unusable with its own IO managers; here the record is accepted.
 */
import type { InputContext, OutputContext } from "./io-manager.js";

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function where(ctx: OutputContext): string {
  return ctx.assetKey ? `asset "${ctx.assetKey.join("/")}"` : `output "${ctx.outputName}" of step "${ctx.stepKey}"`;
}

/**
 * The value to store for each of `ctx.partitionKeys`: for a single partition the value itself
 * (or `value[key]` when the value is `{ [key]: … }` with that one key, as a function written for
 * ranges returns); for several, the entries of an object keyed by exactly those keys. Throws, naming the missing
 * or unexpected keys, for anything else over several partitions. Empty for an unpartitioned
 * output: store the value as usual.
 *
 * @example
 * ```ts
 * const kv: IOManager = {
 *   async handleOutput(ctx, value) {
 *     for (const [key, part] of valuesByPartition(ctx, value)) await store.put(`${ctx.assetKey!.join("/")}/${key}`, part);
 *   },
 *   loadInput: (ctx) => loadPartitions(ctx, (key) => store.get(`${ctx.upstream.assetKey!.join("/")}/${key}`)),
 * };
 * ```
 */
export function valuesByPartition(ctx: OutputContext, value: unknown): Map<string, unknown> {
  const keys = ctx.partitionKeys;
  if (keys.length === 0) return new Map();
  if (keys.length === 1) {
    // A function written for ranges returns { [key]: value } for a single partition too.
    const only = keys[0]!;
    const keyed = isRecord(value) && Object.keys(value).length === 1 && Object.hasOwn(value, only);
    return new Map([[only, keyed ? value[only] : value]]);
  }
  if (!isRecord(value)) {
    throw new TypeError(
      `${where(ctx)} ran over ${keys.length} partitions (${keys[0]} to ${keys[keys.length - 1]}) and must return an object ` +
        "with one value per partition key, e.g. { [key]: rows } for each key of ctx.partition.keys",
    );
  }
  const expected = new Set(keys);
  const missing = keys.filter((k) => !Object.hasOwn(value, k));
  const extra = Object.keys(value).filter((k) => !expected.has(k));
  if (missing.length > 0 || extra.length > 0) {
    const list = (ks: string[]) => ks.slice(0, 5).join(", ") + (ks.length > 5 ? ` and ${ks.length - 5} more` : "");
    const problems = [
      missing.length > 0 ? `no value for ${list(missing)}` : "",
      extra.length > 0 ? `keys that are not in the run: ${list(extra)}` : "",
    ];
    throw new TypeError(`${where(ctx)} returned one value per partition with ${problems.filter(Boolean).join("; ")}`);
  }
  return new Map(keys.map((k) => [k, value[k]]));
}

/**
 * Loads `ctx.partitionKeys` with `load`: one partition's value as is, several as an object keyed
 * by partition key (in partition order). For a partitioned upstream only: when
 * `ctx.partitionKeys` is empty the upstream is not partitioned, load its one value as usual.
 *
 * @example
 * ```ts
 * const value = await loadPartitions(ctx, (key) => readJson(`${dir}/${key}.json`));
 * ```
 */
export async function loadPartitions(ctx: InputContext, load: (key: string) => unknown): Promise<unknown> {
  const keys = ctx.partitionKeys;
  if (keys.length === 1) return load(keys[0]!);
  const values: Record<string, unknown> = {};
  for (const key of keys) values[key] = await load(key);
  return values;
}
