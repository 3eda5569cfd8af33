import {
  DEFAULT_SENSOR_INTERVAL_MS,
  DEFAULT_SENSOR_TIMEOUT_MS,
  MAX_SENSOR_TIMEOUT_MS,
  type ManifestSensor,
  type SensorTickResultInput,
} from "@strata/protocol";
import { type AssetKeyInput, checkName } from "./asset-key.js";
import type { AssetsDefinition } from "./assets-definition.js";
import { DefinitionError } from "./definition-error.js";
import { checkedTags, type InstigatorFields, instigatorManifest, optionChecks, targetKeys } from "./instigator-checks.js";

/** What a sensor's function gets at each tick. */
export interface SensorContext {
  /** What the previous tick returned as `cursor` (null before the first, or after a reset to null). */
  cursor: string | null;
  /** When the previous tick that ran the function started (null before the first). */
  lastTickAt: Date | null;
  /** Aborted when the tick's `timeoutMs` has passed: the tick has failed, stop working. */
  signal: AbortSignal;
}

/** One run a sensor asks for. */
export interface RunRequest {
  /**
   * Launched at most once per sensor: a later tick that returns the same key launches nothing
   * for it (e.g. a file name, so each file is processed once).
   */
  runKey?: string;
  /** What to materialize; the sensor's `target` unless given. */
  assets?: readonly (AssetsDefinition | AssetKeyInput)[];
  tags?: Readonly<Record<string, string>>;
  /** For partitioned assets: which partition. */
  partitionKey?: string;
}

/** What a sensor's function returns: runs to launch, or why none, and the cursor for the next tick. */
export interface SensorResult {
  runRequests?: readonly RunRequest[];
  /** Why nothing was requested: the tick is SKIPPED and shows it. */
  skipReason?: string;
  /** Kept by the server and handed to the next tick as `ctx.cursor`; omitted: unchanged. */
  cursor?: string;
}

export type SensorFunction = (context: SensorContext) => SensorResult | undefined | Promise<SensorResult | undefined>;

/** Options of {@link sensor}. */
export interface SensorOptions {
  /** At least this long between two ticks (default 30 s, Dagster's). */
  minimumIntervalMs?: number;
  /** The tick fails when the function has not answered within this long (default 60 s). */
  timeoutMs?: number;
  /** What a run request without `assets` materializes. */
  target?: readonly (AssetsDefinition | AssetKeyInput)[];
  description?: string;
  /** Its status until someone starts or stops it on the server; defaults to RUNNING, as schedules. */
  defaultStatus?: "RUNNING" | "STOPPED";
}

/**
 * A sensor: a function the server asks this code location to run every `minimumIntervalMs`
 * (in the location's process, never the server's), which looks at the outside world and asks
 * for runs. The cursor it returns comes back at the next tick; a run key launches at most once;
 * a `skipReason` explains a tick that requested nothing. List it in `new Definitions({ sensors })`.
 *
 * @example
 * ```ts
 * const newFiles = sensor("new_files", { minimumIntervalMs: 30_000, target: [rawFiles] }, async ({ cursor }) => {
 *   const files = (await readdir("inbox")).filter((f) => f > (cursor ?? ""));
 *   if (files.length === 0) return { skipReason: "no new files" };
 *   return { runRequests: files.map((f) => ({ runKey: f, tags: { file: f } })), cursor: files.at(-1) };
 * });
 * ```
 */
export function sensor(name: string, options: SensorOptions, fn: SensorFunction): SensorDefinition {
  return new SensorDefinition(name, options, fn);
}

/** A sensor, made by {@link sensor}. */
export class SensorDefinition implements InstigatorFields {
  readonly name: string;
  readonly minimumIntervalMs: number;
  readonly timeoutMs: number;
  /** Slash-joined asset keys, sorted. */
  readonly targets: readonly string[];
  readonly description: string | null;
  readonly defaultStatus: "RUNNING" | "STOPPED";
  readonly fn: SensorFunction;

  constructor(name: string, options: SensorOptions, fn: SensorFunction) {
    this.name = checkName(name, "sensor name", "sensor");
    const culprit = `sensor "${this.name}"`;
    const check = optionChecks("invalid_sensor", culprit);
    if (!options || typeof options !== "object") throw new DefinitionError("invalid_sensor", culprit, "options must be an object");
    if (typeof fn !== "function") throw new DefinitionError("invalid_sensor", culprit, "needs a function to evaluate");
    this.minimumIntervalMs = check.milliseconds(
      options.minimumIntervalMs ?? DEFAULT_SENSOR_INTERVAL_MS,
      "minimumIntervalMs",
      100,
      86_400_000,
    );
    this.timeoutMs = check.milliseconds(options.timeoutMs ?? DEFAULT_SENSOR_TIMEOUT_MS, "timeoutMs", 100, MAX_SENSOR_TIMEOUT_MS);
    this.targets = assetKeysOf(options.target ?? [], culprit);
    this.description = options.description ?? null;
    this.defaultStatus = check.defaultStatus(options.defaultStatus);
    this.fn = fn;
  }

  /** @internal */
  toManifest(): ManifestSensor {
    return { ...instigatorManifest(this), minimumIntervalMs: this.minimumIntervalMs, timeoutMs: this.timeoutMs };
  }

  /**
   * Runs the function for one tick and puts its answer in the wire form (asset keys resolved,
   * tags checked). A function that throws, or returns something malformed, rejects.
   *
   * @internal
   */
  async evaluate(context: SensorContext): Promise<SensorTickResultInput> {
    const culprit = `sensor "${this.name}"`;
    const result = (await this.fn(context)) ?? {};
    if (typeof result !== "object")
      throw new DefinitionError("invalid_sensor", culprit, "must return { runRequests, skipReason, cursor } or nothing");
    if (result.cursor !== undefined && typeof result.cursor !== "string")
      throw new DefinitionError("invalid_sensor", culprit, "cursor must be a string");
    const runRequests = (result.runRequests ?? []).map((request, i) =>
      wireRunRequest(request, this.targets, `${culprit} run request ${i}`, "the sensor a `target`", "invalid_sensor"),
    );
    return { runRequests, skipReason: result.skipReason ?? null, cursor: result.cursor ?? null };
  }
}

/**
 * A run request in its wire form: tags checked, asset keys resolved; one naming no assets (with
 * no `targets` to fall back on) is refused. Schedule functions answer with the same requests.
 *
 * @internal
 */
export function wireRunRequest(
  request: RunRequest,
  targets: readonly string[],
  where: string,
  fallback: string,
  code: "invalid_sensor" | "invalid_schedule",
): SensorRunRequestInput {
  if (!request || typeof request !== "object") throw new DefinitionError(code, where, "must be a run request object");
  const tags = checkedTags(request.tags, where);
  const assetKeys = request.assets ? assetKeysOf(request.assets, where) : null;
  if ((assetKeys ?? targets).length === 0) throw new DefinitionError(code, where, `names no assets: give it \`assets\`, or ${fallback}`);
  return { runKey: request.runKey ?? null, assetKeys, tags, partitionKey: request.partitionKey ?? null };
}

type SensorRunRequestInput = NonNullable<SensorTickResultInput["runRequests"]>[number];

function assetKeysOf(targets: readonly (AssetsDefinition | AssetKeyInput)[], culprit: string): string[] {
  if (!Array.isArray(targets)) throw new DefinitionError("invalid_sensor", culprit, "target must be a list of assets or asset keys");
  return targetKeys(targets, culprit);
}
