import { randomUUID } from "node:crypto";
import { registerChecks } from "../checks/register-checks.js";
import type { Sql } from "../db/sql.js";
import { AssetKeyCollisionError, InvalidManifestError, type KeyCollision, ManifestRequiredError } from "../errors.js";
import { parseLocationName } from "./location-name.js";
import { type Manifest, type ManifestAsset, type ParsedManifest, parseManifestInParts, pause } from "./manifest.js";
import { deltaBaseHash, type ManifestBases, manifestBases, parseManifestDelta } from "./manifest-bases.js";
import { edgesOf, insertEdges, insertNodes, nodeColumnTexts, nodeRows, sameFingerprint, textArray } from "./node-rows.js";
import { refreshFreshnessAtRegistration } from "../freshness/freshness-store.js";
import { queueSyncRefresh } from "../sync/sync-refresher.js";
import { writeSyncStates } from "../sync/sync-state.js";

export interface Registration {
  locationId: string;
  /** False when the same hash was already the location's current version: nothing was written. */
  changed: boolean;
  version: number;
  added: string[];
  removed: string[];
  /** When `changed`: the version written and its manifest, parsed (for ManifestCache#prime). */
  registered?: { versionId: string; manifest: Manifest };
}

/**
 * Above this many assets written, a registration is large: its GIN index entries go to the
 * indexes' pending lists, merged after the commit, and planner statistics are refreshed so search
 * plans stay indexed (maintainCatalog).
 */
const LARGE_REGISTRATION = 1000;

/**
 * Stores a new manifest version for a location and replaces its asset nodes and edges, in one
 * transaction. Hand-written SQL (rows sent a column at a time as one text each, node-rows.ts)
 * because a 10,000-asset location must register in well under a second on either database.
 */
export function registerCodeLocation(sql: Sql, input: RegistrationInput): Promise<Registration> {
  return registerOnce(sql, input, false);
}

type RegistrationInput = { name: string; hash: string; manifest?: unknown; delta?: unknown };

/**
 * registerCodeLocation, once or, when the manifest's keys were held by nodes or edges of a
 * location that no longer exists (releaseOrphanedKeys), again once they are released.
 */
