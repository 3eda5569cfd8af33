import { AssetCheckDefinition } from "./asset-check.js";
import type { AssetsDefinition } from "./assets-definition.js";
import { buildManifest, compactBuiltManifest } from "./build-manifest.js";
import { buildSteps } from "./build-steps.js";
import { manifestTextAndHash, manifestTextDigests } from "@strata/protocol/hash";
import { findIndexedCycle, scheduleProblems, selfDependencyProblem, sensorProblems } from "@strata/protocol";
import { DefinitionError } from "./definition-error.js";
import { cloneData } from "./manifest-data.js";
import { ExecutionPlan } from "../execution/execution-plan.js";
import { FilesystemIOManager } from "../io/filesystem-io-manager.js";
import { DEFAULT_IO_MANAGER_KEY, type IOManager } from "../io/io-manager.js";
import type { Manifest, ManifestDigests } from "@strata/protocol";
import type { ResourceBinding } from "./resource.js";
import { ScheduleDefinition } from "./schedule.js";
import { checkedManifests } from "./instigator-checks.js";
import { SensorDefinition } from "./sensor.js";

/**
 * Options of {@link Definitions}.
 *
 * @example
 * ```ts
 * const options: DefinitionsOptions = { assets: [orders], resources: { warehouse } };
 * ```
 */
export interface DefinitionsOptions {
  assets: readonly AssetsDefinition[];
  /** Checks that run in steps of their own (`assetCheck(...)`); checks an asset yields itself are declared on the asset. */
  checks?: readonly AssetCheckDefinition[];
  /** Schedules (`schedule(...)`) launching runs of these assets. */
  schedules?: readonly ScheduleDefinition[];
  /** Sensors (`sensor(...)`): functions this location evaluates when the server ticks them. */
  sensors?: readonly SensorDefinition[];
  /** Resource key → `defineResource(...)` or a plain value. */
  resources?: Readonly<Record<string, ResourceBinding>>;
  /** IO manager key → IO manager. "io_manager" defaults to a `FilesystemIOManager` under `.strata/storage`. */
  ioManagers?: Readonly<Record<string, IOManager>>;
}

/**
 * Everything a code location defines, validated as a whole (Dagster's `Definitions`). The
 * constructor throws a `DefinitionError` naming the culprit for duplicate keys, cycles (an asset
 * may depend on itself only through a mapping to its earlier partitions, see `self_dependency`),
 * references to assets that are not included, graph ops wired to nothing, and resources or IO
 * managers that steps need but nobody provides. Nothing registers itself: list every asset.
 *
 * @example
 * ```ts
 * export default new Definitions({
 *   assets: [myDataAsset, myMultiAsset, complexAsset],
 *   resources: { warehouse: defineResource({ setup: () => connect() }) },
 * });
 * ```
 */
export class Definitions {
  readonly assets: readonly AssetsDefinition[];
  readonly checks: readonly AssetCheckDefinition[];
  readonly schedules: readonly ScheduleDefinition[];
  readonly sensors: readonly SensorDefinition[];
  readonly resources: Readonly<Record<string, ResourceBinding>>;
  readonly ioManagers: Readonly<Record<string, IOManager>>;
  /** @internal */
  readonly plan: ExecutionPlan;
  /** @internal True when the user chose the default IO manager rather than getting the filesystem one. */
  readonly defaultIOManagerIsExplicit: boolean;
  readonly #hash: string;
  readonly #text: string;
  #digests: ManifestDigests | undefined;

