/**
 * Turns values into bytes and back, for the filesystem IO manager.
 *
 * @example
 * ```ts
 * const textSerializer: Serializer = {
 *   extension: ".txt",
 *   serialize: (value) => String(value),
 *   deserialize: (data) => data.toString("utf8"),
 * };
 * ```
 */
export interface Serializer {
  /** Appended to file names, e.g. ".json". */
  extension: string;
  serialize(value: unknown): string | Uint8Array;
  deserialize(data: Buffer): unknown;
}

/**
 * The default serializer: JSON, so stored assets can be read by any tool. Values JSON cannot
 * represent (Dates, Maps, BigInts, class instances) come back changed; plug in another
 * serializer for those. `undefined` is stored as an empty file and read back as `undefined`.
 *
 * @example
 * ```ts
 * new FilesystemIOManager({ serializer: jsonSerializer });
 * ```
 */
export const jsonSerializer: Serializer = {
  extension: ".json",
  serialize: (value) => (value === undefined ? "" : JSON.stringify(value)),
  deserialize: (data) => (data.length === 0 ? undefined : (JSON.parse(data.toString("utf8")) as unknown)),
};