async function registerOnce(sql: Sql, input: RegistrationInput, orphansReleased: boolean): Promise<Registration> {
  const name = parseLocationName(input.name);
  const bases = manifestBases(sql);
  const early = await parseRegistration(sql, bases, name, input);
  const { outline, delta } = early;
  // The whole-manifest checks of a manifest sent whole (its schema when it was not checked yet,
  // its canonical text, hash and graph) run while the database writes its nodes, on this thread;
  // before the commit, and before any other refusal is reported (a refused manifest is refused as such).
  let verifying: Promise<ParsedManifest> | undefined;
  const verified = () => (verifying ??= early.verify());
  const keys = outline.assets.map((a) => a.key);
  const registration = await sql
    .transaction(async (tx) => {
      await tx.query(
        `INSERT INTO "CodeLocation" (id, name, status, "createdAt", "updatedAt") VALUES ($1, $2, 'LOADED', now(), now())
       ON CONFLICT (name) DO NOTHING`,
        [randomUUID(), name],
      );
      // The row lock serialises registrations of one location.
      const [location] = await tx.query<{ id: string; status: string; hash: string | null; version: number | null }>(
        `SELECT l.id, l.status, v.hash, v.version FROM "CodeLocation" l
       LEFT JOIN "CodeLocationVersion" v ON v.id = l."currentVersionId"
       WHERE l.name = $1 FOR UPDATE OF l`,
        [name],
      );
      if (!location) throw new Error(`code location ${name} vanished during registration`);
      if (location.hash === input.hash && location.status === "LOADED") {
        await verified();
        return { locationId: location.id, changed: false, large: false, version: location.version!, added: [], removed: [] };
      }
      // A delta of the version stored: its other assets are the stored ones, unchanged, so only
      // those it sent are compared with their rows (for 10,000 assets, one changed: one row read).
      const sameBase = delta !== undefined && delta.base === location.hash;
      const previous = await tx.query<{ key: string; state: string | null; fingerprint: string | null }>(
        sameBase
          ? `SELECT n.key, n."syncState"::text AS state, n.fingerprint FROM unnest($2::text[]) AS k(key)
               JOIN "AssetNode" n ON n.key = k.key WHERE n."locationId" = $1`
          : `SELECT key, "syncState"::text AS state, fingerprint FROM "AssetNode" WHERE "locationId" = $1`,
        sameBase ? [location.id, delta.sentAssets.map((a) => a.key)] : [location.id],
      );
      const before = sameBase ? new Set(delta.baseKeys) : new Set(previous.map((r) => r.key));
      const fresh = new Set(keys.filter((k) => !before.has(k)));
      const now = new Set(keys);
      const version = (location.version ?? 0) + 1;
      const versionId = randomUUID();
      // The keys new to this location first: the statement below checks those against the others'.
      const mentioned = new Set(fresh);
      for (const asset of outline.assets) for (const dep of asset.deps) if (!before.has(dep)) mentioned.add(dep);
      // One statement, sent before the node rows are built (~75 ms for 10,000 assets, during which
      // this thread turns no event loop, so a second statement would wait for it in the driver's
      // queue): the keys' rows, the version's row (the nodes refer to it; its manifest is written
      // last, compressing ~9 MB on the thread pool meanwhile), and the edges of the assets new to
      // this location (no node of theirs had edges to delete; ~30,000 edges are ~70 ms of the
      // database's time, spent while this thread works instead of after the nodes' insert).
      // A location's first registration writes every asset: the refresher is asked here to walk
      // the whole location, in one row (later ones queue what they rewrote, below, once that is
      // known). One row per asset was ~0.3 s of this statement for 100,000 assets.
      // It answers which of the new keys another location defines (a key has one AssetNode): a
      // refusal, rolling all of it back. Only keys this location does not define yet can be
      // another's, and only those, or dependencies on keys never seen, can lack an Asset row: a
      // re-registration sends the database what it adds, not its whole list of keys again. The
      // check is a join on the keys, not `key = ANY(...)`: with stale statistics PostgreSQL
      // answered that through a trigram index on the key, 10,000 probes of it (~90 s
      // re-registering 10,000 assets). Asked here, not in a round trip of its own before, it
      // costs no wait (the 100,000 keys of a first registration: ~2 MB sent once, not twice).
      const firstOfLocation = before.size === 0;
      const leading = tx.query<KeyCollision>(
        `WITH fresh AS (SELECT key FROM unnest($1::text[]) WITH ORDINALITY AS k(key, n) WHERE n <= $9),
              keys AS (${insertNewKeys(tx.dialect)}),
              edges AS (INSERT INTO "AssetDependency" ("downstreamKey", "upstreamKey")
                        SELECT * FROM unnest($2::text[], $3::text[])),
              refresh AS (INSERT INTO "SyncRefresh" ("locationId") SELECT $5 WHERE $10),
              version AS (INSERT INTO "CodeLocationVersion" (id, "locationId", version, hash, "manifestVersion", manifest, "registeredAt", "assetCount")
                          VALUES ($4, $5, $6, $7, $8, '\\x', now(), $11))
         SELECT n.key, l.name AS "definedBy" FROM fresh
           JOIN "AssetNode" n ON n.key = fresh.key JOIN "CodeLocation" l ON l.id = n."locationId"
         WHERE n."locationId" <> $5 ORDER BY n.key`,
        [
          textArray([...mentioned]),
          ...edgesOf(outline.assets.filter((a) => !before.has(a.key))),
          versionId,
          location.id,
          version,
          input.hash,
          outline.manifestVersion,
          fresh.size,
          firstOfLocation,
          now.size,
        ],
      );
      // Awaited below; when the schema refuses the manifest first, the refusal is what is reported.
      leading.catch(() => {});
      // Its parameters out of the process before this thread builds the rows: what the socket did
      // not take at once (most of the ~10 MB of 100,000 keys and 300,000 edges) went out only when
      // this thread next turned its event loop, after the rows, so the database began the statement
      // then. 100,000 assets through `location serve` (timestamps, one machine): 2.8 s of waiting
      // for it after the rows were built, against 0.4 s with this; 26.2 s to LOADED against 18.9.
      await tx.sent();
      // A manifest sent whole meets its assets' schema here, while the database runs that
      // statement (~0.1 s of this thread for 10,000 assets, ~0.6 s for 100,000), and the rest of
      // its schema (its steps…) in verify(), while the database writes the rows built from them;
      // a refusal rolls both back.
      const candidates = sameBase ? delta.sentAssets : await early.assetsInSlices();
      // What changed costs its writes: an asset whose manifest entry hashes as stored stays
      // (with its sync state, check health and version); the others are deleted and written again.
      const rows = await nodeRows(candidates, pause);
      const stored = new Map(previous.map((p) => [p.key, p.fingerprint]));
      const rewritten = rows.filter((r) => !sameFingerprint(stored.get(r.key), r));
      // Their statement's parameters too, while the database runs the leading statement.
      const nodeParams = await nodeColumnTexts(rewritten, pause);
      const collisions = await leading;
      if (collisions.length) throw new AssetKeyCollisionError(name, collisions);
      const rewrittenKeys = new Set(rewritten.map((r) => r.key));
      const removed = [...before].filter((k) => !now.has(k)).sort();
      const deleted = [...removed, ...rewritten.filter((r) => before.has(r.key)).map((r) => r.key)];
      if (deleted.length) {
        // Edges are not a foreign key's cascade (prisma/schema.prisma): they go with their node.
        await tx.query(`DELETE FROM "AssetDependency" d USING unnest($1::text[]) AS k(key) WHERE d."downstreamKey" = k.key`, [deleted]);
        await tx.query(`DELETE FROM "AssetNode" n USING unnest($1::text[]) AS k(key) WHERE n.key = k.key`, [deleted]);
      }
      // Merging 10,000 rows' trigrams into the search index as they are inserted cost ~170 ms of
      // the insert's ~500; appended to the pending list instead, they are merged behind the commit.
      const large = rewritten.length > LARGE_REGISTRATION;
      if (large) await tx.query(`SET LOCAL gin_pending_list_limit = '1GB'`);
      // The edges of the nodes rewritten in place; the new ones' went with the leading statement.
      const inserting = insertNodes(tx, nodeParams, location.id, versionId).then(() =>
        insertEdges(
          tx,
          rewritten.filter((r) => before.has(r.key)),
        ),
      );
      // The rows' statement out of the process first (tens of MB for 100,000 assets): written
      // while verify() held this thread, it reached the database only afterwards, and the two
      // ran one after the other instead of side by side.
      await tx.sent();
      await Promise.all([inserting, verified()]);
      // Until the refresher has walked them again, rewritten assets keep the sync state they had.
      await writeSyncStates(
        tx,
        previous.flatMap((p) => (p.state === null || !rewrittenKeys.has(p.key) ? [] : [{ key: p.key, state: p.state }])),
      );
      const manifest = early.manifest();
      await registerChecks(tx, manifest, location.id, before.size > 0);
      // Rewritten nodes: their sync states (and their dependents', queued: the refresher walks them
      // behind the registration), and the dependents of removed ones; their freshness policies, evaluated again.
      if (!firstOfLocation) await queueSyncRefresh(tx, [...rewrittenKeys, ...removed]);
      await refreshFreshnessAtRegistration(
        tx,
        candidates.filter((a) => rewrittenKeys.has(a.key)),
        Date.now(),
      );
      // Its canonical text (it matches its hash), compressed; readers parse it (ManifestCache).
      // As base64 text (manifest-store.ts: bytea is slow to cross PGlite's boundary).
      const manifestText = (await (await verified()).stored).toString("base64");
      await tx.query(
        `WITH version AS (UPDATE "CodeLocationVersion" SET manifest = decode($3, 'base64') WHERE id = $2)
         UPDATE "CodeLocation" SET "currentVersionId" = $2, status = 'LOADED', "loadError" = NULL, "updatedAt" = now() WHERE id = $1`,
        [location.id, versionId, manifestText],
      );
      return {
        locationId: location.id,
        changed: true,
        large: large || removed.length > LARGE_REGISTRATION,
        registered: { versionId, manifest },
        version,
        added: keys.filter((k) => !before.has(k)),
        removed,
      };
    })
    .catch(async (error: unknown) => {
      // An invalid manifest is refused as such, whatever its writes ran into meanwhile (two
      // assets with one key fail the insert too).
      await verified();
      const duplicate = (error as { code?: string }).code === "23505" ? String((error as Error).message) : "";
      // A key's node or edge left behind by a location deleted by hand: released, then registered again.
      if ((duplicate.includes("AssetNode_pkey") || duplicate.includes("AssetDependency_pkey")) && !orphansReleased) {
        if (await releaseOrphanedKeys(sql, keys)) return "released" as const;
      }
      // Two locations registering the same new key at once: the loser's insert hits the primary key.
      if (duplicate.includes("AssetNode_pkey")) return null;
      throw error;
    });
  if (registration === "released") return registerOnce(sql, input, true);
  if (registration === null) {
    const taken = await sql.query<KeyCollision>(
      `SELECT n.key, l.name AS "definedBy" FROM unnest($1::text[]) AS k(key)
         JOIN "AssetNode" n ON n.key = k.key JOIN "CodeLocation" l ON l.id = n."locationId"
       WHERE l.name <> $2 ORDER BY n.key`,
      [keys, name],
    );
    throw new AssetKeyCollisionError(name, taken);
  }
  const { large, ...registered } = registration;
  if (registered.changed) bases.remember(name, input.hash, await verified());
  if (large) await maintainCatalog(sql);
  return registered;
}

