import { manifestHashAndDigests } from "@strata/protocol/hash";
import { createClient } from "@strata/sdk";
import { createSchema, createYoga } from "graphql-yoga";
import { withScratchApp } from "../strata-app.js";
import { syntheticManifest, REGISTER } from "../catalog-fixture.js";
import { post } from "../graphql-post.js";
import { median, percentile, sample, type BenchRow, type Workload } from "../harness.js";
import { idleAfterRegistrations, dagRegistrationRows, locationServeRow, manifestEcho } from "./w4-catalog-scale.js";

/**
 * W4: registering a 10,000-asset location (each asset depends on a few of the previous 50) and
 * reading the whole lineage graph, on PostgreSQL, through yoga.fetch. Baseline: a bare yoga app
 * echoing the same manifest (what parsing and transport alone cost). Before those, issue 17's
 * cases (w4-catalog-scale.ts): the 10,000-asset random DAG registered first, with one asset
 * changed and unchanged, and a 100,000-asset location registering through `strata location serve`.
 */
export const w4Registration: Workload = {
  id: "W4",
  title: "register a 10,000-asset location; full lineage query (PostgreSQL)",
  async run(): Promise<BenchRow[]> {
    return withScratchApp(async (strata, _pubsub, db) => {
      const bare = manifestEcho();
      const fixtures = Array.from({ length: 4 }, (_, i) => syntheticManifest(`loc${i}`, 10_000));
      // Not measured: a registration of another location first. These are the process's first
      // registrations (the DAG rows below run after them), and the first one in a process also
      // paid for compiling the code on its path and the database's first look at its tables:
      // 1.3-1.6 s where the next ones took 1.0-1.15 s (bench/prof probe, same machine). A
      // location registers with a server that has been running; these rows measure that.
      const warmup = syntheticManifest("warmup", 10_000);
      await post(strata.fetch, REGISTER, { name: "warmup", manifest: warmup.manifest, hash: warmup.hash });
      const register: number[] = [];
      for (const [i, f] of fixtures.entries()) {
        // Each alone, as on an idle machine: the previous one's index maintenance (w4-catalog-scale.ts) done.
        await idleAfterRegistrations(db.sql);
        const start = performance.now();
        const data = await post(strata.fetch, REGISTER, { name: `loc${i}`, manifest: f.manifest, hash: f.hash });
        register.push(performance.now() - start);
        if (data.registerCodeLocation.__typename !== "RegisterCodeLocationSuccess") throw new Error(data.registerCodeLocation.message);
      }
      // Re-registering with one asset added, as a location does through the SDK: the hash, then a
      // delta (the new asset and its step; the rest as ranges of the registered version). Only
      // that asset's rows are written. Hash and digests are the location's, computed with its
      // definitions (Definitions#hash, #digests).
      const client = createClient({ url: "http://bench/graphql", fetch: async (url, init) => strata.fetch(String(url), init!) });
      await client.codeLocations(); // a warm server: see w4-catalog-scale.ts
      const changedMs: number[] = [];
      for (let extra = 1; extra <= 3; extra++) {
        const changed = syntheticManifest("loc0", 10_000 + extra);
        const { digests } = manifestHashAndDigests(changed.manifest);
        await idleAfterRegistrations(db.sql);
        const start = performance.now();
        await client.registerCodeLocation({ name: "loc0", manifest: changed.manifest, hash: changed.hash, digests });
        changedMs.push(performance.now() - start);
      }
      // A location restarting unchanged: the SDK sends the hash alone and the server confirms it.
      const hashOnly = `mutation($name: String!, $hash: String!) { registerCodeLocation(name: $name, hash: $hash) { __typename } }`;
      const unchanged = await sample(
        async () => {
          const data = await post(strata.fetch, hashOnly, { name: "loc1", hash: fixtures[1]!.hash });
          if (data.registerCodeLocation.__typename !== "RegisterCodeLocationSuccess")
            throw new Error("the hash-only registration was refused");
        },
        20,
        2,
      );
      const echo = await sample(() => post(bare.fetch, `mutation($m: JSON!) { echo(manifest: $m) }`, { m: fixtures[0]!.manifest }), 5, 1);

      // Full lineage of one 10,000-asset location's graph: drop the other locations first.
      return withScratchApp(async (app) => {
        await post(app.fetch, REGISTER, { name: "loc0", manifest: fixtures[0]!.manifest, hash: fixtures[0]!.hash });
        const lineageQuery = `{ lineage { nodes { key } edges { upstream downstream } } }`;
        const lineage = await sample(() => post(app.fetch, lineageQuery), 10, 2);
        const bareList = createYoga({
          schema: createSchema({
            typeDefs:
              "type E { upstream: String! downstream: String! } type N { key: String! } type L { nodes: [N!]! edges: [E!]! } type Query { lineage: L! }",
            resolvers: {
              Query: {
                lineage: () => ({
                  nodes: fixtures[0]!.manifest.assets.map((a) => ({ key: a.key })),
                  edges: fixtures[0]!.manifest.assets.flatMap((a) => a.deps.map((d) => ({ upstream: d, downstream: a.key }))),
                }),
              },
            },
          }),
          logging: false,
        });
        const bareLineage = await sample(() => post(bareList.fetch, lineageQuery), 10, 2);
        return [
          ...(await dagRegistrationRows("PostgreSQL")),
          ...(await dagRegistrationRows("PGlite")),
          await locationServeRow(),
          {
            name: "W4 register 10,000 assets",
            metric: `max of 4 first registrations (p50 ${median(register).toFixed(0)})`,
            unit: "ms",
            value: percentile(register, 100),
            baselineName: "bare yoga echo",
            baseline: median(echo),
            goal: "≤ 1,000 ms (issue 16)",
            met: percentile(register, 100) <= 1000,
          },
          {
            name: "W4 re-register 10,000 assets, one added (SDK, delta)",
            metric: "median of 3",
            unit: "ms",
            value: median(changedMs),
            baselineName: "bare yoga echo of the manifest",
            baseline: median(echo),
            goal: "≤ 200 ms",
            met: median(changedMs) <= 200,
          },
          {
            name: "W4 unchanged 10,000-asset location (hash only)",
            metric: "p50 round trip",
            unit: "ms",
            value: median(unchanged),
            baselineName: "bare yoga echo of the manifest",
            baseline: median(echo),
            goal: "≤ 50 ms",
            met: percentile(unchanged, 95) <= 50,
          },
          {
            name: "W4 full lineage, 10,000 assets",
            metric: "p50 per query",
            unit: "ms",
            value: median(lineage),
            baselineName: "bare yoga, same graph in memory",
            baseline: median(bareLineage),
            goal: "≤ 200 ms (issue 16)",
            met: percentile(lineage, 90) <= 200,
          },
        ];
      });
    });
  },
};
