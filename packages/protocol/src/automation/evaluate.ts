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

/** One node of an evaluated condition tree: what it is, without its counts. */
export interface AutomationTreeNode {
  id: string;
  parentId: string | null;
  op: string;
  label: string | null;
}

/** One node's result in an evaluation tree. */
export interface AutomationNodeResult extends AutomationTreeNode {
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
  /** The condition's nodes depth first from the root (one array shared by its evaluations). */
  tree: readonly AutomationTreeNode[];
  /** Node i's trueCount at 2i and candidateCount at 2i + 1 (see evaluationNodes). */
  counts: Int32Array;
}

/**
 * An evaluation's tree with each node's counts, depth first from the root: what "why (not)"
 * shows.
 *
 * @example
 * ```ts
 * evaluationNodes(evaluation)[0]; // { id, parentId: null, op: "and", label: "eager", trueCount: 1, candidateCount: 1 }
 * ```
 */
export function evaluationNodes(evaluation: AutomationEvaluation): AutomationNodeResult[] {
  return evaluation.tree.map((node, i) => ({
    ...node,
    trueCount: evaluation.counts[2 * i]!,
    candidateCount: evaluation.counts[2 * i + 1]!,
  }));
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

type Check = AutomationAssetState["checks"][number];

/**
 * What evaluating a condition tree needs besides the states, computed once per tree object: its
 * nodes flattened depth first, so the evaluator walks indexes and counts into arrays instead of
 * looking nodes up by id (a tick of 10,000 assets evaluates some 150,000 nodes).
 */
interface CompiledCondition {
  hash: string;
  json: string;
  flat: ReturnType<typeof flattenCondition>;
  tree: AutomationTreeNode[];
  /** A node's index → its children's indexes, in order. */
  kids: number[][];
  /** A deps operator's index → the dependencies it looks at, of an asset's (null: all of them). */
  depFilters: Array<((dep: string) => boolean) | null>;
}

// Trees are data the server parses once per manifest and keeps: their ids, hash and JSON too.
const compiled = new WeakMap<AutomationConditionNode, CompiledCondition>();

function compile(root: AutomationConditionNode): CompiledCondition {
  let entry = compiled.get(root);
  if (!entry) {
    const flat = flattenCondition(root);
    const position = new Map(flat.map((f, i) => [f.id, i]));
    const kids: number[][] = flat.map(() => []);
    flat.forEach((f, i) => {
      if (f.parentId !== null) kids[position.get(f.parentId)!]!.push(i);
    });
    const depFilters = flat.map(({ node }) => {
      if (node.op !== "anyDepsMatch" && node.op !== "allDepsMatch") return null;
      const ignore = new Set(node.args?.ignore ?? []);
      const allow = node.args?.allow ? new Set(node.args.allow) : null;
      if (ignore.size === 0 && allow === null) return null;
      return (dep: string) => !ignore.has(dep) && (allow === null || allow.has(dep));
    });
    const json = JSON.stringify(root);
    entry = {
      hash: conditionHash(json),
      json,
      flat,
      tree: flat.map((f) => ({ id: f.id, parentId: f.parentId, op: f.node.op, label: f.node.label ?? null })),
      kids,
      depFilters,
    };
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
 * Evaluates one asset's condition after another within a tick. Written as a class over node
 * indexes, not closures per asset and per node: a tick of 10,000 assets evaluates some 150,000
 * nodes, each with a subject (the asset, one of its dependencies or one of its checks).
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
  // trueCount and candidateCount of node i at 2i and 2i + 1, reused from asset to asset.
  private counts = new Int32Array(64);

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
    const size = condition.flat.length * 2;
    if (this.counts.length < size) this.counts = new Int32Array(size * 2);
    else this.counts.fill(0, 0, size);
    const value = this.evaluate(0, root, null);
    const evaluation: AutomationEvaluation = {
      assetKey: root.key,
      condition: condition.hash,
      partitionKey: root.partitionKey ?? null,
      requested: value,
      tree: condition.tree,
      counts: this.counts.slice(0, size),
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

  /** Node `i` for a subject: an asset (`check` null) or one of the root's checks (`asset` null). */
  private evaluate(i: number, asset: AutomationAssetState | null, check: Check | null): boolean {
    const value = this.compute(i, asset, check);
    this.counts[2 * i + 1]!++;
    if (value) this.counts[2 * i]!++;
    return value;
  }

  // A partition is a subject of its own: a new time window starts with no remembered state.
  private subjectKey(asset: AutomationAssetState | null, check: Check | null): string {
    if (check) return check.key;
    return asset!.partitionKey ? `${asset!.key}[${asset!.partitionKey}]` : asset!.key;
  }

  private remember(i: number, subject: string, value: boolean): void {
    const id = this.condition.flat[i]!.id;
    let values = this.nodes[id];
    if (!values) {
      // Keyed by asset keys, each new to the object's shape: a prototype-less object starts as a
      // dictionary, where `{}` made V8 build one hidden class per key (20× slower).
      values = Object.create(null) as Record<string, boolean>;
      this.nodes[id] = values;
    }
    values[subject] = value;
  }

  private recalled(i: number, subject: string): boolean {
    return this.previousNodes[this.condition.flat[i]!.id]?.[subject] ?? false;
  }

  private lastCronTick(cron: string, timezone: string): number | null {
    const id = `${cron}\u0000${timezone}`;
    if (!this.cronTicks.has(id)) this.cronTicks.set(id, lastCronTick(cron, timezone, this.tick.now));
    return this.cronTicks.get(id)!;
  }

  private compute(i: number, asset: AutomationAssetState | null, check: Check | null): boolean {
    const condition = this.condition;
    const node = condition.flat[i]!.node;
    const kids = condition.kids[i]!;
    switch (node.op) {
      case "and": {
        // Every child is evaluated (no short-circuit), so the tree shows each one's count.
        let all = true;
        for (const kid of kids) if (!this.evaluate(kid, asset, check)) all = false;
        return all;
      }
      case "or": {
        let any = false;
        for (const kid of kids) if (this.evaluate(kid, asset, check)) any = true;
        return any;
      }
      case "not":
        return !this.evaluate(kids[0]!, asset, check);
      case "since": {
        const trigger = this.evaluate(kids[0]!, asset, check);
        const reset = this.evaluate(kids[1]!, asset, check);
        const subject = this.subjectKey(asset, check);
        const value = (this.recalled(i, subject) || trigger) && !reset;
        this.remember(i, subject, value);
        return value;
      }
      case "newlyTrue": {
        const now = this.evaluate(kids[0]!, asset, check);
        const subject = this.subjectKey(asset, check);
        const value = now && !this.recalled(i, subject);
        this.remember(i, subject, now);
        return value;
      }
      case "anyDepsMatch":
      case "allDepsMatch": {
        let any = false;
        let all = true;
        const filter = condition.depFilters[i];
        for (const dep of this.root.deps) {
          if (filter && !filter(dep)) continue;
          const state = this.byKey.get(dep) ?? unknownAsset(dep);
          if (this.evaluate(kids[0]!, state, null)) any = true;
          else all = false;
        }
        return node.op === "anyDepsMatch" ? any : all;
      }
      case "anyChecksMatch":
      case "allChecksMatch": {
        if (!asset) return false;
        let any = false;
        let all = true;
        for (const c of asset.checks) {
          if (node.args?.blockingOnly && !c.blocking) continue;
          if (this.evaluate(kids[0]!, null, c)) any = true;
          else all = false;
        }
        return node.op === "anyChecksMatch" ? any : all;
      }
      case "checkPassed":
        return check !== null && check.passed === true;
      case "checkFailed":
        return check !== null && check.passed === false;
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
        return asset !== null && asset.latestRunTargets !== null && targets(asset.latestRunTargets).has(this.root.key);
      default:
        return asset !== null && operand(node.op, asset);
    }
  }
}

// A run's selection as a set, once per array: a run of thousands of assets is the latest run of
// each of them, and each of their dependents asks whether it targeted them.
const targetSets = new WeakMap<readonly string[], ReadonlySet<string>>();
function targets(selection: readonly string[]): ReadonlySet<string> {
  let set = targetSets.get(selection);
  if (!set) {
    set = new Set(selection);
    targetSets.set(selection, set);
  }
  return set;
}

/** The operands that are a field of the asset's state, read as they are. */
const STATE_OPERANDS: ReadonlySet<string> = new Set([
  "missing",
  "runInProgress",
  "backfillInProgress",
  "executionFailed",
  "newlyUpdated",
  "codeVersionChanged",
] satisfies (keyof AutomationAssetState)[]);

function operand(op: string, asset: AutomationAssetState): boolean {
  if (!STATE_OPERANDS.has(op)) throw new Error(`unknown automation operand "${op}"`);
  return asset[op as keyof AutomationAssetState] as boolean;
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