/**
 * Deletes the nodes of `keys` whose code location no longer exists, and the edges into `keys`
 * that no existing location's node owns; answers whether there were any. The product never
 * deletes a CodeLocation row, and nothing cascades from one to its nodes or edges (migrations
 * 20261204112614 and 20261208000000 dropped those foreign keys); a row deleted by hand (a
 * database restored from before the location existed, say) leaves them holding the keys, and
 * the location's next registration of the same keys would hit their primary keys. Asked only
 * after it did, so registrations pay nothing for it.
 */
async function releaseOrphanedKeys(sql: Sql, keys: readonly string[]): Promise<boolean> {
  const [released] = await sql.query<{ nodes: number; edges: number }>(
    `WITH nodes AS (
       DELETE FROM "AssetNode" n USING unnest($1::text[]) AS k(key)
       WHERE n.key = k.key AND NOT EXISTS (SELECT 1 FROM "CodeLocation" l WHERE l.id = n."locationId")
       RETURNING n.key),
     edges AS (
       DELETE FROM "AssetDependency" d USING unnest($1::text[]) AS k(key)
       WHERE d."downstreamKey" = k.key
         AND NOT EXISTS (SELECT 1 FROM "AssetNode" n JOIN "CodeLocation" l ON l.id = n."locationId" WHERE n.key = k.key)
       RETURNING 1)
     SELECT (SELECT count(*) FROM nodes)::int AS nodes, (SELECT count(*) FROM edges)::int AS edges`,
    [keys],
  );
  return (released?.nodes ?? 0) + (released?.edges ?? 0) > 0;
}

