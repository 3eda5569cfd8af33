import type { Sql } from "../db/sql.js";
import { InvalidArgumentError } from "../errors.js";
import { parseAssetKey } from "./asset-key.js";

export interface AssetSearch {
  /** Words that must all occur (case-insensitive) in the key, description or textual metadata. */
  search?: string | null;
  /** A key prefix in whole parts: "sales" matches "sales" and "sales/orders", not "salesforce". */
  keyPrefix?: string | null;
  group?: string | null;
  owner?: string | null;
  /** "name=value", or "name" for any value. */
  tag?: string | null;
  kind?: string | null;
  location?: string | null;
  /** PASSING, WARNING, FAILING or NOT_EVALUATED: assets whose checks' latest results fold to it. */
  checkHealth?: string | null;
  /** SYNCED, UNSYNCED or MISSING: the stored sync state (sync/sync-state.ts). */
  syncStatus?: string | null;
  /** PASS, WARN, FAIL or UNKNOWN: assets with a freshness policy in that state. */
  freshness?: string | null;
}

export interface SearchPage {
  keys: string[];
  hasNextPage: boolean;
}

export const MAX_PAGE_SIZE = 500;

type SearchDatabase = { sql: Sql; bytewiseCollation: boolean };

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The catalog's search: one indexed SQL statement over defined assets, ordered by key, keyset
 * paginated (`after` is the last key of the previous page). Substring search uses the trigram
 * index on searchText; owners, tags and kinds use their GIN indexes.
 */
export function buildSearch(
  filter: AssetSearch,
  bytewiseCollation: boolean,
  indexed: ReadonlySet<string> | null = null,
): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  // A word left out of `indexed` is checked on the rows the others found, not through the
  // trigram index (the expression `searchText || ''` is not the indexed one): see indexedWords.
  for (const word of searchWords(filter)) {
    const column = indexed === null || indexed.has(word) ? `n."searchText"` : `(n."searchText" || '')`;
    clauses.push(`${column} LIKE ${param(`%${escapeLike(word)}%`)}`);
  }
  if (filter.keyPrefix) {
    const prefix = parseAssetKey(filter.keyPrefix, "keyPrefix");
    // A lower bound lets the primary-key index start at the prefix under any collation. Under a
    // bytewise one (C, C.UTF-8) every "prefix/..." key also sorts before "prefix0" ("0" follows
    // "/"), which closes the range; a linguistic collation may ignore the "/", so there the LIKE
    // alone decides membership.
    const p = param(prefix);
    const upper = bytewiseCollation ? ` AND n.key < ${param(`${prefix}0`)}` : "";
    clauses.push(`n.key >= ${p}${upper} AND (n.key = ${p} OR n.key LIKE ${param(`${escapeLike(prefix)}/%`)})`);
  }
  if (filter.group) clauses.push(`n."groupName" = ${param(filter.group)}`);
  // Each list's GIN index is partial, of the rows where it is not empty (a registration writes
  // no entry for the others): the predicate stated beside the filter, which implies it, lets the
  // planner use the index.
  const listHas = (column: string, value: string) => `${column} @> ARRAY[${param(value)}]::text[] AND ${column} <> '{}'`;
  if (filter.owner) clauses.push(listHas("n.owners", filter.owner));
  if (filter.kind) clauses.push(listHas("n.kinds", filter.kind));
  if (filter.tag) {
    if (filter.tag.includes("=")) clauses.push(listHas(`n."tagPairs"`, filter.tag));
    else clauses.push(`n.tags ? ${param(filter.tag)}`);
  }
  // AssetNode_checkHealth_key_idx answers this in key order, so a page stops after `first` rows
  // (partial, of the rows where it is set: an equality implies that).
  if (filter.checkHealth) clauses.push(`n."checkHealth" = ${param(filter.checkHealth)}::"AssetCheckHealth"`);
  // AssetNode_syncState_key_idx (partial in the same way) and AssetFreshness_state_assetKey_idx
  // answer these in key order.
  if (filter.syncStatus) clauses.push(`n."syncState" = ${param(filter.syncStatus)}::"AssetSyncState"`);
  if (filter.freshness) {
    clauses.push(`n.key IN (SELECT f."assetKey" FROM "AssetFreshness" f WHERE f.state = ${param(filter.freshness)}::"FreshnessState")`);
  }
  if (filter.location) {
    clauses.push(`n."locationId" = (SELECT id FROM "CodeLocation" WHERE name = ${param(filter.location)})`);
  }
  return { where: clauses.length ? clauses.join(" AND ") : "TRUE", params };
}

