import type { Manifest } from "@strata/protocol";
import type { Sql } from "../db/sql.js";
import type { ManifestCache } from "../runs/manifest-cache.js";

/**
 * The schedules or sensors (`of` picks them from a manifest) of every code location's current
 * manifest, or of one location's, sorted by location and name, each with its state row if it
 * has one (`stateQuery` selects "locationId", name and the state's columns from its table for
 * the location ids in $1).
 */
export async function instigatorsWithState<Definition extends { name: string }, State extends { locationId: string; name: string }>(
  sql: Sql,
  manifests: ManifestCache,
  location: string | null,
  of: (manifest: Manifest) => readonly Definition[] | undefined,
  stateQuery: string,
): Promise<Array<{ location: { id: string; name: string }; definition: Definition; state: State | undefined }>> {
  const locations = await sql.query<{ id: string; name: string; versionId: string }>(
    `SELECT id, name, "currentVersionId" AS "versionId" FROM "CodeLocation"
     WHERE "currentVersionId" IS NOT NULL AND ($1::text IS NULL OR name = $1) ORDER BY name`,
    [location],
  );
  const states = await sql.query<State>(stateQuery, [locations.map((l) => l.id)]);
  const stateOf = new Map(states.map((s) => [`${s.locationId}\u0000${s.name}`, s]));
  const out: Array<{ location: { id: string; name: string }; definition: Definition; state: State | undefined }> = [];
  for (const l of locations) {
    const manifest = await manifests.get(sql, l.versionId);
    for (const definition of [...(of(manifest) ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      out.push({ location: l, definition, state: stateOf.get(`${l.id}\u0000${definition.name}`) });
    }
  }
  return out;
}
