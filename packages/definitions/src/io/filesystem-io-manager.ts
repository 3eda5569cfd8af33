import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { InputContext, IOManager, OutputContext, OutputLocation } from "./io-manager.js";
import { MetadataValue } from "../authoring/metadata.js";
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
 * Stores values as files: an asset at `<baseDir>/<key parts…><ext>` (the latest value wins), an
 * op's intermediate output at `<baseDir>/.runs/<runId>/<stepKey>/<output><ext>`. Writes go to a
 * temporary file first and are renamed into place, so a crash never leaves half a file.
 * It is the default IO manager of `Definitions`.
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

  /** The file a value at `location` is stored in. */
  pathFor(location: OutputLocation): string {
    const ext = this.serializer.extension;
    if (location.assetKey) return join(this.baseDir, ...location.assetKey) + ext;
    if (!location.runId || !location.stepKey) throw new Error("an op output needs its run id and step key to be located");
    return join(this.baseDir, RUNS_DIR, location.runId, location.stepKey, `${location.outputName ?? "result"}${ext}`);
  }

  async handleOutput(ctx: OutputContext, value: unknown): Promise<{ metadata: Record<string, unknown> }> {
    const path = this.pathFor(ctx);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.${++writes}.tmp`;
    await writeFile(temporary, this.serializer.serialize(value));
    await rename(temporary, path);
    return { metadata: { path: MetadataValue.path(path) } };
  }

  async loadInput(ctx: InputContext): Promise<unknown> {
    return this.serializer.deserialize(await readFile(this.pathFor(ctx.upstream)));
  }
}
