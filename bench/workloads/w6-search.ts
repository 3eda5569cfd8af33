import { createSchema, createYoga } from "graphql-yoga";
import { withScratchApp } from "../strata-app.js";
import { syntheticManifest, REGISTER } from "../catalog-fixture.js";
import { post } from "../graphql-post.js";
import { median, percentile, sample, type BenchRow, type Workload } from "../harness.js";

const QUERY = `query($search: String, $keyPrefix: String, $group: String, $tag: String, $checkHealth: AssetCheckHealth) {
  assets(search: $search, keyPrefix: $keyPrefix, group: $group, tag: $tag, checkHealth: $checkHealth, first: 20) {
    pageInfo { hasNextPage endCursor }
    edges { node { key definition { group description owners kinds } } }
  }
}`;

const REPORT_CHECK = `mutation($key: String!) { reportCheckResult(checkKey: $key, passed: false) { __typename ... on Error { message } } }`;

/**
 * W6: catalog search over 100,000 registered assets (ten locations of 10,000) on PostgreSQL,
 * in-process through yoga.fetch, so the figure is server-side time. Baseline: a bare yoga app
 * returning a page of 20 constant assets with the same selection. Every tenth asset has a check
 * (10,000); 1,000 of them failed (reported through reportCheckResult, as a user's CI would),
 * the rest never ran: `checkHealth: FAILING` picks 1,000 of 100,000.
 */
export const w6Search: Workload = {
  id: "W6",
  title: "catalog search over 100,000 assets (PostgreSQL)",
  async run(): Promise<BenchRow[]> {
    return withScratchApp(async (strata, _pubsub, db) => {
      for (let i = 0; i < 10; i++) {
        const f = syntheticManifest(`domain${i}`, 10_000, { checkEvery: 10 });
        await post(strata.fetch, REGISTER, { name: `domain${i}`, manifest: f.manifest, hash: f.hash });
      }
      for (let n = 0; n < 1_000; n++) {
        const key = `domain${n % 10}/asset_${String(Math.floor(n / 10) * 100).padStart(6, "0")}#valid`;
        const reported = await post(strata.fetch, REPORT_CHECK, { key });
        if (reported.reportCheckResult.__typename !== "AssetCheckExecution") throw new Error(`W6 fixture: ${JSON.stringify(reported)}`);
      }
      const page = Array.from({ length: 20 }, (_, n) => ({
        key: `domain0/asset_${n}`,
        definition: { group: "finance", description: "d", owners: ["team:x"], kinds: ["dbt"] },
      }));
      const bare = createYoga({
        schema: createSchema({
          typeDefs: `enum AssetCheckHealth { PASSING WARNING FAILING NOT_EVALUATED }
            type D { group: String! description: String owners: [String!]! kinds: [String!]! }
            type A { key: String! definition: D }
            type E { node: A! } type P { hasNextPage: Boolean! endCursor: String }
            type C { pageInfo: P! edges: [E!]! }
            type Query { assets(search: String, keyPrefix: String, group: String, tag: String, checkHealth: AssetCheckHealth, first: Int): C! }`,
          resolvers: {
            Query: { assets: () => ({ pageInfo: { hasNextPage: true, endCursor: "x" }, edges: page.map((node) => ({ node })) }) },
          },
        }),
        logging: false,
      });
      const baseline = await sample(() => post(bare.fetch, QUERY, {}), 300);
      const cases: Array<[string, Record<string, unknown>, number]> = [
        ["substring", { search: "table number 4242" }, 10],
        ["substring, common word", { search: "marketing" }, 10],
        ["prefix", { keyPrefix: "domain7" }, 10],
        ["group + tag", { group: "finance", tag: "tier=gold" }, 10],
        ["checkHealth: FAILING (1,000 of 100,000)", { checkHealth: "FAILING" }, 5],
      ];
      const rows: BenchRow[] = [];
      for (const [name, variables, goalMs] of cases) {
        const data = await post(strata.fetch, QUERY, variables);
        if (data.assets.edges.length === 0) throw new Error(`W6 ${name} found nothing: the fixture is wrong`);
        const times = await sample(() => post(strata.fetch, QUERY, variables), 300);
        rows.push(
          {
            name: `W6 search: ${name}`,
            metric: "p50",
            unit: "ms",
            value: median(times),
            baselineName: "bare yoga",
            baseline: median(baseline),
          },
          {
            name: `W6 search: ${name}`,
            metric: "p95",
            unit: "ms",
            value: percentile(times, 95),
            baselineName: "bare yoga",
            baseline: percentile(baseline, 95),
            goal: `≤ ${goalMs} ms`,
            met: percentile(times, 95) <= goalMs,
          },
        );
      }
      // The filter's statement alone (what the catalog runs for it): its cost apart from the
      // GraphQL layer's, which dominates on a loaded machine. It must walk AssetNode_checkHealth_key_idx.
      const statement = `SELECT n.key FROM "AssetNode" n WHERE n."checkHealth" = $1::"AssetCheckHealth" ORDER BY n.key LIMIT 21`;
      const plan = await db.sql.query<{ "QUERY PLAN": string }>(`EXPLAIN ${statement}`, ["FAILING"]);
      process.stderr.write(`W6 checkHealth plan: ${plan.map((r) => r["QUERY PLAN"].trim()).join(" | ")}\n`);
      const sqlTimes = await sample(() => db.sql.query(statement, ["FAILING"]), 300);
      rows.push({
        name: "W6 checkHealth: FAILING, its SQL alone",
        metric: "p95",
        unit: "ms",
        value: percentile(sqlTimes, 95),
        baselineName: "bare yoga",
        baseline: percentile(baseline, 95),
      });
      return rows;
    });
  },
};
