/**
 * One automation tick: evaluates each asset's condition in dependency order (so
 * `willBeRequested` sees what this tick requests upstream) against a snapshot of the assets'
 * state, and returns what to request, every node's result for "why (not)", and the cursors for
 * the next tick. Pure: the server builds the snapshot from its tables, stores the result with
 * the runs it creates in one transaction; tests call it with plain objects, so tests and
 * production evaluate with the same code (Dagster #28943). An unpartitioned asset is evaluated
 * whole; a time-partitioned one on its latest time window (`partitionKey`), the only window the
 * composites request (`inLatestTimeWindow`): each window is a subject of its own, so crossing
 * midnight makes the new day's partition newly missing while older missing ones stay unrequested.
 */
import { Cron } from "croner";
import { topologicalOrder } from "../plan/cycle.js";
import { type AutomationConditionNode, conditionHash, flattenCondition } from "./condition.js";

/** What the evaluator knows of one asset at the tick. */
export interface AutomationAssetState {
  key: string;
  /** Upstream asset keys (any location). */
  deps: readonly string[];
  /** Never materialized (for a time-partitioned asset: its latest window). */
  missing: boolean;
  runInProgress: boolean;
  backfillInProgress: boolean;
  /** Its latest run attempt failed. */
  executionFailed: boolean;
  /** Materialized since the previous tick. */
  newlyUpdated: boolean;
  /** The assets selected by the run of its latest materialization (`null`: not from a run). */
  latestRunTargets: readonly string[] | null;
  codeVersionChanged: boolean;
  checks: readonly { key: string; blocking: boolean; passed: boolean | null }[];
  /** `null`: not automated (it can still be a dependency). */
  condition: AutomationConditionNode | null;
  /**
   * For a time-partitioned asset, the key of its latest time window (`null`: no window has ended
   * yet); the other fields describe that partition. Absent for an asset evaluated whole.
   */
  partitionKey?: string | null;
}

/** What one asset's evaluation keeps for the next tick. */
export interface AutomationCursor {
  /** When it was last evaluated (ms since the epoch). */
  evaluatedAt: number;
  /** Whether the last tick requested it. */
  requested: boolean;
  /** The time window it was evaluated on (a time-partitioned asset): `requested` was for that partition. */
  partitionKey?: string | null;
  /** A hash of the condition it was evaluated with (older cursors: its JSON): a changed condition starts afresh. */
  condition: string;
  /** Stateful nodes (`since`, `newlyTrue`) by node id: their value per subject (asset or check key). */
  nodes: Record<string, Record<string, boolean>>;
}

/** One node's result in an evaluation tree. */
export interface AutomationNodeResult {
  id: string;
  parentId: string | null;
  op: string;
  label: string | null;
  /** Subjects it was true for, of those it was evaluated for (the asset, its deps or its checks). */
  trueCount: number;
  candidateCount: number;
}

export interface AutomationEvaluation {
  assetKey: string;
  /** The hash of the condition evaluated: it names the tree's shape (ids, ops, labels) for storage. */
  condition: string;
  /** The partition it was evaluated on (its latest time window); `null` for an asset evaluated whole. */
  partitionKey: string | null;
  requested: boolean;
  nodes: AutomationNodeResult[];
}

export interface AutomationTick {
  now: number;
  /**
   * When the previous tick evaluated these assets (the server's location-wide last tick): what
   * `cronTickPassed` compares with, so unchanged cursors need not be rewritten each tick. Absent:
   * each cursor's own `evaluatedAt`.
   */
  previousTickAt?: number | null;
  assets: readonly AutomationAssetState[];
  cursors: ReadonlyMap<string, AutomationCursor>;
  /**
   * Evaluate only what can have changed since the previous tick (absent: every asset). An asset
   * is evaluated when it is in `dirty` or `changed`, when one of its dependencies is in `changed`
   * (its state moved since the previous tick), or when a dependency evaluated before it in this
   * tick got another `requested` than its cursor holds. Any other asset's inputs are those of the
   * previous tick, so its result and cursor would be the previous ones: it is left out of the
   * result (no evaluation, no cursor, not requested; an asset requested by the previous tick must
   * therefore be in `dirty`). `assets` must hold every asset that may be evaluated and their
   * dependencies; the others may be left out.
   */
  incremental?: { dirty: ReadonlySet<string>; changed: ReadonlySet<string> };
}

