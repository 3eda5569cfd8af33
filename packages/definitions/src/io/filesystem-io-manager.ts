import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { InputContext, IOManager, OutputContext, OutputLocation } from "./io-manager.js";
import { MetadataValue } from "../authoring/metadata.js";
import { loadPartitions, valuesByPartition } from "./partitioned-values.js";
import { jsonSerializer, type Serializer } from "./serializer.js";

/**
 * Options of {@link FilesystemIOManager}.
 *
 * @example
 * ```ts
 * const options: FilesystemIOManagerOptions = { baseDir: "/var/lib/strata", serializer: jsonSerializer };
 * ```
 */
export interface FilesystemIOManagerOptions {
  /**
   * Resolved against the working directory. Defaults to `$STRATA_HOME/storage` (`STRATA_HOME`
   * as the location process was started with, read once when this module loads), else
   * `.strata/storage`, the same home the `strata` commands use.
   */
  baseDir?: string;
  serializer?: Serializer;
}

const DEFAULT_BASE_DIR = join(process.env.STRATA_HOME || ".strata", "storage");

// Op outputs live under a directory no asset key can name, since key parts cannot contain ".".
const RUNS_DIR = ".runs";
let writes = 0;

/**
 * A partition key as a relative path: a multi-partition key's dimensions become directories
 * ("2024-01-01|eu" → "2024-01-01/eu", as Dagster's `UPathIOManager` does), and every character
 * but letters, digits, "-", "_" and "." is percent-encoded, so ":" (hourly keys) and "/" (a static
 * key) are safe on every file system and the path can be read back to its key.
 */
function partitionPath(key: string): string[] {
  return key.split("|").map((part) => {
    const encoded = part.replace(/[^A-Za-z0-9._-]/gu, (c) =>
      [...Buffer.from(c, "utf8")].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""),
    );
    // "." and ".." would name a directory, not a file.
    return /^\.+$/.test(encoded) ? encoded.replace(/\./g, "%2E") : encoded;
  });
}

/**
 * Stores values as files: an asset at `<baseDir>/<key parts…><ext>` (the latest value wins), a
 * partitioned asset one file per partition at `<baseDir>/<key parts…>/<partition key><ext>`
 * (see `partitionPath` for the encoding; a range run returns one value per partition, see
 * `valuesByPartition`), an op's intermediate output at
 * `<baseDir>/.runs/<runId>/<stepKey>/<output><ext>`. Writes go to a temporary file first and are
 * renamed into place, so a crash never leaves half a file. It is the default IO manager of
 * `Definitions`.
 *
 * @example
 * ```ts
 * new Definitions({
 *   assets,
 *   ioManagers: { io_manager: new FilesystemIOManager({ baseDir: "/data/strata" }) },
 * });
 * ```
 */
export class FilesystemIOManager implements IOManager {
  readonly baseDir: string;
  readonly serializer: Serializer;

  constructor(options: FilesystemIOManagerOptions = {}) {
    this.baseDir = resolve(options.baseDir ?? DEFAULT_BASE_DIR);
    this.serializer = options.serializer ?? jsonSerializer;
  }

  /** The file a value at `location` (and `partition`, for a partitioned asset) is stored in. */
  pathFor(location: OutputLocation, partition: string | null = null): string {
    const ext = this.serializer.extension;
    if (location.assetKey && partition !== null) return join(this.baseDir, ...location.assetKey, ...partitionPath(partition)) + ext;
    if (location.assetKey) return join(this.baseDir, ...location.assetKey) + ext;
    if (!location.runId || !location.stepKey) throw new Error("an op output needs its run id and step key to be located");
    return join(this.baseDir, RUNS_DIR, location.runId, location.stepKey, `${location.outputName ?? "result"}${ext}`);
  }

  async handleOutput(ctx: OutputContext, value: unknown): Promise<{ metadata: Record<string, unknown> }> {
    if (ctx.partitionKeys.length === 0) return { metadata: { path: MetadataValue.path(await this.#write(this.pathFor(ctx), value)) } };
    const paths: string[] = [];
    for (const [key, part] of valuesByPartition(ctx, value)) paths.push(await this.#write(this.pathFor(ctx, key), part));
    // One file: its path; a range: the asset's directory, which holds them all.
    return { metadata: { path: MetadataValue.path(paths.length === 1 ? paths[0]! : join(this.baseDir, ...ctx.assetKey!)) } };
  }

  async loadInput(ctx: InputContext): Promise<unknown> {
    const read = async (partition: string | null) => this.serializer.deserialize(await readFile(this.pathFor(ctx.upstream, partition)));
    return ctx.partitionKeys.length === 0 ? read(null) : loadPartitions(ctx, read);
  }

  async #write(path: string, value: unknown): Promise<string> {
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.${++writes}.tmp`;
    await writeFile(temporary, this.serializer.serialize(value));
    await rename(temporary, path);
    return path;
  }
}