  constructor(options: DefinitionsOptions) {
    if (!options || !Array.isArray(options.assets)) throw new DefinitionError("invalid_option", "Definitions", "assets must be an array");
    this.assets = [...new Set(options.assets)];
    if (
      options.checks !== undefined &&
      (!Array.isArray(options.checks) || !options.checks.every((c) => c instanceof AssetCheckDefinition))
    ) {
      throw new DefinitionError("invalid_option", "Definitions", "checks must be an array of assetCheck(...) definitions");
    }
    this.checks = [...new Set(options.checks ?? [])];
    if (
      options.schedules !== undefined &&
      (!Array.isArray(options.schedules) || !options.schedules.every((s) => s instanceof ScheduleDefinition))
    ) {
      throw new DefinitionError("invalid_option", "Definitions", "schedules must be an array of schedule(...) definitions");
    }
    this.schedules = [...new Set(options.schedules ?? [])];
    if (
      options.sensors !== undefined &&
      (!Array.isArray(options.sensors) || !options.sensors.every((s) => s instanceof SensorDefinition))
    ) {
      throw new DefinitionError("invalid_option", "Definitions", "sensors must be an array of sensor(...) definitions");
    }
    this.sensors = [...new Set(options.sensors ?? [])];
    this.resources = { ...options.resources };
    this.defaultIOManagerIsExplicit = options.ioManagers?.[DEFAULT_IO_MANAGER_KEY] !== undefined;
    this.ioManagers = { [DEFAULT_IO_MANAGER_KEY]: new FilesystemIOManager(), ...options.ioManagers };

    const built = buildSteps(this.assets, this.checks);
    const manifest = buildManifest(built.steps, built.producers);
    if (this.schedules.length) manifest.schedules = checkedManifests("schedule", this.schedules, scheduleProblems, manifest.assets);
    if (this.sensors.length) manifest.sensors = checkedManifests("sensor", this.sensors, sensorProblems, manifest.assets);
    checkAcyclic(manifest);
    this.#checkBindings(built.steps);
    this.plan = new ExecutionPlan(built, manifest);
    // The canonical text is kept: a registration sends it as the manifest. The items' digests,
    // which only a registration against an earlier version needs, are read off it when asked.
    const { text, hash } = manifestTextAndHash(compactBuiltManifest(manifest));
    this.#hash = hash;
    this.#text = text;
  }

  /**
   * The manifest and its hash: sha256 of its canonical JSON, equal for equal definitions
   * whatever order they were declared in; and its items' digests (`digests`).
   *
   * @example
   * ```ts
   * const { manifest, hash, digests } = defs.manifest();
   * await client.registerCodeLocation({ name: "sales", manifest, hash, digests });
   * ```
   */
  manifest(): { manifest: Manifest; hash: string; digests: ManifestDigests } {
    return { manifest: cloneData(this.plan.manifest), hash: this.#hash, digests: this.digests };
  }

  /**
   * Per list of the manifest (assets, steps…), each item's digest: what lets a registration
   * send the server only the items it does not have (`StrataClient#registerCodeLocation`).
   *
   * @example
   * ```ts
   * await client.registerCodeLocation({ name: "sales", manifest, hash: defs.hash, digests: defs.digests });
   * ```
   */
  get digests(): ManifestDigests {
    this.#digests ??= manifestTextDigests(this.#text);
    return this.#digests;
  }

  /**
   * The manifest's canonical JSON, the text its hash is computed over: what a registration sends
   * as the manifest (`StrataClient#registerCodeLocation`'s `manifestText`), instead of
   * serializing it again (~0.4 s for 100,000 assets). Kept as the definitions load: about a
   * kilobyte per asset.
   *
   * @example
   * ```ts
   * await client.registerCodeLocation({ name: "sales", ...defs.manifest(), manifestText: defs.manifestText });
   * ```
   */
  get manifestText(): string {
    return this.#text;
  }

  /**
   * The manifest's hash alone, as `manifest()` returns it, without copying the manifest (which
   * takes a while for tens of thousands of assets).
   *
   * @example
   * ```ts
   * if (defs.hash !== deployedHash) await client.registerCodeLocation({ name: "sales", ...defs.manifest() });
   * ```
   */
  get hash(): string {
    return this.#hash;
  }

  /**
   * The same definitions with some resources or IO managers replaced, e.g. fakes in a test.
   *
   * @example
   * ```ts
   * const testDefs = defs.with({ resources: { warehouse: fakeWarehouse } });
   * ```
   */
  with(overrides: {
    resources?: Readonly<Record<string, ResourceBinding>>;
    ioManagers?: Readonly<Record<string, IOManager>>;
  }): Definitions {
    const ioManagers = { ...this.ioManagers, ...overrides.ioManagers };
    // Keep "explicit" meaning "chosen by someone": the implicit filesystem default stays implicit.
    if (!this.defaultIOManagerIsExplicit && overrides.ioManagers?.[DEFAULT_IO_MANAGER_KEY] === undefined)
      delete ioManagers[DEFAULT_IO_MANAGER_KEY];
    return new Definitions({
      assets: this.assets,
      checks: this.checks,
      schedules: this.schedules,
      sensors: this.sensors,
      resources: { ...this.resources, ...overrides.resources },
      ioManagers,
    });
  }

  #checkBindings(steps: ReturnType<typeof buildSteps>["steps"]): void {
    for (const step of steps) {
      const culprit = `${step.kind === "multi_asset" ? "multi-asset" : step.kind} "${step.key}"`;
      for (const key of step.resourceKeys) {
        if (!(key in this.resources)) {
          throw new DefinitionError(
            "missing_resource",
            culprit,
            `needs resource "${key}", which these definitions do not provide; add it to resources`,
          );
        }
      }
      const ioKeys = [...step.outputs.map((o) => o.ioManagerKey), ...step.inputs.map((i) => i.ioManagerKey)];
      for (const key of ioKeys) {
        if (!(key in this.ioManagers)) {
          throw new DefinitionError(
            "missing_io_manager",
            culprit,
            `uses IO manager "${key}", which these definitions do not provide; add it to ioManagers`,
          );
        }
      }
    }
  }
}

