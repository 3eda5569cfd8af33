/**
 * Automation conditions as data (Dagster's `AutomationCondition`): a tree of operands (facts
 * about an asset at a tick: `missing`, `newlyUpdated`, `cronTickPassed`…) and operators (`and`,
 * `or`, `not`, `since`, `newlyTrue`, `anyDepsMatch`…). Assets carry the tree in the manifest; the
 * server evaluates it (evaluate.ts) and never runs user code. The composites (`eager`, `onCron`,
 * `onMissing`) are built from the same operands exactly as Dagster composes them
 * (`_core/definitions/declarative_automation/automation_condition.py`), each labelled, so an
 * evaluation tree reads as Dagster's does.
 */
import { z } from "zod";

/** Operands: facts about one asset (or one check) at the tick being evaluated. */
export const AUTOMATION_OPERANDS = [
  "missing",
  "runInProgress",
  "backfillInProgress",
  "executionFailed",
  "newlyUpdated",
  "newlyRequested",
  "willBeRequested",
  "codeVersionChanged",
  "cronTickPassed",
  "inLatestTimeWindow",
  "initialEvaluation",
  "executedWithRootTarget",
  "checkPassed",
  "checkFailed",
] as const;
/** Operators: they combine or reframe their children. */
export const AUTOMATION_OPERATORS = [
  "and",
  "or",
  "not",
  "since",
  "newlyTrue",
  "anyDepsMatch",
  "allDepsMatch",
  "anyChecksMatch",
  "allChecksMatch",
] as const;
export type AutomationOp = (typeof AUTOMATION_OPERANDS)[number] | (typeof AUTOMATION_OPERATORS)[number];

/** One node of a condition tree, as the manifest carries it. */
export interface AutomationConditionNode {
  op: AutomationOp;
  /** A name shown in evaluation trees ("eager", "any_deps_updated"…). */
  label?: string | undefined;
  /** `cronTickPassed`: cron and timezone; deps operators: ignore/allow keys; checks operators: blockingOnly. */
  args?: AutomationArgs | undefined;
  children?: AutomationConditionNode[] | undefined;
}

export interface AutomationArgs {
  cron?: string | undefined;
  timezone?: string | undefined;
  /** Deps operators: dependencies left out, or the only ones looked at. */
  ignore?: string[] | undefined;
  allow?: string[] | undefined;
  /** Checks operators: only blocking checks. */
  blockingOnly?: boolean | undefined;
}

const argsSchema = z.object({
  cron: z.string().min(1).max(255).optional(),
  timezone: z.string().min(1).max(64).optional(),
  ignore: z.array(z.string()).optional(),
  allow: z.array(z.string()).optional(),
  blockingOnly: z.boolean().optional(),
});

const ARITY: Record<AutomationOp, number | "many"> = {
  ...(Object.fromEntries(AUTOMATION_OPERANDS.map((op) => [op, 0])) as Record<(typeof AUTOMATION_OPERANDS)[number], 0>),
  and: "many",
  or: "many",
  not: 1,
  since: 2,
  newlyTrue: 1,
  anyDepsMatch: 1,
  allDepsMatch: 1,
  anyChecksMatch: 1,
  allChecksMatch: 1,
};

/** One node's own fields; its children are checked by `checkCondition`, one level at a time. */
const nodeSchema = z.object({
  op: z.enum([...AUTOMATION_OPERANDS, ...AUTOMATION_OPERATORS]),
  label: z.string().min(1).max(255).optional(),
  args: argsSchema.optional(),
  children: z.array(z.unknown()).max(1000).optional(),
});

type ConditionIssue = { path: PropertyKey[]; message: string };

/** `value` as a condition node (unknown fields left out), or undefined with its problems in `issues`. */
function checkCondition(value: unknown, path: PropertyKey[], issues: ConditionIssue[]): AutomationConditionNode | undefined {
  const parsed = nodeSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push({ path: [...path, ...issue.path], message: issue.message });
    return undefined;
  }
  const node = parsed.data;
  const arity = ARITY[node.op];
  const count = node.children?.length ?? 0;
  if (arity === "many" ? count === 0 : count !== arity) {
    issues.push({
      path: [...path, "children"],
      message: `${node.op} takes ${arity === "many" ? "one or more" : arity} condition${arity === 1 ? "" : "s"}, got ${count}`,
    });
  }
  if (node.op === "cronTickPassed" && !node.args?.cron)
    issues.push({ path: [...path, "args", "cron"], message: "cronTickPassed needs a cron" });
  const { children, ...own } = node;
  if (children === undefined) return own;
  const checked = children.map((child, i) => checkCondition(child, [...path, "children", i], issues));
  return { ...own, children: checked as AutomationConditionNode[] };
}

/**
 * A condition tree. Checked by hand one level at a time rather than as a recursive (`z.lazy`)
 * schema: a recursive schema anywhere in the manifest made zod track every object of a whole
 * manifest against reference cycles, ~25% of validating a 10,000-asset one.
 */
export const automationConditionSchema: z.ZodType<AutomationConditionNode> = z.unknown().transform((value, ctx) => {
  const issues: ConditionIssue[] = [];
  const node = checkCondition(value, [], issues);
  for (const issue of issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  return issues.length || !node ? z.NEVER : node;
});

// 64-bit FNV-1a over UTF-16 code units, as two 32-bit halves: stable ids without node:crypto.
function fnv64(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c ^ (h1 >>> 7), 0x01000193) >>> 0;
  }
  return h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0");
}

/**
 * A short, stable hash of a condition's JSON: what a cursor keeps to tell a changed condition.
 *
 * @example
 * ```ts
 * conditionHash(JSON.stringify(AutomationCondition.eager().node)); // "c0ffee…" (16 hex digits)
 * ```
 */
export function conditionHash(json: string): string {
  return fnv64(json);
}

/**
 * A node's stable id, as Dagster computes it: from its parent's id, its index among its
 * siblings and what it is, so an evaluation history survives edits elsewhere in the tree.
 *
 * @example
 * ```ts
 * nodeId(null, 0, { op: "missing" }); // the root's id
 * ```
 */
export function nodeId(parentId: string | null, index: number, node: AutomationConditionNode): string {
  const what = `${node.op}:${node.label ?? ""}:${node.args ? JSON.stringify(node.args) : ""}`;
  return fnv64(`${parentId ?? ""}|${index}|${what}`);
}

/** Every node of a tree with its id and its parent's, depth first. */
export function flattenCondition(root: AutomationConditionNode): { id: string; parentId: string | null; node: AutomationConditionNode }[] {
  const out: { id: string; parentId: string | null; node: AutomationConditionNode }[] = [];
  const walk = (node: AutomationConditionNode, parentId: string | null, index: number) => {
    const id = nodeId(parentId, index, node);
    out.push({ id, parentId, node });
    for (const [i, child] of (node.children ?? []).entries()) walk(child, id, i);
  };
  walk(root, null, 0);
  return out;
}