function searchWords(filter: AssetSearch): string[] {
  const words = [...new Set((filter.search ?? "").toLowerCase().split(/\s+/).filter(Boolean))];
  if (words.length > 8) throw new InvalidArgumentError("search", "use at most 8 words");
  return words;
}

/** A word's estimated matches, by database, for a few minutes (statistics change slowly). */
const estimates = new WeakMap<SearchDatabase, Map<string, { rows: number; at: number }>>();
const ESTIMATE_TTL_MS = 5 * 60_000;
const ESTIMATES_KEPT = 2_000;

/** The planner's estimate of the rows of `AssetNode n WHERE <where>` (cached by `key`); infinite when it gives none. */
async function estimatedRows(db: SearchDatabase, key: string, where: string, params: unknown[]): Promise<number> {
  let cache = estimates.get(db);
  if (!cache) estimates.set(db, (cache = new Map()));
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < ESTIMATE_TTL_MS) return hit.rows;
  const [row] = await db.sql.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) SELECT 1 FROM "AssetNode" n WHERE ${where}`, params);
  const plan = typeof row?.["QUERY PLAN"] === "string" ? JSON.parse(row["QUERY PLAN"]) : row?.["QUERY PLAN"];
  const estimate = (plan as Array<{ Plan?: { "Plan Rows"?: unknown } }> | undefined)?.[0]?.Plan?.["Plan Rows"];
  const rows = typeof estimate === "number" ? estimate : Number.POSITIVE_INFINITY;
  if (cache.size >= ESTIMATES_KEPT) cache.delete(cache.keys().next().value!);
  cache.set(key, { rows, at: Date.now() });
  return rows;
}

/** A word's estimated matches. */
const estimatedMatches = (db: SearchDatabase, word: string) =>
  estimatedRows(db, `word:${word}`, `n."searchText" LIKE $1`, [`%${escapeLike(word)}%`]);

/**
 * Whether, by the planner's estimates, the search's rarest word has too few matches among the
 * first `head` keys to fill a quarter of a page: then reading them first (see pageQueries) is
 * one statement wasted on the way to the trigram index. "table number 4242" over 100,000 assets:
 * ~10 matches, 0.04 expected among the 420 keys of a 20-row page's head.
 */
async function rareInHead(db: SearchDatabase, filter: AssetSearch, head: number, rows: number): Promise<boolean> {
  const words = searchWords(filter);
  const [total, ...matches] = await Promise.all([estimatedRows(db, "all", "TRUE", []), ...words.map((word) => estimatedMatches(db, word))]);
  if (!Number.isFinite(total) || total <= 0) return false;
  return Math.min(...matches) * head < (rows / 4) * total;
}

/**
 * The words of a multi-word search worth reading through the trigram index: the most selective
 * one and those within 4× of it, by the planner's own estimates. PostgreSQL otherwise reads every
 * word's posting lists and intersects them: "table number 4242" over 100,000 assets read two
 * lists of ~100,000 entries each (2.3 ms) to find 10 rows that "4242" alone finds (0.5 ms).
 * Null (every word indexed) for a single word.
 */
async function indexedWords(db: SearchDatabase, filter: AssetSearch): Promise<ReadonlySet<string> | null> {
  const words = searchWords(filter);
  if (words.length < 2) return null;
  const rows = await Promise.all(words.map((word) => estimatedMatches(db, word)));
  const fewest = Math.min(...rows);
  return new Set(words.filter((_, i) => rows[i]! <= Math.max(fewest * 4, 100)));
}

/**
 * How many keys, in key order, the first try of a text search reads: 20 per row of the page (a
 * page of 100 needs words in 5% of the keys there), 2-6 ms on PostgreSQL at 100,000 assets
 * when it finds too few (50 per row cost 6-15 ms); fewer matches than that through the trigram
 * index, sorted, cost about as much.
 */
const HEAD_ROWS_PER_ROW = 20;

/**
 * The search's statements for one page, with `first + 1` rows to tell whether another follows,
 * in the order to try them: the first answer with `first + 1` rows is the page, the last one is
 * the page whatever it holds.
 *
 * A text search's plan is a guess the planner often loses, because it cannot see where in key
 * order the matches lie. Reading the primary key in order until a page is found is instant when
 * matches are spread ("growth table": 1 ms) and reads ~70,000 keys when they sit at the end
 * ("domain7": 60-300 ms); the trigram index then a sort is the opposite (10 ms for "domain7",
 * 35-65 ms for the 20,000 rows of "growth"). So a text search first reads a bounded run of keys in
 * order (a page found there is the page: every key before its last was read), and only when that
 * run holds too few matches, which means they are sparse there, goes through the trigram index,
 * sorting what it finds (`ORDER BY n.key || ''` keeps the planner off the key order; same text,
 * same collation, same order).
 */
function pageQueries(db: SearchDatabase, filter: AssetSearch, page: { first: number; after?: string | null }) {
  if (!Number.isInteger(page.first) || page.first < 0 || page.first > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError("first", `must be from 0 to ${MAX_PAGE_SIZE}`);
  }
  // `first + 1` rows in `order`, past the cursor: over the whole table, or over its first
  // `head` keys in key order.
  const statement = (search: { where: string; params: unknown[] }, order: string, head?: number) => {
    const params = [...search.params];
    const after = page.after ? `n.key > $${params.push(page.after)}` : "TRUE";
    params.push(page.first + 1);
    const limit = `LIMIT $${params.length}`;
    if (head === undefined)
      return { text: `SELECT n.key FROM "AssetNode" n WHERE ${after} AND ${search.where} ORDER BY ${order} ${limit}`, params };
    const scan = `(SELECT * FROM "AssetNode" n WHERE ${after} ORDER BY n.key LIMIT ${head}) n`;
    return { text: `SELECT n.key FROM ${scan} WHERE ${search.where} ORDER BY ${order} ${limit}`, params };
  };
  // Built when tried: the trigram statement asks the planner for each word's estimate first.
  const indexed = async () => statement(buildSearch(filter, db.bytewiseCollation, await indexedWords(db, filter)), "n.key || ''");
  if (searchWords(filter).length === 0 || filter.keyPrefix) {
    return [async () => statement(buildSearch(filter, db.bytewiseCollation, await indexedWords(db, filter)), "n.key")];
  }
  const head = (page.first + 1) * HEAD_ROWS_PER_ROW;
  return [
    async () =>
      (await rareInHead(db, filter, head, page.first + 1)) ? null : statement(buildSearch(filter, db.bytewiseCollation), "n.key", head),
    indexed,
  ];
}

type Statement = { text: string; params: unknown[] };

/**
 * Runs `queries` in turn until one answers a whole page (`first + 1` rows), else the last one.
 * Stops, throwing the signal's reason, once the client that asked has gone: a search box aborts
 * the request of each keystroke the next one overtakes, and the server has better to do than
 * finish it (an embedded PGlite answers one statement at a time, the next keystroke's behind).
 */
async function firstPage<Row>(
  db: SearchDatabase,
  /** Null: a statement not worth trying (never the last). */
  queries: (() => Promise<Statement | null>)[],
  page: { first: number; signal?: AbortSignal | undefined },
  wrap = (t: string) => t,
) {
  const { first, signal } = page;
  let rows: Row[] = [];
  for (const next of queries) {
    signal?.throwIfAborted();
    const query = await next();
    if (query === null) continue;
    rows = await db.sql.query<Row>(wrap(query.text), query.params);
    if (rows.length > first) break;
  }
  return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
}

export async function searchAssets(
  db: SearchDatabase,
  filter: AssetSearch,
  page: { first: number; after?: string | null; signal?: AbortSignal | undefined },
): Promise<SearchPage> {
  const found = await firstPage<{ key: string }>(db, pageQueries(db, filter, page), page);
  return { keys: found.rows.map((r) => r.key), hasNextPage: found.hasNextPage };
}

/**
 * `searchAssets` with the page's rows in the same statement: `columns` is a select list over
 * `a` ("Asset") and `d` (its "AssetNode") with the joins it needs, in key order. The search keeps its own plan (a
 * subquery with its LIMIT); the page's rows are then read by primary key.
 */
export async function searchAssetRows<Row extends { key: string }>(
  db: SearchDatabase,
  filter: AssetSearch,
  page: { first: number; after?: string | null; signal?: AbortSignal | undefined },
  columns: { sql: string; joins: string },
): Promise<{ rows: Row[]; hasNextPage: boolean }> {
  return firstPage<Row>(
    db,
    pageQueries(db, filter, page),
    page,
    (text) =>
      `SELECT ${columns.sql} FROM (${text}) p JOIN "Asset" a ON a.key = p.key JOIN "AssetNode" d ON d.key = p.key ${columns.joins} ORDER BY p.key`,
  );
}

export async function countAssets(db: SearchDatabase, filter: AssetSearch): Promise<number> {
  const { where, params } = buildSearch(filter, db.bytewiseCollation, await indexedWords(db, filter));
  const [row] = await db.sql.query<{ n: string | number }>(`SELECT count(*) AS n FROM "AssetNode" n WHERE ${where}`, params);
  return Number(row?.n ?? 0);
}