export interface AutomationTickResult {
  /** Asset keys to materialize, in dependency order. */
  requested: string[];
  evaluations: AutomationEvaluation[];
  cursors: Map<string, AutomationCursor>;
}

type Subject = { kind: "asset"; state: AutomationAssetState } | { kind: "check"; check: AutomationAssetState["checks"][number] };

/** What evaluating a condition tree needs besides the states, computed once per tree object. */
interface CompiledCondition {
  hash: string;
  json: string;
  flat: ReturnType<typeof flattenCondition>;
  /** A node's id → its children's ids, in order. */
  childIds: Map<string, string[]>;
  /** A node's id → its position in `flat`. */
  position: Map<string, number>;
}

// Trees are data the server parses once per manifest and keeps: their ids, hash and JSON too.
const compiled = new WeakMap<AutomationConditionNode, CompiledCondition>();

function compile(root: AutomationConditionNode): CompiledCondition {
  let entry = compiled.get(root);
  if (!entry) {
    const flat = flattenCondition(root);
    const childIds = new Map<string, string[]>();
    const position = new Map<string, number>();
    flat.forEach((f, i) => {
      position.set(f.id, i);
      if (f.parentId !== null) childIds.set(f.parentId, [...(childIds.get(f.parentId) ?? []), f.id]);
    });
    const json = JSON.stringify(root);
    entry = { hash: conditionHash(json), json, flat, childIds, position };
    compiled.set(root, entry);
  }
  return entry;
}

/**
 * Evaluates every automated asset once.
 *
 * @example
 * ```ts
 * const { requested } = evaluateAutomationTick({ now: Date.now(), assets, cursors: new Map() });
 * ```
 */
export function evaluateAutomationTick(tick: AutomationTick): AutomationTickResult {
  const byKey = new Map(tick.assets.map((a) => [a.key, a]));
  const order = topologicalOrder(
    tick.assets.map((a) => a.key),
    (key) => byKey.get(key)!.deps.filter((d) => byKey.has(d)),
  );
  const evaluator = new TickEvaluator(tick, byKey);
  const evaluations: AutomationEvaluation[] = [];
  const cursors = new Map<string, AutomationCursor>();
  const incremental = tick.incremental;
  // Evaluated assets whose result differs from their cursor's: their dependents' inputs changed.
  const flipped = new Set<string>();
  const moved = (key: string) => incremental!.changed.has(key) || flipped.has(key);
  for (const key of order) {
    const root = byKey.get(key)!;
    if (!root.condition) continue;
    if (incremental && !incremental.dirty.has(key) && !incremental.changed.has(key) && !root.deps.some(moved)) continue;
    const { value, evaluation, cursor } = evaluator.evaluateAsset(root, root.condition);
    if (value) evaluator.requested.add(key);
    if (value !== (tick.cursors.get(key)?.requested ?? false)) flipped.add(key);
    evaluations.push(evaluation);
    cursors.set(key, cursor);
  }
  return { requested: order.filter((k) => evaluator.requested.has(k)), evaluations, cursors };
}

/** The automated assets a stepwise tick walks (see evaluateAutomationTickInSteps). */
export interface AutomationGraph {
  /** The automated assets, in dependency order. */
  order: readonly string[];
  /** An asset's dependencies (any location, automated or not). */
  depsOf(key: string): readonly string[];
  /** An asset's automated dependents. */
  dependentsOf(key: string): readonly string[];
}

/** What a stepwise tick is given for the keys it asked for: their states and their stored cursors. */
export interface AutomationStatesRead {
  states: readonly AutomationAssetState[];
  cursors: ReadonlyMap<string, AutomationCursor>;
}

/**
 * An incremental tick (see AutomationTick.incremental) that asks for states as it goes instead
 * of being handed every state it might need: it yields the keys whose states and cursors it needs
 * next (the assets it will evaluate and their dependencies) and is resumed with them. It first
 * asks for the assets certain to be evaluated (dirty or changed, and the dependents of changed
 * ones); an asset reached later because a dependency's request flipped is asked for together with
 * every other known one, and with what is downstream of them to a depth that doubles each time, so
 * a request travelling down a long chain costs a few reads, not one per asset. The result is
 * evaluateAutomationTick's given every state: the same requests, evaluations and cursors, listed
 * in a dependency order that may differ.
 *
 * @example
 * ```ts
 * const steps = evaluateAutomationTickInSteps({ now, graph, incremental: { dirty, changed } });
 * let step = steps.next();
 * while (!step.done) step = steps.next(await read(step.value));
 * const { requested } = step.value;
 * ```
 */
