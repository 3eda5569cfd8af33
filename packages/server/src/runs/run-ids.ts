import { randomBytes } from "node:crypto";

/**
 * `count` run ids in the UUID shape (version 7 layout: a millisecond timestamp first) that sort
 * in the order given. Runs stored in one transaction share `createdAt`, and the queue breaks
 * that tie by id, so a backfill's runs start in chunk order. The `uuid` package's v7 orders ids
 * only across milliseconds unless it keeps a process-wide counter; a counter local to the
 * batch is all this needs.
 */
export function sortableRunIds(count: number): string[] {
  const time = Date.now().toString(16).padStart(12, "0").slice(-12);
  const random = randomBytes(6).toString("hex").slice(0, 11);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    // 12 hex of time, "7", 7 hex of counter (up to 268M), the variant "8", 11 random hex.
    const hex = `${time}7${i.toString(16).padStart(7, "0")}8${random}`;
    ids.push(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
  }
  return ids;
}
