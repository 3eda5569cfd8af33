import type { InputContext, IOManager, OutputContext, OutputLocation } from "./io-manager.js";

/**
 * Keeps values in a `Map` in this process: fast, shared by every run that uses the same
 * instance, gone when the process exits. Values are stored by reference, not copied. This is
 * what `materialize()` uses unless told otherwise.
 *
 * @example
 * ```ts
 * const memory = new InMemoryIOManager();
 * await materialize([orders], { ioManagers: { io_manager: memory } });
 * memory.get({ assetKey: ["orders"] }); // the stored value
 * ```
 */
export class InMemoryIOManager implements IOManager {
  readonly #values = new Map<string, unknown>();

  handleOutput(ctx: OutputContext, value: unknown): void {
    this.#values.set(InMemoryIOManager.#slot(ctx), value);
  }

  loadInput(ctx: InputContext): unknown {
    const slot = InMemoryIOManager.#slot(ctx.upstream);
    if (!this.#values.has(slot)) throw new Error(`no value stored for ${slot}`);
    return this.#values.get(slot);
  }

  /** The stored value at a location (an asset key, or a run's step output), if any. */
  get(location: Partial<OutputLocation>): unknown {
    return this.#values.get(InMemoryIOManager.#slot(location));
  }

  /** True when a value is stored at `location`. */
  has(location: Partial<OutputLocation>): boolean {
    return this.#values.has(InMemoryIOManager.#slot(location));
  }

  // Assets are stored by key (the latest value wins), op outputs per run, as on disk.
  static #slot(location: Partial<OutputLocation>): string {
    if (location.assetKey) return `asset:${location.assetKey.join("/")}`;
    return `run:${location.runId ?? "?"}/${location.stepKey ?? "?"}/${location.outputName ?? "result"}`;
  }
}
