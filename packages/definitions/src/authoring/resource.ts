import type { Logger } from "./step-context.js";

/**
 * What a resource's `setup` receives.
 *
 * @example
 * ```ts
 * defineResource({ setup: (ctx: ResourceContext) => connect({ applicationName: `strata-${ctx.runId}`, signal: ctx.signal }) });
 * ```
 */
export interface ResourceContext {
  runId: string;
  log: Logger;
  /** Aborted when the run is canceled. */
  signal: AbortSignal;
}

/**
 * A resource with a lifecycle: `setup` runs once per run before the first step that needs it,
 * `teardown` once after the last step, in reverse order of setup.
 * Build one with {@link defineResource}; a plain value works too when there is nothing to open
 * or close.
 *
 * @example
 * ```ts
 * const warehouse = defineResource({
 *   setup: async () => connect(process.env.WAREHOUSE_URL),
 *   teardown: (connection) => connection.close(),
 * });
 * ```
 */
export class ResourceDefinition<T> {
  readonly #brand = true;
  readonly setup: (ctx: ResourceContext) => T | Promise<T>;
  readonly teardown: ((value: T) => void | Promise<void>) | null;

  constructor(options: { setup: (ctx: ResourceContext) => T | Promise<T>; teardown?: (value: T) => void | Promise<void> }) {
    this.setup = options.setup;
    this.teardown = options.teardown ?? null;
  }

  /** @internal */
  static isResourceDefinition(value: unknown): value is ResourceDefinition<unknown> {
    return typeof value === "object" && value !== null && #brand in value;
  }
}

/**
 * Declares a resource with per-run setup and teardown.
 *
 * @example
 * ```ts
 * const api = defineResource({ setup: () => new ApiClient(token), teardown: (c) => c.close() });
 * new Definitions({ assets, resources: { api } });
 * ```
 */
export function defineResource<T>(options: {
  setup: (ctx: ResourceContext) => T | Promise<T>;
  teardown?: (value: T) => void | Promise<void>;
}): ResourceDefinition<T> {
  return new ResourceDefinition(options);
}

/**
 * Marks a resource key an asset or op needs, with the type the step will see in
 * `ctx.resources`. The value comes from `Definitions` (or `materialize`) under the same key,
 * so tests can swap in a fake. A missing key is a `DefinitionError`.
 *
 * @example
 * ```ts
 * const orders = asset(
 *   "orders",
 *   { resources: { warehouse: requiredResource<Warehouse>() } },
 *   (_, ctx) => ctx.resources.warehouse.query("select * from orders"),
 * );
 * ```
 */
export function requiredResource<T = unknown>(): ResourceRequirement<T> {
  return new ResourceRequirement<T>();
}

/**
 * A typed resource requirement; see {@link requiredResource}.
 *
 * @example
 * ```ts
 * const needs: { warehouse: ResourceRequirement<Warehouse> } = { warehouse: requiredResource<Warehouse>() };
 * ```
 */
export class ResourceRequirement<T> {
  declare readonly __resourceType?: T;
}

/** The resources a step declares: key → requirement. */
export type ResourceRequirements = Readonly<Record<string, ResourceRequirement<any>>>;

/** What `ctx.resources` holds for a step declaring `R`. */
export type ResourceValues<R> = { readonly [K in keyof R]: R[K] extends ResourceRequirement<infer T> ? T : never };

/** What `Definitions` and `materialize` accept for a resource: a definition or a plain value. */
export type ResourceBinding = ResourceDefinition<any> | unknown;
