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
  const requested = new Set<string>();
  const evaluations: AutomationEvaluation[] = [];
  const cursors = new Map<string, AutomationCursor>();
  // The latest instant of each (cron, time zone) at or before now: one computation per tick.
  const cronTicks = new Map<string, number | null>();
  const lastCronTick = (cron: string, timezone: string) => {
    const id = `${cron}\u0000${timezone}`;
    if (!cronTicks.has(id)) cronTicks.set(id, new Cron(cron, { timezone }).previousRuns(1, new Date(tick.now + 1))[0]?.getTime() ?? null);
    return cronTicks.get(id)!;
  };
  for (const key of order) {
    const root = byKey.get(key)!;
    if (!root.condition) continue;
    const condition = compile(root.condition);
    const previous = tick.cursors.get(key);
    const same = previous !== undefined && (previous.condition === condition.hash || previous.condition === condition.json);
    const fresh = !same;
    // Unlike Dagster, the very first evaluation of an asset is not a reset: a newly declared eager
    // asset that is missing gets materialized (with its missing automated upstream, in one run).
    // A changed condition still starts afresh without acting on what was already true.
    const conditionChanged = previous !== undefined && !same;
    const flat = condition.flat;
    const trueCounts = new Int32Array(flat.length);
    const candidateCounts = new Int32Array(flat.length);
    const nodes: AutomationCursor["nodes"] = {};
    const previousNodes = fresh ? {} : previous.nodes;
    const previousAt = fresh ? null : (tick.previousTickAt ?? previous.evaluatedAt);

    // A partition is a subject of its own: a new time window starts with no remembered state.
    const subjectKey = (s: Subject) =>
      s.kind === "check" ? s.check.key : s.state.partitionKey ? `${s.state.key}[${s.state.partitionKey}]` : s.state.key;
    const evaluate = (node: AutomationConditionNode, id: string, subject: Subject): boolean => {
      const value = compute(node, id, subject);
      const at = condition.position.get(id)!;
      candidateCounts[at]!++;
      if (value) trueCounts[at]!++;
      return value;
    };
    const remember = (id: string, subject: Subject, value: boolean) => {
      (nodes[id] ??= {})[subjectKey(subject)] = value;
    };
    const recalled = (id: string, subject: Subject) => previousNodes[id]?.[subjectKey(subject)] ?? false;

    const compute = (node: AutomationConditionNode, id: string, subject: Subject): boolean => {
      const children = node.children ?? [];
      // A child's id derives from its parent's, as flattenCondition computes it.
      const ids = condition.childIds.get(id);
      const child = (i: number, on: Subject) => evaluate(children[i]!, ids![i]!, on);
      const asset = subject.kind === "asset" ? subject.state : null;
      switch (node.op) {
        case "and":
          // Every child is evaluated (no short-circuit), so the tree shows each one's count.
          return children.map((_, i) => child(i, subject)).every(Boolean);
        case "or":
          return children.map((_, i) => child(i, subject)).some(Boolean);
        case "not":
          return !child(0, subject);
        case "since": {
          const trigger = child(0, subject);
          const reset = child(1, subject);
          const value = (recalled(id, subject) || trigger) && !reset;
          remember(id, subject, value);
          return value;
        }
        case "newlyTrue": {
          const now = child(0, subject);
          const value = now && !recalled(id, subject);
          remember(id, subject, now);
          return value;
        }
        case "anyDepsMatch":
        case "allDepsMatch": {
          const deps = depsOf(root, node).map((d) => byKey.get(d) ?? unknownAsset(d));
          const results = deps.map((dep) => child(0, { kind: "asset", state: dep }));
          return node.op === "anyDepsMatch" ? results.some(Boolean) : results.every(Boolean);
        }
        case "anyChecksMatch":
        case "allChecksMatch": {
          if (!asset) return false;
          const checks = asset.checks.filter((c) => !node.args?.blockingOnly || c.blocking);
          const results = checks.map((check) => child(0, { kind: "check", check }));
          return node.op === "anyChecksMatch" ? results.some(Boolean) : results.every(Boolean);
        }
        case "checkPassed":
          return subject.kind === "check" && subject.check.passed === true;
        case "checkFailed":
          return subject.kind === "check" && subject.check.passed === false;
        case "initialEvaluation":
          return conditionChanged;
        case "cronTickPassed": {
          if (previousAt === null) return false;
          const last = lastCronTick(node.args!.cron!, node.args?.timezone ?? "UTC");
          return last !== null && last > previousAt;
        }
        case "inLatestTimeWindow":
          // An unpartitioned asset is always in it; a time-partitioned one once a window has ended.
          return asset !== null && asset.partitionKey !== null;
        case "willBeRequested":
          return asset !== null && requested.has(asset.key);
        case "newlyRequested": {
          const last = asset && tick.cursors.get(asset.key);
          return !!last && last.requested && (last.partitionKey ?? null) === (asset.partitionKey ?? null);
        }
        case "executedWithRootTarget":
          return asset !== null && (asset.latestRunTargets?.includes(root.key) ?? false);
        default:
          return asset !== null && operand(node.op, asset);
      }
    };

    const value = evaluate(root.condition, flat[0]!.id, { kind: "asset", state: root });
    if (value) requested.add(key);
    evaluations.push({
      assetKey: key,
      partitionKey: root.partitionKey ?? null,
      requested: value,
      nodes: flat.map((f, i) => ({
        id: f.id,
        parentId: f.parentId,
        op: f.node.op,
        label: f.node.label ?? null,
        trueCount: trueCounts[i]!,
        candidateCount: candidateCounts[i]!,
      })),
    });
    cursors.set(key, {
      evaluatedAt: tick.now,
      requested: value,
      condition: condition.hash,
      nodes,
      ...(root.partitionKey !== undefined ? { partitionKey: root.partitionKey } : {}),
    });
  }
  return { requested: order.filter((k) => requested.has(k)), evaluations, cursors };
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
