import { asset, Definitions, executeRun, InMemoryIOManager, type SingleAssetDefinition, type RunEvent } from "@strata/definitions";
import { median, sample, type BenchRow, type Workload } from "../harness.js";

const STEPS = 1_000;
const GOAL_US = 50;

interface Case {
  name: string;
  definitions: Definitions;
  steps: number;
  /** The same user functions, called by a plain loop. */
  loop(): unknown;
}

// The context the plain loop passes: the functions ignore it, as the executor's would be unused.
const noContext = {} as never;

function chain(): Case {
  const fns: ((inputs: { prev: number }) => number)[] = [];
  let previous: SingleAssetDefinition<number> = asset("chain_0", () => 0);
  const assets = [previous];
  const first = () => 0;
  for (let i = 1; i < STEPS; i++) {
    const fn = ({ prev }: { prev: number }) => prev + 1;
    fns.push(fn);
    previous = asset(`chain_${i}`, { ins: { prev: previous } }, fn);
    assets.push(previous);
  }
  return {
    name: `W3 chain of ${STEPS.toLocaleString("en-US")} assets`,
    definitions: new Definitions({ assets, ioManagers: { io_manager: new InMemoryIOManager() } }),
    steps: STEPS,
    loop: () => {
      let value = first();
      for (const fn of fns) value = fn({ prev: value });
      return value;
    },
  };
}

function fanOut(): Case {
  const rootFn = () => 1;
  const root = asset("root", rootFn);
  const fns: ((inputs: { root: number }, ctx: never) => number)[] = [];
  const assets: SingleAssetDefinition<number>[] = [root];
  for (let i = 0; i < STEPS; i++) {
    const fn = ({ root }: { root: number }) => root + i;
    fns.push(fn);
    assets.push(asset(`leaf_${i}`, { ins: { root } }, fn));
  }
  return {
    name: `W3 fan-out 1 → ${STEPS.toLocaleString("en-US")} assets`,
    definitions: new Definitions({ assets, ioManagers: { io_manager: new InMemoryIOManager() } }),
    steps: STEPS + 1,
    loop: () => {
      const value = rootFn();
      let sum = 0;
      for (const fn of fns) sum += fn({ root: value }, noContext);
      return sum;
    },
  };
}

async function measure(c: Case): Promise<BenchRow> {
  // Events go to a sink as they would to the remote worker's reporter; keeping them is cheap.
  let events: RunEvent[] = [];
  const run = async () => {
    events = [];
    const outcome = await executeRun(c.definitions, { sink: (event) => void events.push(event) });
    if (!outcome.success) throw new Error(`${c.name}: run failed`);
  };
  const strata = median(await sample(run, 30, 5));
  const loop = median(await sample(c.loop, 300));
  const overheadUs = ((strata - loop) * 1000) / c.steps;
  return {
    name: c.name,
    metric: "executor overhead per step",
    unit: "µs",
    value: overheadUs,
    baselineName: "plain loop per step",
    baseline: (loop * 1000) / c.steps,
    goal: `≤ ${GOAL_US} µs overhead`,
    met: overheadUs <= GOAL_US,
  };
}

/**
 * W3: what the executor adds per step (planning, events, the in-memory IO manager, the
 * user-code boundary) over calling the same asset functions in a plain loop.
 */
export const w3Executor: Workload = {
  id: "W3",
  title: "in-process executor overhead per step vs a plain loop",
  async run(): Promise<BenchRow[]> {
    return [await measure(chain()), await measure(fanOut())];
  },
};
