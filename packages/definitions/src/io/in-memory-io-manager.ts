import type { InputContext, IOManager, OutputContext, OutputLocation } from "./io-manager.js";
import { loadPartitions, valuesByPartition } from "./partitioned-values.js";

/**
 * Keeps values in a `Map` in this process: fast, shared by every run that uses the same
 * instance, gone when the process exits. Values are stored by reference, not copied. A
 * partitioned asset keeps one value per partition (see `valuesByPartition` for a range run).
 * This is what `materialize()` uses unless told otherwise.
 *
 * @example
 * ```ts
 * const memory = new InMemoryIOManager();
 * await materialize([orders], { ioManagers: { io_manager: memory } });
 * memory.get({ assetKey: ["orders"] }); // the stored value
 * memory.get({ assetKey: ["events"] }, "2024-03-01"); // one partition's value
 * ```
 */
export class InMemoryIOManager implements IOManager {
  readonly #values = new Map<string, unknown>();

  handleOutput(ctx: OutputContext, value: unknown): void {
    if (ctx.partitionKeys.length === 0) {
      this.#values.set(InMemoryIOManager.#slot(ctx, null), value);
      return;
    }
    for (const [key, part] of valuesByPartition(ctx, value)) this.#values.set(InMemoryIOManager.#slot(ctx, key), part);
  }

  loadInput(ctx: InputContext): unknown {
    const read = (partition: string | null) => {
      const slot = InMemoryIOManager.#slot(ctx.upstream, partition);
      if (!this.#values.has(slot)) throw new Error(`no value stored for ${slot}`);
      return this.#values.get(slot);
    };
    return ctx.partitionKeys.length === 0 ? read(null) : loadPartitions(ctx, read);
  }

  /** The stored value at a location (an asset key, or a run's step output), and partition, if any. */
  get(location: Partial<OutputLocation>, partition: string | null = null): unknown {
    return this.#values.get(InMemoryIOManager.#slot(location, partition));
  }

  /** True when a value is stored at `location` (and `partition`). */
  has(location: Partial<OutputLocation>, partition: string | null = null): boolean {
    return this.#values.has(InMemoryIOManager.#slot(location, partition));
  }

  // Assets are stored by key (the latest value wins), op outputs per run, as on disk. "\0" cannot
  // appear in a key, so a partition never collides with another asset's slot.
  static #slot(location: Partial<OutputLocation>, partition: string | null): string {
    if (location.assetKey) return `asset:${location.assetKey.join("/")}${partition === null ? "" : `\u0000${partition}`}`;
    return `run:${location.runId ?? "?"}/${location.stepKey ?? "?"}/${location.outputName ?? "result"}`;
  }
}
