import type { RunEvent, RunEventPayloads, RunEventType } from "@strata/protocol";
import { prepared, type Sql } from "../db/sql.js";

/** A stored run event, as GraphQL and subscribers see it. */
export interface StoredRunEvent {
  runId: string;
  seq: number;
  type: RunEventType;
  stepKey: string | null;
  assetKey: string | null;
  level: string;
  message: string | null;
  payload: unknown;
  /** ISO-8601. */
  timestamp: string;
}

/** A RunEvent row as the driver returns it. */
type EventRow = Omit<StoredRunEvent, "runId" | "timestamp"> & { timestamp: Date | string };

const SELECT_EVENTS = `SELECT seq, type, "stepKey", "assetKey", level, message, payload, timestamp FROM "RunEvent"`;

function toStored(runId: string, row: EventRow): StoredRunEvent {
  return {
    runId,
    seq: row.seq,
    type: row.type,
    stepKey: row.stepKey,
    assetKey: row.assetKey,
    level: row.level,
    message: row.message,
    payload: row.payload,
    timestamp: new Date(row.timestamp).toISOString(),
  };
}

/** Run $1's events with seq > $2, in order, at most $3. */
const READ_EVENTS = prepared(`${SELECT_EVENTS} WHERE "runId" = $1 AND seq > $2 ORDER BY seq LIMIT $3`);

/** Run $1's status and last seq, and its first $3 events with seq > $2 (see readRunLogStart). */
const READ_LOG_START = prepared(
  `SELECT r.status, r."lastEventSeq",
          COALESCE((SELECT json_agg(e ORDER BY e.seq) FROM (${SELECT_EVENTS} WHERE "runId" = r.id AND seq > $2 ORDER BY seq LIMIT $3) e), '[]') AS events
   FROM "Run" r WHERE r.id = $1`,
);

/** Events of a run with seq > `after`, in order, at most `limit`. */
export async function readRunEvents(sql: Sql, runId: string, after: number, limit: number): Promise<StoredRunEvent[]> {
  const rows = await sql.query<EventRow>(READ_EVENTS, [runId, after, limit]);
  return rows.map((row) => toStored(runId, row));
}

/** A run's status and last seq, and its first events after `after`, read in one snapshot. */
export interface RunLogStart {
  status: string;
  lastEventSeq: number;
  /** At most `limit`, in order. */
  events: StoredRunEvent[];
}

/**
 * What a runEvents stream starts from, in one statement: the run (null when there is none) and
 * the first page of its backlog. The run's status belongs to the same snapshot as the page, so
 * a stream can tell from them alone whether the run has ended.
 */
export async function readRunLogStart(sql: Sql, runId: string, after: number, limit: number): Promise<RunLogStart | null> {
  const [row] = await sql.query<{ status: string; lastEventSeq: number; events: EventRow[] }>(READ_LOG_START, [runId, after, limit]);
  return row ? { status: row.status, lastEventSeq: row.lastEventSeq, events: row.events.map((e) => toStored(runId, e)) } : null;
}

/** Every event of a run, in the executor's own shape (for re-execution planning). */
export async function readExecutorEvents(sql: Sql, runId: string): Promise<RunEvent[]> {
  const rows = await sql.query<EventRow>(`${SELECT_EVENTS} WHERE "runId" = $1 ORDER BY seq`, [runId]);
  return rows.map(
    (row) =>
      ({
        seq: row.seq,
        type: row.type,
        timestamp: new Date(row.timestamp).getTime(),
        ...(row.stepKey !== null && { stepKey: row.stepKey }),
        ...(row.assetKey !== null && { assetKey: row.assetKey }),
        ...(row.message !== null && { message: row.message }),
        payload: row.payload ?? {},
      }) as RunEvent,
  );
}

/**
 * Appends an event the server itself writes (a run failed by the monitor, canceled while
 * queued). Only ever on a run no worker may report to any more, so its seq cannot collide.
 */
export async function appendServerEvent(
  tx: Sql,
  runId: string,
  event: { [T in RunEventType]: { type: T; message: string; level?: string; payload: RunEventPayloads[T] } }[RunEventType],
): Promise<StoredRunEvent> {
  const [row] = await tx.query<EventRow>(
    `WITH next AS (UPDATE "Run" SET "lastEventSeq" = "lastEventSeq" + 1 WHERE id = $1 RETURNING "lastEventSeq")
     INSERT INTO "RunEvent" ("runId", seq, type, level, message, payload, timestamp)
     SELECT $1, next."lastEventSeq", $2, $3, $4, $5::jsonb, now() FROM next
     RETURNING seq, type, "stepKey", "assetKey", level, message, payload, timestamp`,
    [runId, event.type, event.level ?? "ERROR", event.message, JSON.stringify(event.payload)],
  );
  return toStored(runId, row!);
}