/**
 * The manifest a registration carries: sent whole (`manifest`), or as a delta of the location's
 * registered version (`delta`, rebuilt from the version kept in memory or read back).
 */
async function parseRegistration(
  sql: Sql,
  bases: ManifestBases,
  name: string,
  input: { hash: string; manifest?: unknown; delta?: unknown },
): Promise<{
  /** What the registration's first statement writes: the assets' keys and dependencies, and the manifest's version. */
  outline: ManifestOutline;
  /** Its assets, their schema checked (throws InvalidManifestError), a slice at a time. */
  assetsInSlices(): Promise<readonly ManifestAsset[]>;
  /** The manifest, its schema checked (throws InvalidManifestError). */
  manifest(): Manifest;
  delta?: ParsedManifest["delta"];
  verify(): Promise<ParsedManifest>;
}> {
  if (input.delta == null) {
    const parts = parseManifestInParts(input.manifest, input.hash);
    // Without an outline the schema is checked first, and says what is wrong.
    const outline = manifestOutline(input.manifest) ?? outlineOf(parts.manifest());
    return { outline, assetsInSlices: parts.assetsInSlices, manifest: parts.manifest, verify: async () => parts.verify() };
  }
  if (input.manifest != null) {
    throw new InvalidManifestError([{ path: "delta", code: "invalid_value", message: "send either a manifest or a delta, not both" }]);
  }
  const baseHash = deltaBaseHash(input.delta);
  const base = await bases.get(sql, name, baseHash);
  if (!base || !(await base.fields)) {
    throw new ManifestRequiredError(
      { location: name, hash: input.hash },
      `Code location ${name} is not at manifest ${baseHash}, the delta's base: send the whole manifest`,
    );
  }
  // A delta is checked as it is rebuilt (parseManifestDelta), before anything is written.
  const parsed = await parseManifestDelta(base, input.delta, input.hash);
  return {
    ...parsed,
    outline: outlineOf(parsed.manifest),
    assetsInSlices: async () => parsed.manifest.assets,
    manifest: () => parsed.manifest,
    verify: async () => parsed,
  };
}

