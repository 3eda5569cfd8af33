import { createSchema, createYoga } from "graphql-yoga";
import { createStrataPubSub, openDatabase } from "@strata/server";
import { post } from "../graphql-post.js";
import { benchApp } from "../strata-app.js";
import { median, percentile, sample, type BenchRow, type Workload } from "../harness.js";

/**
 * W0: the cost of Strata's request path (context, error masking, a database round trip) over a
 * bare yoga app answering a constant, both in-process through `fetch`.
 */
export const w0Health: Workload = {
  id: "W0",
  title: "health query through yoga.fetch vs a bare yoga app",
  async run(): Promise<BenchRow[]> {
    const bare = createYoga({
      schema: createSchema({ typeDefs: "type Query { ok: Boolean! }", resolvers: { Query: { ok: () => true } } }),
      logging: false,
    });
    const db = await openDatabase();
    try {
      const pubsub = await createStrataPubSub();
      const strata = benchApp(db, pubsub);
      const baseline = await sample(() => post(bare.fetch, "{ ok }"), 2000);
      const times = await sample(() => post(strata.fetch, "{ health { version databaseLatencyMs } }"), 2000);
      return [
        {
          name: "W0 health (PGlite)",
          metric: "p50 per request",
          unit: "ms",
          value: median(times),
          baselineName: "bare yoga",
          baseline: median(baseline),
        },
        {
          name: "W0 health (PGlite)",
          metric: "p95 per request",
          unit: "ms",
          value: percentile(times, 95),
          baselineName: "bare yoga",
          baseline: percentile(baseline, 95),
        },
      ];
    } finally {
      await db.close();
    }
  },
};
