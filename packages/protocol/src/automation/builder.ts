import type { AutomationArgs, AutomationConditionNode, AutomationOp } from "./condition.js";

/**
 * Builds automation conditions (Dagster's `AutomationCondition`, camelCase): static operands and
 * composites, chained operators. A condition is plain data (`.node`) that an asset carries in
 * `automation`; the server evaluates it at each automation tick.
 *
 * @example
 * ```ts
 * asset("b", { ins: { a }, automation: AutomationCondition.eager() }, ({ a }) => a + 1);
 * asset("c", { automation: AutomationCondition.onCron("0 9 * * *", "Europe/Berlin") }, build);
 * asset("d", { automation: AutomationCondition.onMissing().and(AutomationCondition.allDepsBlockingChecksPassed()) }, build);
 * ```
 */
export class AutomationCondition {
  private constructor(readonly node: AutomationConditionNode) {}

  /** Wraps a condition tree (from a manifest) to compose it further. */
  static from(node: AutomationConditionNode): AutomationCondition {
    return new AutomationCondition(node);
  }

  private static of(op: AutomationOp, children: AutomationCondition[] = [], args?: AutomationArgs, label?: string): AutomationCondition {
    return new AutomationCondition({
      op,
      ...(label ? { label } : {}),
      ...(args ? { args } : {}),
      ...(children.length ? { children: children.map((c) => c.node) } : {}),
    });
  }

  /** A static factory of the operand `op` (no children, no arguments). */
  private static operand(op: AutomationOp): () => AutomationCondition {
    return () => AutomationCondition.of(op);
  }

  // Operands.
  /** The asset (its partition in the latest time window) has never been materialized. */
  static readonly missing = AutomationCondition.operand("missing");
  static readonly runInProgress = AutomationCondition.operand("runInProgress");
  static readonly backfillInProgress = AutomationCondition.operand("backfillInProgress");
  /** A run or a backfill that will materialize it is under way. */
  static inProgress(): AutomationCondition {
    return AutomationCondition.runInProgress().or(AutomationCondition.backfillInProgress()).withLabel("in_progress");
  }
  /** Its latest run attempt failed. */
  static readonly executionFailed = AutomationCondition.operand("executionFailed");
  /** Materialized since the previous tick. */
  static readonly newlyUpdated = AutomationCondition.operand("newlyUpdated");
  /** Requested by the previous tick. */
  static readonly newlyRequested = AutomationCondition.operand("newlyRequested");
  /** Requested by this tick (for a dependency evaluated earlier in the same tick). */
  static readonly willBeRequested = AutomationCondition.operand("willBeRequested");
  static readonly codeVersionChanged = AutomationCondition.operand("codeVersionChanged");
  /** A tick of `cron` in `timezone` passed since the previous evaluation. */
  static cronTickPassed(cron: string, timezone = "UTC"): AutomationCondition {
    return AutomationCondition.of("cronTickPassed", [], { cron, timezone });
  }
  /** Always true for an unpartitioned asset; for a time-partitioned one, its latest window. */
  static readonly inLatestTimeWindow = AutomationCondition.operand("inLatestTimeWindow");
  /** The first evaluation of a changed condition (not an asset's very first evaluation: see evaluate.ts). */
  static readonly initialEvaluation = AutomationCondition.operand("initialEvaluation");
  /** Its latest materialization came from a run that targeted the asset being evaluated (a dependency's). */
  static readonly executedWithRootTarget = AutomationCondition.operand("executedWithRootTarget");
  /** Check operands, inside `anyChecksMatch`/`allChecksMatch`. */
  static readonly checkPassed = AutomationCondition.operand("checkPassed");
  static readonly checkFailed = AutomationCondition.operand("checkFailed");

  // Operators.
  and(...others: AutomationCondition[]): AutomationCondition {
    return AutomationCondition.of("and", [this, ...others]);
  }
  or(...others: AutomationCondition[]): AutomationCondition {
    return AutomationCondition.of("or", [this, ...others]);
  }
  not(): AutomationCondition {
    return AutomationCondition.of("not", [this]);
  }
  static not(condition: AutomationCondition): AutomationCondition {
    return condition.not();
  }
  /** True once this has been true more recently than `reset` (reset wins a tie, as Dagster). */
  since(reset: AutomationCondition): AutomationCondition {
    return AutomationCondition.of("since", [this, reset]);
  }
  /** True on the tick this becomes true, false while it stays true. */
  newlyTrue(): AutomationCondition {
    return AutomationCondition.of("newlyTrue", [this]);
  }
  /** `this.since(newlyRequested() | newlyUpdated() | initialEvaluation())`. */
  sinceLastHandled(): AutomationCondition {
    return this.since(
      AutomationCondition.newlyRequested()
        .or(AutomationCondition.newlyUpdated(), AutomationCondition.initialEvaluation())
        .withLabel("handled"),
    ).withLabel("since_last_handled");
  }
  withLabel(label: string): AutomationCondition {
    return new AutomationCondition({ ...this.node, label });
  }
  /** For a deps operator (and the composites built on one): leave these dependencies out. */
  ignore(selection: { keys: readonly string[] }): AutomationCondition {
    return new AutomationCondition(
      mapDepsOperators(this.node, (args) => ({ ...args, ignore: [...(args.ignore ?? []), ...selection.keys] })),
    );
  }
  /** For a deps operator (and the composites built on one): look only at these dependencies. */
  allow(selection: { keys: readonly string[] }): AutomationCondition {
    return new AutomationCondition(mapDepsOperators(this.node, (args) => ({ ...args, allow: [...(args.allow ?? []), ...selection.keys] })));
  }