interface ManifestOutline {
  manifestVersion: number;
  assets: readonly { key: string; deps: readonly string[] }[];
}

const outlineOf = (manifest: Manifest): ManifestOutline => manifest;

/**
 * The keys of $1 (distinct) that have no Asset row yet, inserted. On PostgreSQL, ON CONFLICT: two
 * locations' registrations may insert the same new key at once (a dependency neither defines).
 * On PGlite, one connection runs one transaction at a time, so the keys read absent stay so:
 * NOT EXISTS, which costs a probe of the key's index where ON CONFLICT's speculative insertion
 * costs two and a confirmation (10,000 new keys: 46-92 ms against 79-175 ms, five rounds).
 */
function insertNewKeys(dialect: Sql["dialect"]): string {
  return dialect === "pglite"
    ? `INSERT INTO "Asset" (key) SELECT k FROM unnest($1::text[]) AS k WHERE NOT EXISTS (SELECT 1 FROM "Asset" a WHERE a.key = k)`
    : `INSERT INTO "Asset" (key) SELECT unnest($1::text[]) ON CONFLICT (key) DO NOTHING`;
}

/**
 * A manifest's outline read off its JSON before its schema is checked, or null when it is not
 * plainly there (that check then comes first). A key or dependency that is a string but not a
 * valid key is written by the first statement and rolled back when the schema refuses it: the
 * schema transforms neither, so for a manifest it accepts they are what was read here.
 */