function checkAcyclic(manifest: Manifest): void {
  // An asset reading earlier partitions of itself is no cycle (buildSteps checked the mapping of
  // ins and deps; this also covers a multi-asset's internal deps).
  for (const asset of manifest.assets) {
    if (!asset.deps.includes(asset.key)) continue;
    const problem = selfDependencyProblem(asset.partitions, asset.partitionMappings[asset.key]);
    if (problem) throw new DefinitionError("self_dependency", `asset "${asset.key}"`, `depends on itself: ${problem}`);
  }
  // Assets and steps by index, each edge found once (findIndexedCycle): for 100,000 assets the
  // edge lists and string-keyed lookups findCycle needed took ~0.5 s.
  const assets = manifest.assets;
  const assetIndex = new Map(assets.map((a, i) => [a.key, i] as const));
  const assetCycle = findIndexedCycle(
    assets.length,
    (i, add) => {
      const asset = assets[i]!;
      if (assetIndex.get(asset.key) !== i) return;
      for (const dep of asset.deps) {
        const j = assetIndex.get(dep);
        if (j !== undefined && j !== i) add(j);
      }
    },
    assetIndex.values(),
  );
  if (assetCycle) {
    const keys = assetCycle.map((i) => assets[i]!.key);
    throw new DefinitionError("cycle", `asset "${keys[0]}"`, `assets depend on each other in a cycle: ${keys.reverse().join(" → ")}`);
  }
  // Steps can loop even when assets do not: a multi-asset consuming an asset built from its own output.
  const steps = manifest.steps;
  const stepIndex = new Map(steps.map((s, i) => [s.key, i] as const));
  const stepCycle = findIndexedCycle(
    steps.length,
    (i, add) => {
      const step = steps[i]!;
      if (stepIndex.get(step.key) !== i) return;
      for (const upstream of [step.inputs, step.deps]) {
        for (const { stepKey } of upstream) {
          const j = stepIndex.get(stepKey);
          if (j !== undefined) add(j);
        }
      }
    },
    stepIndex.values(),
  )?.map((i) => steps[i]!.key);
  if (stepCycle) {
    throw new DefinitionError(
      "cycle",
      `step "${stepCycle[0]}"`,
      `steps depend on each other in a cycle: ${stepCycle.reverse().join(" → ")}`,
    );
  }
}