export function* evaluateAutomationTickInSteps(
  tick: Omit<AutomationTick, "assets" | "cursors" | "incremental"> & {
    graph: AutomationGraph;
    incremental: NonNullable<AutomationTick["incremental"]>;
  },
): Generator<string[], AutomationTickResult, AutomationStatesRead> {
  const { graph, incremental } = tick;
  const automated = new Set(graph.order);
  const byKey = new Map<string, AutomationAssetState>();
  const stored = new Map<string, AutomationCursor>();
  const evaluator = new TickEvaluator({ ...tick, assets: [], cursors: stored }, byKey);
  // Keys whose state was asked for, and those among them whose dependencies' were too.
  const asked = new Set<string>();
  const ready = new Set<string>();
  const evaluations: AutomationEvaluation[] = [];
  const cursors = new Map<string, AutomationCursor>();
  const flipped = new Set<string>();
  const moved = (key: string) => incremental.changed.has(key) || flipped.has(key);
  // Assets known to need evaluation that were not asked for yet: dependents of flipped ones.
  const known = new Set<string>();
  let depth = 1;

  function* read(keys: Iterable<string>): Generator<string[], void, AutomationStatesRead> {
    const wanted: string[] = [];
    const want = (key: string) => {
      if (!asked.has(key)) {
        asked.add(key);
        wanted.push(key);
      }
    };
    for (const key of keys) {
      want(key);
      for (const dep of graph.depsOf(key)) want(dep);
      ready.add(key);
    }
    if (wanted.length === 0) return;
    const got = yield wanted;
    for (const state of got.states) byKey.set(state.key, state);
    for (const [key, cursor] of got.cursors) stored.set(key, cursor);
  }

  const certain = new Set<string>();
  for (const key of incremental.dirty) if (automated.has(key)) certain.add(key);
  for (const key of incremental.changed) {
    if (automated.has(key)) certain.add(key);
    for (const dependent of graph.dependentsOf(key)) certain.add(dependent);
  }
  yield* read(certain);

  for (const key of graph.order) {
    if (!incremental.dirty.has(key) && !incremental.changed.has(key) && !graph.depsOf(key).some(moved)) continue;
    if (!ready.has(key)) {
      // Everything known to need evaluation now, and downstream of it to `depth` (a guess: a
      // request that flipped tends to flip its dependents').
      const batch = new Set([key, ...known]);
      let frontier = [...batch];
      for (let level = 0; level < depth && frontier.length; level++) {
        const next: string[] = [];
        for (const at of frontier)
          for (const dependent of graph.dependentsOf(at))
            if (!batch.has(dependent) && !ready.has(dependent)) {
              batch.add(dependent);
              next.push(dependent);
            }
        frontier = next;
      }
      depth *= 2;
      known.clear();
      yield* read(batch);
    }
    const root = byKey.get(key);
    if (!root?.condition) continue;
    const { value, evaluation, cursor } = evaluator.evaluateAsset(root, root.condition);
    if (value) evaluator.requested.add(key);
    if (value !== (stored.get(key)?.requested ?? false)) {
      flipped.add(key);
      for (const dependent of graph.dependentsOf(key)) if (!ready.has(dependent)) known.add(dependent);
    }
    evaluations.push(evaluation);
    cursors.set(key, cursor);
  }
  return { requested: graph.order.filter((k) => evaluator.requested.has(k)), evaluations, cursors };
}

/**
 * Evaluates one asset's condition after another within a tick. Written as a class, not closures
 * per asset and per node: a tick of 10,000 assets evaluates some 400,000 nodes.
 */
class TickEvaluator {
  readonly requested = new Set<string>();
  // The latest instant of each (cron, time zone) at or before now: one computation per tick.
  private readonly cronTicks = new Map<string, number | null>();
  // The asset being evaluated, and what its evaluation keeps.
  private root!: AutomationAssetState;
  private condition!: CompiledCondition;
  private conditionChanged = false;
  private previousAt: number | null = null;
  private previousNodes: AutomationCursor["nodes"] = {};
  private nodes: AutomationCursor["nodes"] = {};
  private trueCounts = new Int32Array(0);
  private candidateCounts = new Int32Array(0);

