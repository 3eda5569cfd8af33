import type { Typed } from "./asset-in.js";
import type { GraphValue, OpNode, OpSpec } from "./blueprint.js";
import { DefinitionError } from "./definition-error.js";

/**
 * A symbolic value inside a graph function: the future output of an op invocation, or one of
 * the graph's inputs. Pass it to other ops or return it from the graph; it has no value at
 * definition time.
 *
 * @example
 * ```ts
 * graphAsset("complex_asset", () => {
 *   const first: OpHandle<string> = stepOne();
 *   return stepTwo(first);
 * });
 * ```
 */
export class OpHandle<T = unknown> implements Typed<T> {
  declare readonly __valueType?: T;
  /** @internal */
  readonly builder: GraphBuilder;
  /** @internal */
  readonly value: GraphValue;

  /** @internal */
  constructor(builder: GraphBuilder, value: GraphValue) {
    this.builder = builder;
    this.value = value;
  }
}

// The graph being composed. Graph functions are synchronous, so a single slot (saved and
// restored around each composition) is enough to route op invocations to their graph.
let active: GraphBuilder | null = null;

/** Records op invocations while a graph function runs, building the DAG of op steps. @internal */
export class GraphBuilder {
  readonly nodes: OpNode[] = [];
  readonly #invocations = new Map<string, number>();

  constructor(readonly culprit: string) {}

  /** Runs `fn` with this builder active; ops invoked meanwhile are added to it. */
  compose<T>(fn: () => T): T {
    const previous = active;
    active = this;
    try {
      const result = fn();
      if (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function") {
        throw new DefinitionError(
          "invalid_graph",
          this.culprit,
          "a graph function must be synchronous: it only wires ops together; do the work inside ops",
        );
      }
      return result;
    } catch (error) {
      if (error instanceof DefinitionError) throw error;
      throw new DefinitionError("invalid_graph", this.culprit, `the graph function threw: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
      });
    } finally {
      active = previous;
    }
  }

  input(name: string): OpHandle {
    return new OpHandle(this, { kind: "input", name });
  }

  invoke(op: OpSpec, args: readonly unknown[]): OpHandle | Record<string, OpHandle> {
    const values = args.map((arg, index) => {
      if (!(arg instanceof OpHandle) || arg.builder !== this) {
        throw new DefinitionError(
          "invalid_graph",
          `op "${op.name}" in ${this.culprit}`,
          `argument ${index + 1} is not the output of an op or an input of this graph`,
        );
      }
      return arg.value;
    });
    const count = (this.#invocations.get(op.name) ?? 0) + 1;
    this.#invocations.set(op.name, count);
    const node: OpNode = { name: count === 1 ? op.name : `${op.name}_${count}`, op, args: values };
    this.nodes.push(node);
    if (op.outs === null) return new OpHandle(this, { kind: "node", node, output: "result" });
    return Object.fromEntries(op.outs.map((output) => [output, new OpHandle(this, { kind: "node", node, output })]));
  }

  /** Checks that `value` is a handle of this graph produced by an op, and returns its source. */
  outputOf(value: unknown, what: string): { node: OpNode; output: string } {
    if (!(value instanceof OpHandle) || value.builder !== this) {
      throw new DefinitionError("invalid_graph", this.culprit, `${what} must be the output of an op invoked in the graph function`);
    }
    if (value.value.kind !== "node") {
      throw new DefinitionError("invalid_graph", this.culprit, `${what} is an input of the graph; pass it through an op`);
    }
    return value.value;
  }

  /** Throws for an op invocation none of whose outputs is used by another op or the graph. */
  checkAllWired(graphName: string, returned: readonly { node: OpNode }[]): void {
    const used = new Set<OpNode>(returned.map((r) => r.node));
    for (const node of this.nodes) for (const arg of node.args) if (arg.kind === "node") used.add(arg.node);
    for (const node of this.nodes) {
      if (!used.has(node)) {
        throw new DefinitionError(
          "unwired_op",
          `op "${graphName}.${node.name}"`,
          "its output is used by no other op and not returned by the graph; wire it in or remove it",
        );
      }
    }
  }
}

/** The graph being composed; throws when an op is invoked outside any graph function. @internal */
export function activeGraph(opName: string): GraphBuilder {
  if (active === null) {
    throw new DefinitionError(
      "op_outside_graph",
      `op "${opName}"`,
      "ops run as steps of a graph: invoke them inside the function given to graphAsset or graphMultiAsset",
    );
  }
  return active;
}
