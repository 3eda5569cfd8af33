interface Batch<V> {
  keys: Set<string>;
  loaded: Promise<ReadonlyMap<string, V>>;
}

/** Loads the values of keys, all at once (one statement): a Map from key to value; keys without one left out. */
export type BatchLoad<V> = (keys: string[]) => Promise<ReadonlyMap<string, V>>;

/**
 * A loader whose calls made in the same tick share one load: each call adds its keys to the
 * open batch of its `scope` (a request's context) and `group` (what else must be the same to
 * share a statement, e.g. the field's AST node, whose selection and arguments every item of a
 * list shares); on the next turn of the event loop the batch closes and the `load` of its first
 * call reads every key collected, and each call gets the whole map.
 *
 * @example
 * ```ts
 * const depsBatch = tickBatcher<string[]>();
 * const deps = await depsBatch(ctx, null, [key], (keys) => loadDependencies(sql, keys));
 * deps.get(key) ?? [];
 * ```
 */
export function tickBatcher<V>() {
  const batches = new WeakMap<object, Map<unknown, Batch<V>>>();
  return (scope: object, group: unknown, keys: Iterable<string>, load: BatchLoad<V>): Promise<ReadonlyMap<string, V>> => {
    let open = batches.get(scope);
    if (!open) batches.set(scope, (open = new Map()));
    let batch = open.get(group);
    if (!batch) {
      const started: Batch<V> = { keys: new Set(), loaded: Promise.resolve(new Map()) };
      const byGroup = open;
      started.loaded = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        byGroup.delete(group);
        return load([...started.keys]);
      });
      byGroup.set(group, (batch = started));
    }
    for (const key of keys) batch.keys.add(key);
    return batch.loaded;
  };
}
