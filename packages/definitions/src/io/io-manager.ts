import type { MetadataInput } from "../authoring/metadata.js";
import type { Logger } from "../authoring/step-context.js";

/**
 * Where a value comes from or goes to; IO managers build storage locations from it.
 *
 * @example
 * ```ts
 * const where = (l: OutputLocation) => (l.assetKey ? l.assetKey.join("/") : `${l.runId}/${l.stepKey}/${l.outputName}`);
 * ```
 */
export interface OutputLocation {
  /** The run that produced the value; `null` for an asset of another code location. */
  runId: string | null;
  stepKey: string | null;
  outputName: string | null;
  /** The asset the value is, or `null` for an op's intermediate output. */
  assetKey: readonly string[] | null;
}

/**
 * What `handleOutput` receives.
 *
 * @example
 * ```ts
 * const handleOutput = (ctx: OutputContext, value: unknown) => ctx.log.debug(`storing ${ctx.stepKey}.${ctx.outputName}`);
 * ```
 */
export interface OutputContext extends OutputLocation {
  runId: string;
  stepKey: string;
  outputName: string;
  /** The asset or output's definition metadata. */
  definitionMetadata: MetadataInput;
  /**
   * The partitions the value is for, in order; empty when the asset is not partitioned (and for
   * an op's intermediate output). With several keys (a range run), the function returned one
   * value per partition keyed by partition, or one value for the whole range: `valuesByPartition`
   * tells them apart.
   */
  partitionKeys: readonly string[];
  log: Logger;
}

/**
 * What `loadInput` receives: the consuming step and the upstream output to load.
 *
 * @example
 * ```ts
 * const loadInput = (ctx: InputContext) => store.get(ctx.upstream.assetKey?.join("/") ?? `${ctx.upstream.runId}/${ctx.upstream.stepKey}`);
 * ```
 */
export interface InputContext {
  /** The run loading the value. */
  runId: string;
  stepKey: string;
  inputName: string;
  /** The upstream asset, or `null` when loading an op's intermediate output. */
  assetKey: readonly string[] | null;
  upstream: OutputLocation;
  /**
   * The upstream partitions to load, as the input's partition mapping gives them; empty when the
   * upstream is not partitioned. Built-in IO managers give one key's value as is and several as
   * a `Record<key, value>` (`loadPartitions`).
   */
  partitionKeys: readonly string[];
  log: Logger;
}

/**
 * Stores step outputs and loads them for downstream steps (Dagster's `IOManager`). Every value
 * passed between steps goes through one, so a re-executed run can load what an earlier run
 * stored instead of computing it again. `handleOutput` may return metadata (e.g. the path it
 * wrote), recorded on the materialization.
 *
 * @example
 * ```ts
 * const kv: IOManager = {
 *   async handleOutput(ctx, value) {
 *     await store.put(ctx.assetKey?.join("/") ?? `${ctx.runId}/${ctx.stepKey}/${ctx.outputName}`, value);
 *   },
 *   loadInput: (ctx) => store.get(ctx.upstream.assetKey?.join("/") ?? `${ctx.upstream.runId}/${ctx.upstream.stepKey}/${ctx.upstream.outputName}`),
 * };
 * ```
 */
export interface IOManager {
  handleOutput(ctx: OutputContext, value: unknown): void | { metadata?: MetadataInput } | Promise<void | { metadata?: MetadataInput }>;
  loadInput(ctx: InputContext): unknown;
}

/**
 * The IO manager key steps use unless they name another.
 *
 * @example
 * ```ts
 * new Definitions({ assets, ioManagers: { [DEFAULT_IO_MANAGER_KEY]: new InMemoryIOManager() } });
 * ```
 */
export const DEFAULT_IO_MANAGER_KEY = "io_manager";
