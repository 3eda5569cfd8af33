import type { Sql } from "../db/sql.js";
import type { ServerMetrics } from "./server-metrics.js";

/**
 * The two gauges read at scrape time, in one statement. Both describe shared state that no
 * single replica sees change (another replica admits, claims and takes heartbeats), so kept in
 * memory they would be wrong behind a load balancer and would drift from the truth after a
 * restart. Neither grows with history:
 * - the queue is an index-only count over `Run(status, priority, createdAt)` restricted to
 *   QUEUED and STARTING rows: it costs what is waiting, not what has ever run;
 * - heartbeats are one row per code location.
 * Every replica reports the same values: aggregate them with `max`, not `sum`.
 */
export async function refreshDatabaseGauges(sql: Sql, metrics: ServerMetrics): Promise<void> {
  const rows = await sql.query<{ kind: "queue" | "heartbeat"; key: string; value: number }>(
    `SELECT 'queue' AS kind, s.status AS key, (SELECT count(*) FROM "Run" r WHERE r.status = s.status::"RunStatus")::float8 AS value
     FROM (VALUES ('QUEUED'), ('STARTING')) AS s(status)
     UNION ALL
     SELECT 'heartbeat', name, GREATEST(0, extract(epoch FROM now() - "lastHeartbeatAt"))::float8 FROM "CodeLocation" WHERE "lastHeartbeatAt" IS NOT NULL`,
  );
  // A location deleted, or one that never sent a heartbeat, has no age: drop the old series.
  metrics.heartbeatAge.reset();
  for (const row of rows) {
    if (row.kind === "queue") metrics.queueDepth.set({ status: row.key }, row.value);
    else metrics.heartbeatAge.set({ location: row.key }, row.value);
  }
}