  constructor(
    private readonly tick: AutomationTick,
    private readonly byKey: ReadonlyMap<string, AutomationAssetState>,
  ) {}

  evaluateAsset(root: AutomationAssetState, tree: AutomationConditionNode) {
    const condition = compile(tree);
    const previous = this.tick.cursors.get(root.key);
    const same = previous !== undefined && (previous.condition === condition.hash || previous.condition === condition.json);
    this.root = root;
    this.condition = condition;
    // Unlike Dagster, the very first evaluation of an asset is not a reset: a newly declared eager
    // asset that is missing gets materialized (with its missing automated upstream, in one run).
    // A changed condition still starts afresh without acting on what was already true.
    this.conditionChanged = previous !== undefined && !same;
    this.previousNodes = same ? previous.nodes : {};
    this.previousAt = same ? (this.tick.previousTickAt ?? previous.evaluatedAt) : null;
    this.nodes = {};
    this.trueCounts = new Int32Array(condition.flat.length);
    this.candidateCounts = new Int32Array(condition.flat.length);
    const value = this.evaluate(tree, condition.flat[0]!.id, { kind: "asset", state: root });
    const evaluation: AutomationEvaluation = {
      assetKey: root.key,
      condition: condition.hash,
      partitionKey: root.partitionKey ?? null,
      requested: value,
      nodes: condition.flat.map((f, i) => ({
        id: f.id,
        parentId: f.parentId,
        op: f.node.op,
        label: f.node.label ?? null,
        trueCount: this.trueCounts[i]!,
        candidateCount: this.candidateCounts[i]!,
      })),
    };
    const cursor: AutomationCursor = {
      evaluatedAt: this.tick.now,
      requested: value,
      condition: condition.hash,
      nodes: this.nodes,
      ...(root.partitionKey !== undefined ? { partitionKey: root.partitionKey } : {}),
    };
    return { value, evaluation, cursor };
  }

  private evaluate(node: AutomationConditionNode, id: string, subject: Subject): boolean {
    const value = this.compute(node, id, subject);
    const at = this.condition.position.get(id)!;
    this.candidateCounts[at]!++;
    if (value) this.trueCounts[at]!++;
    return value;
  }

  /** The i-th child of the node `id` (a child's id derives from its parent's, as flattenCondition computes it). */
  private child(node: AutomationConditionNode, id: string, i: number, subject: Subject): boolean {
    return this.evaluate(node.children![i]!, this.condition.childIds.get(id)![i]!, subject);
  }

  // A partition is a subject of its own: a new time window starts with no remembered state.
  private subjectKey(s: Subject): string {
    return s.kind === "check" ? s.check.key : s.state.partitionKey ? `${s.state.key}[${s.state.partitionKey}]` : s.state.key;
  }

  private remember(id: string, subject: Subject, value: boolean): void {
    (this.nodes[id] ??= {})[this.subjectKey(subject)] = value;
  }

  private recalled(id: string, subject: Subject): boolean {
    return this.previousNodes[id]?.[this.subjectKey(subject)] ?? false;
  }

  private lastCronTick(cron: string, timezone: string): number | null {
    const id = `${cron}\u0000${timezone}`;
    if (!this.cronTicks.has(id)) this.cronTicks.set(id, lastCronTick(cron, timezone, this.tick.now));
    return this.cronTicks.get(id)!;
  }

