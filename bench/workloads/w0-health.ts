import { createSchema, createYoga } from "graphql-yoga";
import { createLogger, createStrataPubSub, createStrataYoga, openDatabase } from "@strata/server";
import { median, percentile, sample, type BenchRow, type Workload } from "../harness.js";

async function post(fetcher: (url: string, init: RequestInit) => Promise<Response> | Response, query: string) {
  const response = await fetcher("http://bench/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  await response.json();
}

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
      const strata = createStrataYoga({ db, logger: createLogger("silent"), pubsub, auth: "disabled" });
      const baseline = await sample(() => post(bare.fetch, "{ ok }"), 2000);
      const times = await sample(() => post(strata.fetch, "{ health { version databaseLatencyMs } }"), 2000);
      return [
        { name: "W0 health (PGlite)", metric: "p50 per request", unit: "ms", value: median(times), baselineName: "bare yoga", baseline: median(baseline) },
        { name: "W0 health (PGlite)", metric: "p95 per request", unit: "ms", value: percentile(times, 95), baselineName: "bare yoga", baseline: percentile(baseline, 95) },
      ];
    } finally {
      await db.close();
    }
  },
};
