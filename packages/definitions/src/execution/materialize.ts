import { assetKeyToString, parseAssetKey, type AssetKeyInput } from "../authoring/asset-key.js";
import type { AssetsDefinition } from "../authoring/assets-definition.js";
import { AssetOutputRef } from "../authoring/asset-in.js";
import { SingleAssetDefinition } from "../authoring/asset.js";
import { Definitions } from "../authoring/definitions.js";
import type { RunEvent } from "./events.js";
import { InMemoryIOManager } from "../io/in-memory-io-manager.js";
import { DEFAULT_IO_MANAGER_KEY, type IOManager } from "../io/io-manager.js";
import type { MetadataEntry } from "../authoring/metadata.js";
import type { ResourceBinding } from "../authoring/resource.js";
import { runExecution, type ExecuteRunOptions, type RunStatus } from "./run-executor.js";

/**
 * Options of {@link materialize}: those of `executeRun`, plus resources and IO managers that
 * replace the definitions' own (handy for fakes in tests).
 *
 * @example
 * ```ts
 * const options: MaterializeOptions = { selection: ["revenue"], resources: { warehouse: fakeWarehouse } };
 * ```
 */
export interface MaterializeOptions extends ExecuteRunOptions {
  resources?: Readonly<Record<string, ResourceBinding>>;
  ioManagers?: Readonly<Record<string, IOManager>>;
}

/**
 * One ASSET_MATERIALIZATION of a run, flattened.
 *
 * @example
 * ```ts
 * const rows = result.materializations.map((m: AssetMaterialization) => m.metadata["strata/row_count"]?.value);
 * ```
 */
export interface AssetMaterialization {
  assetKey: string;
  stepKey: string;
  metadata: Record<string, MetadataEntry>;
  dataVersion: string | null;
  /** The partition materialized; `null` for an unpartitioned asset. */
  partition: string | null;
}

/**
 * One ASSET_CHECK_EVALUATION of a run, flattened.
 *
 * @example
 * ```ts
 * const failing = result.checkResults.filter((c: AssetCheckEvaluation) => !c.passed);
 * ```
 */
export interface AssetCheckEvaluation {
  checkKey: string;
  assetKey: string;
  passed: boolean;
  severity: "WARN" | "ERROR";
  /** True when the check's function threw. */
  executionFailed: boolean;
  metadata: Record<string, MetadataEntry>;
  description: string | null;
  partition: string | null;
}

/**
 * What {@link materialize} resolves to.
 *
 * @example
 * ```ts
 * const result: InProcessRunResult = await materialize([orders, revenue]);
 * expect(result.outputFor(revenue)).toBe(15.5);
 * ```
 */
export interface InProcessRunResult {
  success: boolean;
  status: RunStatus;
  runId: string;
  /** Every event of the run, in order. */
  events: RunEvent[];
  materializations: AssetMaterialization[];
  /** The checks the run evaluated, in order. */
  checkResults: AssetCheckEvaluation[];
  /**
   * The value an asset got in this run (as its function produced it), typed by the asset when
   * given an asset definition or a multi-asset's `.out.<name>`; `unknown` by key. Throws if it
   * was not materialized.
   */
  outputFor<T>(asset: SingleAssetDefinition<T> | AssetOutputRef<T>): T;
  outputFor(asset: AssetKeyInput): unknown;
  /** The value of any step output in this run, e.g. an op's intermediate result. */
  outputForStep(stepKey: string, output?: string): unknown;
}

// Runs of one Definitions object share their in-memory storage, so that a run can load what an
// earlier one stored: selecting a downstream asset alone, or re-executing a failed run.
const memories = new WeakMap<Definitions, InMemoryIOManager>();
function memoryOf(definitions: Definitions): InMemoryIOManager {
  let memory = memories.get(definitions);
  if (!memory) memories.set(definitions, (memory = new InMemoryIOManager()));
  return memory;
}

