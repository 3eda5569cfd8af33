import type { PartitionsDefinition } from "./definition.js";
import { PartitionError } from "./partition-error.js";
import type { IndexRange, PartitionDimension, PartitionSpace, TimeWindow } from "./space.js";

/** What every space shares: bounds checks, `keys(range)`, and the one-dimension answers. */
export abstract class SpaceBase implements PartitionSpace {
  abstract readonly definition: PartitionsDefinition;
  abstract readonly count: number;
  abstract keyAt(index: number): string;
  abstract indexOf(key: string): number | null;
  readonly dimensions: readonly PartitionDimension[] = [];
  readonly timeDimension: string | null = null;

  protected checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`partition index ${index} is outside [0, ${this.count})`);
    }
  }

  keys(range?: IndexRange): string[] {
    if (!range) return Array.from({ length: this.count }, (_, i) => this.keyAt(i));
    if (range.end < range.start) return [];
    this.checkIndex(range.start);
    this.checkIndex(range.end);
    return Array.from({ length: range.end - range.start + 1 }, (_, i) => this.keyAt(range.start + i));
  }

  timeWindow(index: number): TimeWindow | null {
    this.checkIndex(index);
    return null;
  }

  timeWindowOfKey(_key: string): TimeWindow | null {
    return null;
  }

  dimensionsOf(_key: string): Record<string, string> | null {
    return null;
  }

  dimensionIndexes(index: number): number[] {
    this.checkIndex(index);
    return [index];
  }

  indexOfDimensions(indexes: readonly number[]): number {
    const [index] = indexes;
    if (indexes.length !== 1 || index === undefined) throw new RangeError(`expected 1 dimension index, got ${indexes.length}`);
    this.checkIndex(index);
    return index;
  }

  protected unknown(key: string): PartitionError {
    return new PartitionError("unknown_partition", `"${key}" is not a partition key of this ${this.definition.kind} partitions definition`);
  }
}
