import type { DynamicPartitions, StaticPartitions } from "./definition.js";
import { SpaceBase } from "./space-base.js";

class KeyListSpace extends SpaceBase {
  readonly count: number;
  private positions: Map<string, number> | null = null;

  constructor(
    readonly definition: StaticPartitions | DynamicPartitions,
    private readonly list: readonly string[],
  ) {
    super();
    this.count = list.length;
  }

  keyAt(index: number): string {
    this.checkIndex(index);
    return this.list[index]!;
  }

  indexOf(key: string): number | null {
    // Built on first use: most callers of a dynamic space only count it.
    this.positions ??= new Map(this.list.map((k, i) => [k, i]));
    return this.positions.get(key) ?? null;
  }
}

/** Static keys, or a dynamic definition's stored keys, in their order. */
export function keyListSpace(def: StaticPartitions | DynamicPartitions, keys: readonly string[]): SpaceBase {
  return new KeyListSpace(def, keys);
}