/**
 * Runs assets in this process and keeps everything in memory: the usual way to test assets
 * (Dagster's `materialize`). Unless you pass `ioManagers` (or the definitions chose one), values
 * go to an `InMemoryIOManager`, so nothing is written to disk: a fresh one for an array of
 * assets, one shared by every run of the same `Definitions` object (so a later run can load
 * what an earlier one stored, e.g. to re-execute it). A failed run resolves with
 * `success: false`; inspect `events` for the STEP_FAILURE. Partitioned assets run for
 * `partition` or `partitionRange`; a key they do not have fails before the run starts.
 *
 * @example
 * ```ts
 * const result = await materialize([myDataAsset, myMultiAsset, complexAsset]);
 * result.success; // true
 * result.outputFor("complex_asset"); // "final_intermediate_value"
 *
 * await materialize(defs, { selection: [dailyEvents], partition: "2024-03-01" });
 * ```
 */
export async function materialize(
  assets: readonly AssetsDefinition[] | Definitions,
  options: MaterializeOptions = {},
): Promise<InProcessRunResult> {
  const { resources, ioManagers, ...runOptions } = options;
  let definitions: Definitions;
  if (assets instanceof Definitions) {
    const needsMemory = !assets.defaultIOManagerIsExplicit && ioManagers?.[DEFAULT_IO_MANAGER_KEY] === undefined;
    const replaced = { ...(needsMemory ? { [DEFAULT_IO_MANAGER_KEY]: memoryOf(assets) } : {}), ...ioManagers };
    definitions = Object.keys(replaced).length > 0 || resources ? assets.with({ resources, ioManagers: replaced }) : assets;
  } else {
    definitions = new Definitions({ assets, resources, ioManagers: { [DEFAULT_IO_MANAGER_KEY]: new InMemoryIOManager(), ...ioManagers } });
  }
  const values = new Map<string, unknown>();
  const { outcome, events } = await runExecution(definitions, runOptions, {
    collect: true,
    onOutput: (stepKey, output, assetKey, value) => {
      values.set(`${stepKey}\u0000${output}`, value);
      if (assetKey) values.set(`asset\u0000${assetKey}`, value);
    },
  });
  const all = events ?? [];
  const lookup = (slot: string, what: string) => {
    if (!values.has(slot)) throw new Error(`${what} was not produced in run ${outcome.runId}`);
    return values.get(slot);
  };
  return {
    success: outcome.success,
    status: outcome.status,
    runId: outcome.runId,
    events: all,
    materializations: all.flatMap((e) =>
      e.type === "ASSET_MATERIALIZATION"
        ? [
            {
              assetKey: e.payload.assetKey,
              stepKey: e.stepKey!,
              metadata: e.payload.metadata,
              dataVersion: e.payload.dataVersion,
              partition: e.payload.partition,
            },
          ]
        : [],
    ),
    checkResults: all.flatMap((e) =>
      e.type === "ASSET_CHECK_EVALUATION"
        ? [
            {
              checkKey: e.payload.checkKey,
              assetKey: e.payload.assetKey,
              passed: e.payload.passed,
              severity: e.payload.severity,
              executionFailed: e.payload.executionFailed,
              metadata: e.payload.metadata,
              description: e.payload.description,
              partition: e.payload.partition,
            },
          ]
        : [],
    ),
    // Values are kept by key, untyped; the overloads give back the type the asset's function produced.
    outputFor: (asset: AssetKeyInput | SingleAssetDefinition | AssetOutputRef) => {
      const key =
        asset instanceof SingleAssetDefinition || asset instanceof AssetOutputRef
          ? assetKeyToString(asset.key)
          : assetKeyToString(parseAssetKey(asset, "outputFor"));
      return lookup(`asset\u0000${key}`, `asset "${key}"`);
    },
    outputForStep: (stepKey, output = "result") => lookup(`${stepKey}\u0000${output}`, `output "${output}" of step "${stepKey}"`),
  };
}
