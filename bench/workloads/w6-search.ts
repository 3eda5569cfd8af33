import { createSchema, createYoga } from "graphql-yoga";
import { withScratchApp } from "../strata-app.js";
import { syntheticManifest, REGISTER } from "../catalog-fixture.js";
import { post } from "../graphql-post.js";
import { median, percentile, sample, type BenchRow, type Workload } from "../harness.js";

const QUERY = `query($search: String, $keyPrefix: String, $group: String, $tag: String) {
  assets(search: $search, keyPrefix: $keyPrefix, group: $group, tag: $tag, first: 20) {
    pageInfo { hasNextPage endCursor }
    edges { node { key definition { group description owners kinds } } }
  }
}`;

/**
 * W6: catalog search over 100,000 registered assets (ten locations of 10,000) on PostgreSQL,
 * in-process through yoga.fetch, so the figure is server-side time. Baseline: a bare yoga app
 * returning a page of 20 constant assets with the same selection.
 */
export const w6Search: Workload = {
  id: "W6",
  title: "catalog search over 100,000 assets (PostgreSQL)",
  async run(): Promise<BenchRow[]> {
    return withScratchApp(async (strata) => {
      for (let i = 0; i < 10; i++) {
        const f = syntheticManifest(`domain${i}`, 10_000);
        await post(strata.fetch, REGISTER, { name: `domain${i}`, manifest: f.manifest, hash: f.hash });
      }
      const page = Array.from({ length: 20 }, (_, n) => ({
        key: `domain0/asset_${n}`,
        definition: { group: "finance", description: "d", owners: ["team:x"], kinds: ["dbt"] },
      }));
      const bare = createYoga({
        schema: createSchema({
          typeDefs: `type D { group: String! description: String owners: [String!]! kinds: [String!]! }
            type A { key: String! definition: D }
            type E { node: A! } type P { hasNextPage: Boolean! endCursor: String }
            type C { pageInfo: P! edges: [E!]! }
            type Query { assets(search: String, keyPrefix: String, group: String, tag: String, first: Int): C! }`,
          resolvers: {
            Query: { assets: () => ({ pageInfo: { hasNextPage: true, endCursor: "x" }, edges: page.map((node) => ({ node })) }) },
          },
        }),
        logging: false,
      });
      const baseline = await sample(() => post(bare.fetch, QUERY, {}), 300);
      const cases: Array<[string, Record<string, unknown>]> = [
        ["substring", { search: "table number 4242" }],
        ["substring, common word", { search: "marketing" }],
        ["prefix", { keyPrefix: "domain7" }],
        ["group + tag", { group: "finance", tag: "tier=gold" }],
      ];
      const rows: BenchRow[] = [];
      for (const [name, variables] of cases) {
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
            goal: "≤ 10 ms",
            met: percentile(times, 95) <= 10,
          },
        );
      }
      return rows;
    });
  },
};
