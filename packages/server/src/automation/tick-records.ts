import type { AutomationCursor, AutomationEvaluation } from "@strata/protocol";
import type { Sql } from "../db/sql.js";

// What a tick writes besides its runs: the evaluations worth keeping and the cursors the next
// tick reads.

/** Equal but for `evaluatedAt` (stored ones come back from jsonb with their keys reordered). */
export function sameCursor(a: AutomationCursor, b: AutomationCursor): boolean {
  if (a.requested !== b.requested || a.condition !== b.condition || (a.partitionKey ?? null) !== (b.partitionKey ?? null)) return false;
  const ids = Object.keys(a.nodes);
  if (ids.length !== Object.keys(b.nodes).length) return false;
  for (const id of ids) {
    const x = a.nodes[id]!;
    const y = b.nodes[id];
    if (!y) return false;
    const subjects = Object.keys(x);
    if (subjects.length !== Object.keys(y).length || subjects.some((subject) => x[subject] !== y[subject])) return false;
  }
  return true;
}

/**
 * A 128-bit FNV-1a-style hash of an evaluation's result, as 32 hex digits: it only tells whether
 * a result is the one last written (sha256 per evaluation cost ~10 µs, a tenth of a busy tick).
 */
function resultHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  let c = 0x1b873593;
  let d = 0x6b43a9b5;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193);
    b = Math.imul(b ^ ch ^ (a >>> 13), 0x01000193);
    c = Math.imul(c ^ ch ^ (b >>> 11), 0x01000193);
    d = Math.imul(d ^ ch ^ (c >>> 7), 0x01000193);
  }
  const hex = (h: number) => (h >>> 0).toString(16).padStart(8, "0");
  return hex(a) + hex(b) + hex(c) + hex(d);
}

/**
 * An asset's evaluation is written when it was requested or its node results differ from the
 * last ones written (Dagster keeps them the same way), so a quiet asset costs no row per tick
 * and its latest row still answers "why (not)". A row holds the counts; the tree's ids, ops
 * and labels are stored once per condition (AutomationConditionTree), so a tick that writes
 * thousands of evaluations writes a few hundred bytes each, not the tree again. Returns the
 * hashes of those written.
 */
export async function storeEvaluations(
  tx: Sql,
  tickId: string,
  evaluations: readonly AutomationEvaluation[],
  runIdsOf: ReadonlyMap<string, readonly string[]>,
  previousHashes: ReadonlyMap<string, string | null>,
): Promise<Map<string, string>> {
  const written = evaluations
    .map((e) => {
      const counts = e.counts.join(",");
      // The condition's hash stands for the tree (ids derive from it): the counts are what change.
      const hash = resultHash(`${e.requested}|${e.partitionKey}|${e.condition}|${counts}`);
      return { e, counts, hash };
    })
    .filter(({ e, hash }) => e.requested || previousHashes.get(e.assetKey) !== hash);
  if (written.length === 0) return new Map();
  const trees = new Map(written.map(({ e }) => [e.condition, e.tree]));
  await tx.query(
    `INSERT INTO "AutomationConditionTree" (hash, nodes) SELECT * FROM unnest($1::text[], $2::jsonb[]) ON CONFLICT (hash) DO NOTHING`,
    [[...trees.keys()], [...trees.values()].map((nodes) => JSON.stringify(nodes))],
  );
  // Arrays travel as array literals of text: faster to cast than jsonb taken apart row by row.
  await tx.query(
    `INSERT INTO "AutomationEvaluation" ("tickId", "assetKey", "partitionKey", requested, "treeHash", counts, "runIds")
     SELECT $1::bigint, r.key, r.partition, r.requested, r.tree, r.counts::int[], r.runs::text[]
     FROM unnest($2::text[], $3::boolean[], $4::text[], $5::text[], $6::text[], $7::text[]) AS r(key, requested, tree, counts, runs, partition)`,
    [
      tickId,
      written.map((w) => w.e.assetKey),
      written.map((w) => w.e.requested),
      written.map((w) => w.e.condition),
      written.map((w) => `{${w.counts}}`),
      // Run ids are uuids: no quoting needed inside the literal.
      written.map((w) => `{${w.e.requested ? (runIdsOf.get(w.e.assetKey) ?? []).join(",") : ""}}`),
      written.map((w) => w.e.partitionKey),
    ],
  );
  return new Map(written.map((w) => [w.e.assetKey, w.hash]));
}

/**
 * Stores the cursors of the assets evaluated, with the hashes just written; assets no longer
 * automated (not in `automatedKeys`, when given) drop theirs, and the others (not evaluated by an incremental tick) keep theirs. A
 * cursor that differs from the stored one only by its `evaluatedAt` is not rewritten: the
 * evaluator compares cron ticks with the location's last tick, so a quiet tick writes no cursor
 * row.
 */
export async function storeCursors(
  tx: Sql,
  locationId: string,
  automatedKeys: ReadonlySet<string> | null,
  cursors: ReadonlyMap<string, AutomationCursor>,
  writtenHashes: ReadonlyMap<string, string>,
  previous: ReadonlyMap<string, AutomationCursor>,
): Promise<void> {
  const unchanged = (key: string) => {
    const before = previous.get(key);
    return before !== undefined && !writtenHashes.has(key) && sameCursor(before, cursors.get(key)!);
  };
  if (automatedKeys)
    await tx.query(`DELETE FROM "AutomationCursor" WHERE "locationId" = $1 AND NOT ("assetKey" = ANY($2::text[]))`, [
      locationId,
      [...automatedKeys],
    ]);
  const changed = [...cursors.keys()].filter((key) => !unchanged(key));
  if (changed.length === 0) return;
  await tx.query(
    `INSERT INTO "AutomationCursor" ("locationId", "assetKey", cursor, "resultHash")
     SELECT $1, r.key, r.cursor, r.hash FROM unnest($2::text[], $3::jsonb[], $4::text[]) AS r(key, cursor, hash)
     ON CONFLICT ("locationId", "assetKey") DO UPDATE SET cursor = EXCLUDED.cursor,
       "resultHash" = COALESCE(EXCLUDED."resultHash", "AutomationCursor"."resultHash")`,
    [locationId, changed, changed.map((k) => JSON.stringify(cursors.get(k))), changed.map((k) => writtenHashes.get(k) ?? null)],
  );
}
