import type { ClientConnection } from "./client-connection.js";
import {
  type AutomationDryRunQuery,
  type AutomationEvaluationFieldsFragment,
  type AutomationTickFieldsFragment,
  type AutomationTickStatus as GeneratedAutomationTickStatus,
  TickCompletedDocument,
  type TickCompletedSubscription,
} from "./generated/graphql.js";
import { toPage, type Page } from "./page.js";
import { unwrapResult, type Unwrapped } from "./result-union.js";
import type { StrataSubscription, SubscribeOptions } from "./subscriptions/reconnecting-subscription.js";

/**
 * STARTED, SKIPPED (nothing requested), SUCCESS (its runs were created with it) or FAILURE (it
 * created nothing; see `error`).
 *
 * @example
 * ```ts
 * const interesting: AutomationTickStatus[] = ["SUCCESS", "FAILURE"];
 * ```
 */
export type AutomationTickStatus = GeneratedAutomationTickStatus;

/**
 * One evaluation of a code location's automation conditions, with the runs it created.
 *
 * @example
 * ```ts
 * const launched = (t: AutomationTick) => t.status === "SUCCESS" && t.runIds.length > 0;
 * ```
 */
export type AutomationTick = AutomationTickFieldsFragment;

/**
 * An asset's condition evaluated at a tick: whether it was requested, and per node of the
 * condition (depth first from the root) for how many subjects it was true.
 *
 * @example
 * ```ts
 * const root = (e: AutomationEvaluation) => e.nodes.find((n) => n.parentId === null);
 * ```
 */
export type AutomationEvaluation = AutomationEvaluationFieldsFragment;

/**
 * An asset's automation: its condition as the manifest carries it (null: it does not
 * materialize by itself), when it is next evaluated, and its evaluations, newest first.
 *
 * @example
 * ```ts
 * const { condition, evaluations } = await client.assetAutomation("b");
 * console.log(condition?.label, evaluations.items[0]?.requested);
 * ```
 */
export interface AssetAutomation {
  condition: { label: string | null; tree: unknown } | null;
  nextTickAt: string | null;
  evaluations: Page<AutomationEvaluation>;
}

/**
 * A location's automation evaluator: paused or not, its last and next tick.
 *
 * @example
 * ```ts
 * const state: AutomationInstigator = await client.setAutomationPaused("etl", true);
 * ```
 */
export interface AutomationInstigator {
  location: string;
  paused: boolean;
  lastTickAt: string | null;
  nextTickAt: string | null;
}

/**
 * What a tick of a location's conditions would request now, and each asset's evaluation tree;
 * nothing was written.
 *
 * @example
 * ```ts
 * const { requested } = await client.automationDryRun("etl");
 * ```
 */
export type AutomationDryRun = Unwrapped<AutomationDryRunQuery["automationDryRun"], "AutomationDryRun">;

/**
 * The declarative automation methods of {@link StrataClient}.
 *
 * @example
 * ```ts
 * const automation: AutomationMethods = createClient({ url, token });
 * const ticks = await automation.automationTicks({ location: "etl" });
 * ```
 */
export interface AutomationMethods {
  /**
   * Automation ticks, newest first, one page at a time; of one location and some statuses when
   * given. Requires `read`.
   *
   * @example
   * ```ts
   * const page = await client.automationTicks({ location: "etl", status: ["SUCCESS"], first: 20 });
   * ```
   */
  automationTicks(options?: {
    location?: string | undefined;
    status?: AutomationTickStatus[] | undefined;
    first?: number | undefined;
    after?: string | null | undefined;
  }): Promise<Page<AutomationTick>>;

  /**
   * An asset's automation condition, next tick and evaluations (newest first: the first says
   * why it did or did not run). Throws `NotFoundError` for an unknown asset. Requires `read`.
   *
   * @example
   * ```ts
   * const { evaluations } = await client.assetAutomation("b", { first: 1 });
   * ```
   */
  assetAutomation(assetKey: string, options?: { first?: number | undefined; after?: string | null | undefined }): Promise<AssetAutomation>;

  /**
   * Pauses (no ticks) or resumes a code location's automation. Throws `NotFoundError` for an
   * unknown location. Requires `launch`.
   *
   * @example
   * ```ts
   * await client.setAutomationPaused("etl", true);
   * ```
   */
  setAutomationPaused(location: string, paused: boolean): Promise<AutomationInstigator>;

  /**
   * Evaluates a code location's conditions now, as its next tick would (paused or not), and
   * writes nothing: what it would request and why. Throws `NotFoundError` for an unknown
   * location. Requires `read`.
   *
   * @example
   * ```ts
   * const dry = await client.automationDryRun("etl");
   * console.log(dry.requested, dry.evaluations.find((e) => e.requested)?.nodes);
   * ```
   */
  automationDryRun(location: string): Promise<AutomationDryRun>;

  /**
   * Each automation tick as it ends (conditions, schedules, sensors), of one code location or of
   * all, over SSE; reconnects by itself. Requires `read`.
   *
   * @example
   * ```ts
   * for await (const tick of client.tickCompleted({ location: "etl" })) console.log(tick.status, tick.runIds);
   * ```
   */
  tickCompleted(variables?: { location?: string | null }, options?: SubscribeOptions): StrataSubscription<AutomationTick>;
}

export function automationMethods({ sdk, subscribeRoot }: ClientConnection): AutomationMethods {
  return {
    tickCompleted(variables = {}, options = {}) {
      return subscribeRoot<TickCompletedSubscription>(TickCompletedDocument, { location: variables.location ?? null }, options);
    },
    async automationTicks(options = {}) {
      return toPage((await sdk.AutomationTicks(options)).automationTicks);
    },
    async assetAutomation(assetKey, options = {}) {
      const asset = unwrapResult((await sdk.AssetAutomation({ assetKey, ...options })).asset, "Asset");
      return {
        condition: asset.automationCondition,
        nextTickAt: asset.nextAutomationTickAt,
        evaluations: toPage(asset.automationEvaluations),
      };
    },
    async setAutomationPaused(location, paused) {
      return unwrapResult((await sdk.SetAutomationPaused({ location, paused })).setAutomationPaused, "AutomationInstigator");
    },
    async automationDryRun(location) {
      return unwrapResult((await sdk.AutomationDryRun({ location })).automationDryRun, "AutomationDryRun");
    },
  };
}