  private compute(node: AutomationConditionNode, id: string, subject: Subject): boolean {
    const count = node.children?.length ?? 0;
    const asset = subject.kind === "asset" ? subject.state : null;
    switch (node.op) {
      case "and": {
        // Every child is evaluated (no short-circuit), so the tree shows each one's count.
        let all = true;
        for (let i = 0; i < count; i++) if (!this.child(node, id, i, subject)) all = false;
        return all;
      }
      case "or": {
        let any = false;
        for (let i = 0; i < count; i++) if (this.child(node, id, i, subject)) any = true;
        return any;
      }
      case "not":
        return !this.child(node, id, 0, subject);
      case "since": {
        const trigger = this.child(node, id, 0, subject);
        const reset = this.child(node, id, 1, subject);
        const value = (this.recalled(id, subject) || trigger) && !reset;
        this.remember(id, subject, value);
        return value;
      }
      case "newlyTrue": {
        const now = this.child(node, id, 0, subject);
        const value = now && !this.recalled(id, subject);
        this.remember(id, subject, now);
        return value;
      }
      case "anyDepsMatch":
      case "allDepsMatch": {
        let any = false;
        let all = true;
        for (const dep of depsOf(this.root, node)) {
          const state = this.byKey.get(dep) ?? unknownAsset(dep);
          if (this.child(node, id, 0, { kind: "asset", state })) any = true;
          else all = false;
        }
        return node.op === "anyDepsMatch" ? any : all;
      }
      case "anyChecksMatch":
      case "allChecksMatch": {
        if (!asset) return false;
        let any = false;
        let all = true;
        for (const check of asset.checks) {
          if (node.args?.blockingOnly && !check.blocking) continue;
          if (this.child(node, id, 0, { kind: "check", check })) any = true;
          else all = false;
        }
        return node.op === "anyChecksMatch" ? any : all;
      }
      case "checkPassed":
        return subject.kind === "check" && subject.check.passed === true;
      case "checkFailed":
        return subject.kind === "check" && subject.check.passed === false;
      case "initialEvaluation":
        return this.conditionChanged;
      case "cronTickPassed": {
        if (this.previousAt === null) return false;
        const last = this.lastCronTick(node.args!.cron!, node.args?.timezone ?? "UTC");
        return last !== null && last > this.previousAt;
      }
      case "inLatestTimeWindow":
        // An unpartitioned asset is always in it; a time-partitioned one once a window has ended.
        return asset !== null && asset.partitionKey !== null;
      case "willBeRequested":
        return asset !== null && this.requested.has(asset.key);
      case "newlyRequested": {
        const last = asset && this.tick.cursors.get(asset.key);
        return !!last && last.requested && (last.partitionKey ?? null) === (asset.partitionKey ?? null);
      }
      case "executedWithRootTarget":
        return asset !== null && (asset.latestRunTargets?.includes(this.root.key) ?? false);
      default:
        return asset !== null && operand(node.op, asset);
    }
  }
}

function operand(op: string, asset: AutomationAssetState): boolean {
  switch (op) {
    case "missing":
      return asset.missing;
    case "runInProgress":
      return asset.runInProgress;
    case "backfillInProgress":
      return asset.backfillInProgress;
    case "executionFailed":
      return asset.executionFailed;
    case "newlyUpdated":
      return asset.newlyUpdated;
    case "codeVersionChanged":
      return asset.codeVersionChanged;
    default:
      throw new Error(`unknown automation operand "${op}"`);
  }
}

function depsOf(root: AutomationAssetState, node: AutomationConditionNode): string[] {
  const ignore = new Set(node.args?.ignore ?? []);
  const allow = node.args?.allow ? new Set(node.args.allow) : null;
  return root.deps.filter((d) => !ignore.has(d) && (allow === null || allow.has(d)));
}

/**
 * The latest instant at or before `now` (ms) that a cron names in a time zone, or null: what
 * `cronTickPassed` compares with the previous tick.
 *
 * @example
 * ```ts
 * lastCronTick("0 9 * * *", "Europe/Berlin", Date.parse("2026-01-05T10:00:00Z")); // 2026-01-05T08:00:00Z
 * ```
 */
export function lastCronTick(cron: string, timezone: string, now: number): number | null {
  return new Cron(cron, { timezone }).previousRuns(1, new Date(now + 1))[0]?.getTime() ?? null;
}

/**
 * An asset's state with nothing going on: materialized, nothing new, nothing running, no
 * condition. A dependency the snapshot does not describe (another location's, not registered)
 * is this, but missing.
 */
export function idleAssetState(key: string, deps: readonly string[] = [], extra: Partial<AutomationAssetState> = {}): AutomationAssetState {
  return {
    key,
    deps,
    missing: false,
    runInProgress: false,
    backfillInProgress: false,
    executionFailed: false,
    newlyUpdated: false,
    latestRunTargets: null,
    codeVersionChanged: false,
    checks: [],
    condition: null,
    ...extra,
  };
}

function unknownAsset(key: string): AutomationAssetState {
  return idleAssetState(key, [], { missing: true });
}