function manifestOutline(input: unknown): ManifestOutline | null {
  if (typeof input !== "object" || input === null) return null;
  const { manifestVersion, assets } = input as { manifestVersion?: unknown; assets?: unknown };
  if (!Number.isInteger(manifestVersion) || !Array.isArray(assets)) return null;
  // An asset without dependencies leaves `deps` out (a compact manifest): outlined with none.
  let outlined: ManifestOutline["assets"][number][] | undefined;
  for (const [i, asset] of (assets as unknown[]).entries()) {
    const { key, deps } = (asset ?? {}) as { key?: unknown; deps?: unknown };
    if (typeof key !== "string" || (deps !== undefined && !Array.isArray(deps))) return null;
    if (deps === undefined) (outlined ??= (assets as ManifestOutline["assets"][number][]).slice())[i] = { key, deps: [] };
    else for (const dep of deps) if (typeof dep !== "string") return null;
  }
  return { manifestVersion: manifestVersion as number, assets: outlined ?? (assets as ManifestOutline["assets"]) };
}

// ANALYZE first: it only warns for a role that does not own the tables, where merging the
// pending lists (which needs the index's owner) fails and ends the script. AssetNode's columns
// that queries filter, join or sort on, not its JSON ones (metadata, tags, partitions…): their
// statistics steer no plan, and sampling them was half of this script on PGlite (~0.45 s of
// ~0.95 s with 30,000 assets), which runs it before the registration answers.
const MAINTAIN_CATALOG = `
  ANALYZE "AssetNode" (key, "locationId", "versionId", "groupName", owners, "tagPairs", kinds, "stepKey", "multiAssetName",
    "isSubsettable", "searchText", "checkHealth", "syncState");
  ANALYZE "AssetDependency"; ANALYZE "Asset";
  SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
   WHERE i.indrelid = '"AssetNode"'::regclass AND am.amname = 'gin';`;
const maintaining = new WeakMap<Sql, Promise<void>>();

/**
 * After a large registration: merges the GIN indexes' pending lists (searches read them
 * meanwhile, only slower) and refreshes the catalog tables' planner statistics, in the
 * background (a few hundred ms for 10,000 assets, which the registration's caller need not wait
 * for; one at a time, so the latest registration's rows are included). On PostgreSQL on a
 * connection of its own; on PGlite's single connection (on its own thread, db/pglite-thread.ts),
 * where statements issued meanwhile wait for it.
 */
async function maintainCatalog(sql: Sql): Promise<void> {
  // Both only speed reads up, and autovacuum does both too: a failed run (the pool closing at
  // shutdown, a lost connection) loses nothing, and the registration is committed either way.
  const ignore = () => {};
  const previous = maintaining.get(sql) ?? Promise.resolve();
  maintaining.set(sql, previous.then(() => sql.exec(MAINTAIN_CATALOG)).catch(ignore));
}

/**
 * Resolves once the work registrations left behind them on `sql` is done: catalog maintenance
 * (maintainCatalog) and the registered manifests' texts and digests, computed in slices
 * (ManifestBases). What a benchmark or a test waits for to start from an idle server.
 */
export async function registrationsSettled(sql: Sql): Promise<void> {
  await Promise.all([maintaining.get(sql), manifestBases(sql).settled()]);
}

/**
 * A registration without its manifest: confirms that the location's current, loaded version has
 * `hash` (nothing is written), or throws ManifestRequiredError. One indexed read, so a location
 * restarting with unchanged definitions costs a round trip, not an upload of its manifest.
 */
export async function confirmCurrentVersion(sql: Sql, name: string, hash: string): Promise<Registration> {
  const [location] = await sql.query<{ id: string; status: string; hash: string | null; version: number | null }>(
    `SELECT l.id, l.status, v.hash, v.version FROM "CodeLocation" l
     LEFT JOIN "CodeLocationVersion" v ON v.id = l."currentVersionId"
     WHERE l.name = $1`,
    [name],
  );
  if (!location || location.hash !== hash || location.status !== "LOADED")
    throw new ManifestRequiredError(
      { location: name, hash },
      `Code location ${name} is not at manifest ${hash}: send the manifest to register it`,
    );
  return { locationId: location.id, changed: false, version: location.version!, added: [], removed: [] };
}