  static anyDepsMatch(condition: AutomationCondition): AutomationCondition {
    return AutomationCondition.of("anyDepsMatch", [condition]);
  }
  static allDepsMatch(condition: AutomationCondition): AutomationCondition {
    return AutomationCondition.of("allDepsMatch", [condition]);
  }
  static anyChecksMatch(condition: AutomationCondition, options: { blockingOnly?: boolean } = {}): AutomationCondition {
    return AutomationCondition.of("anyChecksMatch", [condition], options.blockingOnly ? { blockingOnly: true } : undefined);
  }
  static allChecksMatch(condition: AutomationCondition, options: { blockingOnly?: boolean } = {}): AutomationCondition {
    return AutomationCondition.of("allChecksMatch", [condition], options.blockingOnly ? { blockingOnly: true } : undefined);
  }

  // Composites, as Dagster defines them.
  static newlyMissing(): AutomationCondition {
    return AutomationCondition.missing().newlyTrue().withLabel("newly_missing");
  }
  static anyDepsUpdated(): AutomationCondition {
    const AC = AutomationCondition;
    return AC.anyDepsMatch(AC.newlyUpdated().and(AC.executedWithRootTarget().not()).or(AC.willBeRequested())).withLabel("any_deps_updated");
  }
  static anyDepsMissing(): AutomationCondition {
    const AC = AutomationCondition;
    return AC.anyDepsMatch(AC.missing().and(AC.willBeRequested().not())).withLabel("any_deps_missing");
  }
  static anyDepsInProgress(): AutomationCondition {
    return AutomationCondition.anyDepsMatch(AutomationCondition.inProgress()).withLabel("any_deps_in_progress");
  }
  static allDepsUpdatedSinceCron(cron: string, timezone = "UTC"): AutomationCondition {
    const AC = AutomationCondition;
    return AC.allDepsMatch(AC.newlyUpdated().since(AC.cronTickPassed(cron, timezone)).or(AC.willBeRequested())).withLabel(
      "all_deps_updated_since_cron",
    );
  }
  /** Every dependency updated since `reference` became true (Dagster #25145). */
  static allDepsUpdatedSince(reference: AutomationCondition): AutomationCondition {
    const AC = AutomationCondition;
    return AC.allDepsMatch(AC.newlyUpdated().since(reference).or(AC.willBeRequested())).withLabel("all_deps_updated_since");
  }
  static allDepsBlockingChecksPassed(): AutomationCondition {
    const AC = AutomationCondition;
    return AC.allDepsMatch(AC.allChecksMatch(AC.checkPassed().or(AC.willBeRequested()), { blockingOnly: true })).withLabel(
      "all_deps_blocking_checks_passed",
    );
  }
  /** Materialize when missing or when a dependency updates, once its dependencies are present and idle. */
  static eager(): AutomationCondition {
    const AC = AutomationCondition;
    return AC.inLatestTimeWindow()
      .and(
        AC.newlyMissing().or(AC.anyDepsUpdated()).sinceLastHandled(),
        AC.anyDepsMissing().not(),
        AC.anyDepsInProgress().not(),
        AC.inProgress().not(),
      )
      .withLabel("eager");
  }
  /** Materialize after each tick of `cron` once every dependency has updated since that tick. */
  static onCron(cron: string, timezone = "UTC"): AutomationCondition {
    const AC = AutomationCondition;
    return AC.inLatestTimeWindow()
      .and(AC.cronTickPassed(cron, timezone).sinceLastHandled(), AC.allDepsUpdatedSinceCron(cron, timezone))
      .withLabel("on_cron");
  }
  /** Materialize when missing, once its dependencies are present. */
  static onMissing(): AutomationCondition {
    const AC = AutomationCondition;
    return AC.inLatestTimeWindow().and(AC.newlyMissing().sinceLastHandled(), AC.anyDepsMissing().not()).withLabel("on_missing");
  }

  toJSON(): AutomationConditionNode {
    return this.node;
  }
}

function mapDepsOperators(node: AutomationConditionNode, change: (args: AutomationArgs) => AutomationArgs): AutomationConditionNode {
  const children = node.children?.map((child) => mapDepsOperators(child, change));
  const isDeps = node.op === "anyDepsMatch" || node.op === "allDepsMatch";
  return {
    ...node,
    ...(children ? { children } : {}),
    ...(isDeps ? { args: change(node.args ?? {}) } : {}),
  };
}
