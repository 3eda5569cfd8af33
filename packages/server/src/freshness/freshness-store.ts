/**
 * Stored freshness (AssetFreshness): evaluated with @strata/protocol's `evaluateFreshness` in the
 * transaction that stores a materialization or registers a policy, and again at the stored
 * `nextTransitionAt` (freshness-service.ts wakes for the earliest). Each state change appends a
 * FreshnessTransition. Nothing here polls assets: every row says when it next needs a look.
 */
import { evaluateFreshness, type FreshnessPolicy, freshnessPolicySchema, type ManifestAsset } from "@strata/protocol";
import type { Sql } from "../db/sql.js";

export interface FreshnessChange {
  assetKey: string;
  state: string;
}

interface Evaluated {
  key: string;
  policy: FreshnessPolicy;
  lastMaterializedAt: number | null;
  previous: string | null;
}

/** Evaluates at `now` and stores the results; returns the assets whose state changed. */
async function store(tx: Sql, rows: readonly Evaluated[], now: number): Promise<FreshnessChange[]> {
  if (rows.length === 0) return [];
  const states = rows.map((r) => {
    const { state, nextTransitionAt } = evaluateFreshness(r.policy, r.lastMaterializedAt, now);
    return {
      key: r.key,
      state,
      previous: r.previous,
      changed: r.previous !== state,
      next: nextTransitionAt === null ? null : new Date(nextTransitionAt).toISOString(),
      last: r.lastMaterializedAt === null ? null : new Date(r.lastMaterializedAt).toISOString(),
      policy: r.policy,
    };
  });
  await tx.query(
    `WITH s AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS s(key text, state text, previous text, changed boolean, next timestamptz, last timestamptz, policy jsonb)),
     up AS (
       INSERT INTO "AssetFreshness" ("assetKey", state, since, "nextTransitionAt", "lastMaterializedAt", policy, "updatedAt")
       SELECT s.key, s.state::"FreshnessState", $2::timestamptz, s.next, s.last, s.policy, $2::timestamptz FROM s
       ON CONFLICT ("assetKey") DO UPDATE SET state = EXCLUDED.state,
         since = CASE WHEN "AssetFreshness".state = EXCLUDED.state THEN "AssetFreshness".since ELSE EXCLUDED.since END,
         "nextTransitionAt" = EXCLUDED."nextTransitionAt", "lastMaterializedAt" = EXCLUDED."lastMaterializedAt",
         policy = EXCLUDED.policy, "updatedAt" = EXCLUDED."updatedAt")
     INSERT INTO "FreshnessTransition" ("assetKey", "fromState", "toState", at)
     SELECT s.key, s.previous::"FreshnessState", s.state::"FreshnessState", $2::timestamptz FROM s WHERE s.changed`,
    [JSON.stringify(states), new Date(now).toISOString()],
  );
  return states.filter((s) => s.changed).map((s) => ({ assetKey: s.key, state: s.state }));
}

/** After materializations of `latest` (asset key → its newest timestamp in the batch) were stored. */
export async function refreshFreshnessAtIngest(tx: Sql, latest: ReadonlyMap<string, Date>, now: number): Promise<FreshnessChange[]> {
  if (latest.size === 0) return [];
  const rows = await tx.query<{ assetKey: string; state: string; policy: unknown; lastMaterializedAt: Date | null }>(
    `SELECT "assetKey", state, policy, "lastMaterializedAt" FROM "AssetFreshness" WHERE "assetKey" = ANY($1::text[]) ORDER BY "assetKey" FOR UPDATE`,
    [[...latest.keys()]],
  );
  return store(
    tx,
    rows.map((r) => ({
      key: r.assetKey,
      policy: freshnessPolicySchema.parse(r.policy),
      // A report may carry an older timestamp than one stored already: the newest counts.
      lastMaterializedAt: Math.max(latest.get(r.assetKey)!.getTime(), r.lastMaterializedAt?.getTime() ?? 0),
      previous: r.state,
    })),
    now,
  );
}

/**
 * A location registered: `written`, its assets whose definitions are new or changed, are
 * evaluated again when they have a policy (it may be new or changed) and lose their state when
 * they have none; states of assets no longer defined are dropped. An asset registered unchanged
 * keeps its policy, so its state stands (a 10,000-asset registration that changes one asset
 * sends one key, not 10,000).
 */
export async function refreshFreshnessAtRegistration(tx: Sql, written: readonly ManifestAsset[], now: number): Promise<FreshnessChange[]> {
  const withPolicy = written.filter((a) => a.freshness);
  await tx.query(
    `DELETE FROM "AssetFreshness" f
     WHERE f."assetKey" = ANY($1::text[]) OR NOT EXISTS (SELECT 1 FROM "AssetNode" n WHERE n.key = f."assetKey")`,
    [written.filter((a) => !a.freshness).map((a) => a.key)],
  );
  if (withPolicy.length === 0) return [];
  const rows = await tx.query<{ key: string; state: string | null; last: Date | null }>(
    `SELECT k.key, f.state, (SELECT m.timestamp FROM "Materialization" m WHERE m."assetKey" = k.key ORDER BY m.id DESC LIMIT 1) AS last
     FROM unnest($1::text[]) AS k(key) LEFT JOIN "AssetFreshness" f ON f."assetKey" = k.key`,
    [withPolicy.map((a) => a.key)],
  );
  const policyOf = new Map(withPolicy.map((a) => [a.key, a.freshness!]));
  return store(
    tx,
    rows.map((r) => ({ key: r.key, policy: policyOf.get(r.key)!, lastMaterializedAt: r.last?.getTime() ?? null, previous: r.state })),
    now,
  );
}

/**
 * Evaluates the assets whose `nextTransitionAt` has come. Rows another replica is evaluating are
 * skipped (SKIP LOCKED), and one it has evaluated has a later `nextTransitionAt`: each transition
 * is stored once however many replicas wake for it.
 */
export async function advanceDueFreshness(sql: Sql, now: number, limit = 1000): Promise<FreshnessChange[]> {
  return sql.transaction(async (tx) => {
    const due = await tx.query<{ assetKey: string; state: string; policy: unknown; lastMaterializedAt: Date | null }>(
      `SELECT "assetKey", state, policy, "lastMaterializedAt" FROM "AssetFreshness"
       WHERE "nextTransitionAt" <= $1::timestamptz ORDER BY "nextTransitionAt" LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [new Date(now).toISOString(), limit],
    );
    return store(
      tx,
      due.map((r) => ({
        key: r.assetKey,
        policy: freshnessPolicySchema.parse(r.policy),
        lastMaterializedAt: r.lastMaterializedAt?.getTime() ?? null,
        previous: r.state,
      })),
      now,
    );
  });
}

/** When the next stored transition is due (ms since the epoch), or null when none is. */
export async function nextFreshnessTransition(sql: Sql): Promise<number | null> {
  const [row] = await sql.query<{ at: Date | null }>(`SELECT min("nextTransitionAt") AS at FROM "AssetFreshness"`);
  return row?.at ? row.at.getTime() : null;
}
