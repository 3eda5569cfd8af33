import { MULTI_KEY_DELIMITER, type MultiPartitions } from "./definition.js";
import { SpaceBase } from "./space-base.js";
import type { PartitionDimension, TimeWindow } from "./space.js";

/**
 * The cross product of 2-4 dimensions, Dagster's `MultiPartitionsDefinition` (which allows 2).
 * Index = row-major over the dimensions in name order; key = dimension keys joined by "|".
 */
export class MultiSpace extends SpaceBase {
  readonly count: number;
  override readonly timeDimension: string | null;
  private readonly timeAt: number;
  /** strides[i]: how far apart consecutive keys of dimension i are. */
  private readonly strides: number[];

  constructor(
    readonly definition: MultiPartitions,
    override readonly dimensions: readonly PartitionDimension[],
  ) {
    super();
    this.strides = dimensions.map((_, i) => dimensions.slice(i + 1).reduce((product, d) => product * d.space.count, 1));
    this.count = dimensions.reduce((product, d) => product * d.space.count, 1);
    this.timeAt = definition.dimensions.findIndex((d) => d.partitions.kind === "time_window");
    this.timeDimension = this.timeAt >= 0 ? definition.dimensions[this.timeAt]!.name : null;
  }

  override dimensionIndexes(index: number): number[] {
    this.checkIndex(index);
    return this.strides.map((stride, i) => Math.floor(index / stride) % this.dimensions[i]!.space.count);
  }

  override indexOfDimensions(indexes: readonly number[]): number {
    if (indexes.length !== this.dimensions.length)
      throw new RangeError(`expected ${this.dimensions.length} dimension indexes, got ${indexes.length}`);
    return indexes.reduce((sum, index, i) => {
      const count = this.dimensions[i]!.space.count;
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new RangeError(`index ${index} of dimension "${this.dimensions[i]!.name}" is outside [0, ${count})`);
      }
      return sum + index * this.strides[i]!;
    }, 0);
  }

  keyAt(index: number): string {
    return this.dimensionIndexes(index)
      .map((k, i) => this.dimensions[i]!.space.keyAt(k))
      .join(MULTI_KEY_DELIMITER);
  }

  indexOf(key: string): number | null {
    const parts = key.split(MULTI_KEY_DELIMITER);
    if (parts.length !== this.dimensions.length) return null;
    let index = 0;
    for (const [i, part] of parts.entries()) {
      const k = this.dimensions[i]!.space.indexOf(part);
      if (k === null) return null;
      index += k * this.strides[i]!;
    }
    return index;
  }

  override timeWindow(index: number): TimeWindow | null {
    const indexes = this.dimensionIndexes(index);
    return this.timeAt < 0 ? null : this.dimensions[this.timeAt]!.space.timeWindow(indexes[this.timeAt]!);
  }

  override timeWindowOfKey(key: string): TimeWindow | null {
    const parts = this.split(key);
    return this.timeAt < 0 ? null : this.dimensions[this.timeAt]!.space.timeWindowOfKey(parts[this.timeAt]!);
  }

  override dimensionsOf(key: string): Record<string, string> {
    const parts = this.split(key);
    return Object.fromEntries(this.dimensions.map((d, i) => [d.name, parts[i]!]));
  }

  private split(key: string): string[] {
    const parts = key.split(MULTI_KEY_DELIMITER);
    if (parts.length !== this.dimensions.length) throw this.unknown(key);
    return parts;
  }
}
