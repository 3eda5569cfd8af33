import { afterAll, beforeAll, expect, it } from "vitest";
import { manifestOf, REGISTER } from "../src/testing/manifests.js";
import { createTestApp, type PrismaCall, type TestApp } from "../src/testing/test-app.js";

// A run's selection holds every key it materializes (10,000 on a large run) and its plan every
// step: a read that does not ask for them must not load them, or every poll of a large run pays
// for unpacking them.
const keys = Array.from({ length: 50 }, (_, i) => `asset_${String(i).padStart(2, "0")}`);
let app: TestApp;
let calls: PrismaCall[] = [];
let runId: string;
beforeAll(async () => {
  app = await createTestApp({ onPrisma: (call) => calls.push(call) });
  const registered = await app.gql(REGISTER, { name: "etl", ...manifestOf(keys.map((key) => ({ key }))) });
  expect(registered.errors).toBeUndefined();
  const launched = await app.gql(`mutation($k: [String!]!) { launchRun(assetKeys: $k, tags: { team: "x" }) { ... on Run { id } } }`, {
    k: keys,
  });
  runId = launched.data.launchRun.id;
});
afterAll(() => app.close());

/** The columns of Run each Prisma read of a run selected (all of them when it selected none). */
async function runColumnsRead(query: string): Promise<{ data: any; columns: string[][] }> {
  calls = [];
  const result = await app.gql(query, { id: runId });
  expect(result.errors).toBeUndefined();
  const reads = calls.filter((c) => c.model === "Run");
  expect(reads.length).toBeGreaterThan(0);
  return { data: result.data, columns: reads.map((c) => Object.keys((c.args as { select?: object }).select ?? { "*": true })) };
}

it("reads only the columns a query asks for", async () => {
  const { data, columns } = await runColumnsRead(`query($id: ID!) { run(id: $id) { ... on Run { id status lastEventSeq } } }`);
  expect(data.run).toEqual({ id: runId, status: "STARTING", lastEventSeq: 0 });
  for (const read of columns) {
    expect(read).not.toContain("*");
    expect(read).not.toContain("selection");
    expect(read).not.toContain("plan");
  }
});

it("still answers every field that needs a column of its own", async () => {
  const { data, columns } = await runColumnsRead(
    `query($id: ID!) { run(id: $id) { ... on Run { assetKeys stepKeys tags reexecutionStrategy durationMs partitionRange { from } failure { code }
       location { name } backfillId createdBy } } }`,
  );
  expect(data.run).toEqual({
    assetKeys: keys,
    stepKeys: keys,
    tags: { team: "x" },
    reexecutionStrategy: null,
    durationMs: null,
    partitionRange: null,
    failure: null,
    location: { name: "etl" },
    backfillId: null,
    createdBy: expect.any(String),
  });
  expect(columns.flat()).toEqual(expect.arrayContaining(["selection", "plan", "tags"]));
});
