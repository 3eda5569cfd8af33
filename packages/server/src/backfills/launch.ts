import { randomUUID } from "node:crypto";
import type { Sql } from "../db/sql.js";
import type { ManifestCache } from "../runs/manifest-cache.js";
import { chunkRuns, insertChunkRuns, type StoredBackfill } from "./chunk-runs.js";
import { type BackfillInput, type ResolvedBackfill, resolveBackfill } from "./resolve.js";

const CHUNKS_PER_STATEMENT = 10_000;
/** How many of a backfill's chunks may have a run at once, unless the server is told otherwise. */
export const DEFAULT_BACKFILL_RUNS_AHEAD = 1_000;

/**
 * Plans and stores a backfill in one transaction: the backfill, all its chunks, and a QUEUED run
 * for each of the first `runsAhead` chunks that wait for nothing; the others that wait for
 * nothing are READY, and get their runs as earlier runs end (settleBackfillRun). So a launch
 * costs its chunks plus at most `runsAhead` runs, whatever the backfill's size, and the queue
 * never holds more of it than that. The coordinator admits the runs once it is kicked after the
 * commit. Refusals write nothing.
 */
export async function launchBackfill(
  sql: Sql,
  manifests: ManifestCache,
  input: BackfillInput & { createdBy: string; runsAhead?: number },
): Promise<{ id: string; location: string; runCount: number }> {
  const resolved = await resolveBackfill(sql, manifests, input);
  return storeBackfill(sql, resolved, { createdBy: input.createdBy, parentBackfillId: null, runsAhead: input.runsAhead });
}

/** Stores a resolved backfill (see launchBackfill); a re-execution names its parent. */
export async function storeBackfill(
  sql: Sql,
  resolved: ResolvedBackfill,
  options: { createdBy: string; parentBackfillId: string | null; runsAhead?: number },
): Promise<{ id: string; location: string; runCount: number }> {
  const runsAhead = options.runsAhead ?? DEFAULT_BACKFILL_RUNS_AHEAD;
  const id = randomUUID();
  const target = { partitions: resolved.definition, assets: Object.fromEntries(resolved.plan.targets) };
  const backfill: StoredBackfill = {
    id,
    status: "REQUESTED",
    locationId: resolved.locationId,
    versionId: resolved.versionId,
    tags: resolved.tags,
    createdBy: options.createdBy,
    target,
    plans: resolved.plans,
  };
  const chunks = resolved.plan.chunks;
  const ready = chunks.filter((c) => c.dependsOn.length === 0);
  const launched = ready.slice(0, runsAhead);
  const readySet = new Set(ready.map((c) => c.idx));
  const runs = chunkRuns(backfill, resolved.space, launched);
  const runOf = new Map(launched.map((c, i) => [c.idx, runs[i]!.id]));
  await sql.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO "Backfill" (id, status, "assetKeys", "locationId", "versionId", target, plans, policy, "only", tags, title, "parentBackfillId", "createdBy", "runsAhead")
       VALUES ($1, 'REQUESTED', $2::text[], $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9::jsonb, $10, $11, $12, $13)`,
      [
        id,
        resolved.assetKeys,
        resolved.locationId,
        resolved.versionId,
        JSON.stringify(target),
        JSON.stringify(resolved.plans),
        JSON.stringify(resolved.plan.policy),
        resolved.only,
        JSON.stringify(resolved.tags),
        resolved.title,
        options.parentBackfillId,
        options.createdBy,
        runsAhead,
      ],
    );
    for (let from = 0; from < chunks.length; from += CHUNKS_PER_STATEMENT) {
      const slice = chunks.slice(from, from + CHUNKS_PER_STATEMENT);
      // Asset keys ([A-Za-z0-9_/-]) and chunk numbers need no quoting inside an array literal.
      await tx.query(
        `INSERT INTO "BackfillChunk" ("backfillId", idx, "assetKeys", "startIndex", "endIndex", "startKey", "endKey", "dependsOn", dependents, state, "runId")
         SELECT $1, c.idx, c.assets::text[], c.s, c.e, c.sk, c.ek, c.deps::int[], c.dependents::int[],
                (CASE WHEN c.run IS NOT NULL THEN 'LAUNCHED' WHEN c.ready THEN 'READY' ELSE 'WAITING' END)::"BackfillChunkState", c.run
         FROM unnest($2::int[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::boolean[])
              AS c(idx, assets, s, e, sk, ek, deps, dependents, run, ready)`,
        [
          id,
          slice.map((c) => c.idx),
          slice.map((c) => `{${c.assetKeys.join(",")}}`),
          slice.map((c) => c.startIndex),
          slice.map((c) => c.endIndex),
          slice.map((c) => c.startKey),
          slice.map((c) => c.endKey),
          slice.map((c) => `{${c.dependsOn.join(",")}}`),
          slice.map((c) => `{${c.dependents.join(",")}}`),
          slice.map((c) => runOf.get(c.idx) ?? null),
          slice.map((c) => readySet.has(c.idx)),
        ],
      );
    }
    await insertChunkRuns(tx, backfill, runs);
  });
  return { id, location: resolved.location, runCount: chunks.length };
}
