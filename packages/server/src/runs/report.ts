import { type AdmittedRun, settleBackfillRun } from "../backfills/advance.js";
import { settleRunPartitions } from "../partitions/status.js";
import { isPlainRecord, nullableText, parseRunEventPayload, RUN_EVENT_TYPES, terminalStatusOf } from "@strata/protocol";
import { z } from "zod";
import { prepared, type Sql } from "../db/sql.js";
import { EventOutsidePlanError, InvalidArgumentError, NotFoundError, RunEventSequenceError, RunNotHeldError } from "../errors.js";
import {
  materializationRows,
  type PreparedMaterializations,
  prepareMaterializations,
  writeMaterializations,
} from "../catalog/materializations.js";
import { evaluationOutsidePlan, recordRunCheckEvaluations } from "../checks/evaluations.js";
import type { StrataPubSub } from "../pubsub/pubsub.js";
import { parseLeaseSeconds } from "./claim.js";
import { runFailureOf } from "./run-failure.js";
import { runPlanSets } from "./run-facts.js";
import { readRunEvents, type StoredRunEvent } from "./run-events.js";
import type { CommittedReport } from "../metrics/server-metrics.js";
import { newIngestEffects, type IngestEffects } from "../sync/ingest-effects.js";
import { publishFreshness } from "../freshness/freshness-service.js";
import { publishSyncRefresh } from "../sync/sync-refresher.js";
import { dateOf, isoOf } from "../timestamp-memo.js";

export const MAX_EVENTS_PER_REPORT = 5000;

/** RunEventInput's rules, for either form of a report (`events` or `batch`): a field it does not know is refused. */
export const eventSchema = z.strictObject({
  seq: z
    .number()
    .int()
    .min(1)
    .max(2 ** 31 - 1),
  type: z.enum(RUN_EVENT_TYPES),
  timestamp: z.number().finite(),
  stepKey: z.string().max(1024).nullish(),
  assetKey: z.string().max(1024).nullish(),
  level: z.string().max(16).nullish(),
  message: z.string().max(1_000_000).nullish(),
  payload: z.unknown(),
});

export type ReportedEvent = z.infer<typeof eventSchema>;

/** The fields plainEvent checks: eventSchema's, each (a test holds the two lists equal). @internal */
export const PLAIN_EVENT_FIELDS = ["seq", "type", "timestamp", "stepKey", "assetKey", "level", "message", "payload"] as const;
const EVENT_FIELDS: ReadonlySet<string> = new Set(PLAIN_EVENT_FIELDS);
const EVENT_TYPES: ReadonlySet<string> = new Set(RUN_EVENT_TYPES);

/** Absent, null, or a string of at most `max` characters: a `z.string().max(max).nullish()`. */
const nullishText = (value: unknown, max: number) => nullableText(value, max) !== undefined;

/**
 * `event` itself when eventSchema plainly passes it (parseEvents copies it), checked field by
 * field: with the payload's own fast path (@strata/protocol's parseRunEventPayload), a report's
 * events are checked in ~55% of the schemas' time (5,000 outputs and materializations: 8-15 ms
 * against 15-26 ms, warmed up). Null when any check fails or the value is not a plain object:
 * the schema then decides, and words the problem.
 */
function plainEvent(e: unknown): ReportedEvent | null {
  if (!isPlainRecord(e)) return null;
  for (const key in e) if (!EVENT_FIELDS.has(key)) return null;
  const { seq, type, timestamp } = e;
  const valid =
    Number.isInteger(seq) &&
    (seq as number) >= 1 &&
    (seq as number) <= 2 ** 31 - 1 &&
    typeof type === "string" &&
    EVENT_TYPES.has(type) &&
    Number.isFinite(timestamp) &&
    // The schema wants the key, whatever its value (an absent one is refused, an undefined one not).
    Object.hasOwn(e, "payload") &&
    nullishText(e.stepKey, 1024) &&
    nullishText(e.assetKey, 1024) &&
    nullishText(e.level, 16) &&
    nullishText(e.message, 1_000_000);
  return valid ? (e as ReportedEvent) : null;
}

export interface ReportResult {
  /** The highest seq the server holds for the run: everything up to it may be dropped from a resend buffer. */
  lastSeq: number;
  status: string;
  /** The run is being terminated: stop it (abort its signal). */
  cancelRequested: boolean;
  /**
   * Server side only (not in the GraphQL type): how many runs of a backfill this report's end
   * created and admitted at once. Then nothing else was queued, and the coordinator need not look.
   */
  admittedRuns?: number;
}

const STEP_STATUS: Record<string, string> = {
  STEP_START: "RUNNING",
  STEP_RESTARTED: "RUNNING",
  STEP_UP_FOR_RETRY: "UP_FOR_RETRY",
  STEP_SUCCESS: "SUCCESS",
  STEP_FAILURE: "FAILURE",
  STEP_SKIPPED: "SKIPPED",
  STEP_CANCELED: "CANCELED",
};

/** A reported event as it is now stored (the database rounds timestamps to microseconds, not below). */
function stored(runId: string, e: ReportedEvent): Omit<StoredRunEvent, "timestamp"> & { timestamp: Date } {
  return {
    runId,
    seq: e.seq,
    type: e.type,
    stepKey: e.stepKey ?? null,
    assetKey: e.assetKey ?? null,
    level: e.level ? e.level.toUpperCase() : "INFO",
    message: e.message ?? null,
    payload: e.payload ?? null,
    timestamp: dateOf(e.timestamp),
  };
}

/** The events of a report, each checked (RunEventInput's rules, then its payload's), sorted by seq. @internal Exported for its tests. */
export function parseEvents(events: unknown[]): ReportedEvent[] {
  if (events.length > MAX_EVENTS_PER_REPORT)
    throw new InvalidArgumentError("events", `report at most ${MAX_EVENTS_PER_REPORT} events at once`);
  const parsed = events.map((event, i) => {
    let data = plainEvent(event);
    if (!data) {
      const result = eventSchema.safeParse(event);
      if (!result.success)
        throw new InvalidArgumentError(`events.${i}`, result.error.issues.map((x) => `${x.path.join(".")} ${x.message}`).join("; "));
      data = result.data;
    }
    const payload = parseRunEventPayload(data.type, data.payload);
    if (!payload.ok) throw new InvalidArgumentError(`events.${i}`, payload.problem);
    // The payload as given, already in its checked shape (a run's bulk): the event is kept as it is.
    return payload.payload === data.payload ? data : { ...data, payload: payload.payload };
  });
  parsed.sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < parsed.length; i++) {
    if (parsed[i]!.seq === parsed[i - 1]!.seq) throw new InvalidArgumentError("events", `seq ${parsed[i]!.seq} appears twice`);
  }
  return parsed;
}

/** Locks run $1 and reads what a report checks against. */
const LOCK_RUN_SQL = `WITH locked AS (
     SELECT status, "workerId", "lastEventSeq", "backfillId", ("partitionKey" IS NOT NULL OR "partitionRangeStart" IS NOT NULL) AS partitioned
     FROM "Run" WHERE id = $1 FOR UPDATE)`;
const LOCK_RUN = prepared(`${LOCK_RUN_SQL} SELECT locked.* FROM locked`);
/** The same, restoring lock_timeout to $2 once locked (a report stored ahead bounds its wait for the lock). */
const LOCK_RUN_RESTORING_TIMEOUT = prepared(
  `${LOCK_RUN_SQL} SELECT locked.*, set_config('lock_timeout', $2, true) AS restored FROM locked`,
);
/** Ends run $1: status $2, failure $3 (code $6), ended at $4, its last seq at least $5. */
const END_RUN = prepared(
  `UPDATE "Run" SET status = $2::"RunStatus", "failureReason" = $3, "endedAt" = $4, "leaseExpiresAt" = NULL, "updatedAt" = now(),
          "lastEventSeq" = GREATEST("lastEventSeq", $5), "failureCode" = $6::"RunFailureCode" WHERE id = $1`,
);
/** Run $1's last seq at least $2, its lease renewed for $3 seconds. */
const ADVANCE_RUN = prepared(
  `UPDATE "Run" SET "lastEventSeq" = GREATEST("lastEventSeq", $2), "lastHeartbeatAt" = now(),
          "leaseExpiresAt" = now() + make_interval(secs => $3), "updatedAt" = now() WHERE id = $1`,
);

/**
 * Stores a batch of a run's events, as its worker reports them. Idempotent: an event whose seq
 * is already stored is ignored, so a worker may resend anything it is unsure of. New events
 * update the run (terminal status), its steps and the catalog (materializations) in the same
 * transaction, then reach subscribers. Each report also renews the worker's lease.
 */
export async function reportRunEvents(
  sql: Sql,
  pubsub: StrataPubSub["pubsub"],
  /** `admitUpTo`: a backfill's runs that this run's end creates are admitted at once under it (see settleBackfillRun). */
  input: { runId: string; workerId: string; events: unknown[]; leaseSeconds: number; admitUpTo?: number | null },
  onCommit?: (committed: CommittedReport) => void,
): Promise<ReportResult> {
  const events = parseEvents(input.events);
  parseLeaseSeconds(input.leaseSeconds);
  // Before the transaction: the run's row lock is held for as short a time as possible, and a
  // report pipelined behind another does this while the other one's statements run.
  const eventsJson = JSON.stringify(events);
  const materializing = events.filter((e) => e.type === "ASSET_MATERIALIZATION").map((e) => stored(input.runId, e));
  const rows = shapedRows(materializing);
  /**
   * The report's transaction. `ahead`: its events are inserted before the run is locked, on the
   * guess that they all continue the log, so that a report pipelined behind another inserts them
   * while the other holds the lock (5,000 events: ~35-45 ms of a ~110-150 ms turn under the lock).
   * Once locked, the guess is checked: anything but a held run whose log ends right before the
   * report (a resend, a gap, a run not held) throws AheadRefused, and the report is stored again
   * the usual way, lock first. A seq already stored fails the insert itself (a unique violation),
   * with the same outcome. While waiting for the lock it holds rows of the log's next seqs, which
   * a server-written event (appendServerEvent, under the lock) may wait for: its lock wait is cut
   * short (AHEAD_LOCK_TIMEOUT_MS), before PostgreSQL's deadlock check would pick a side.
   */
  const store = (ahead: boolean, effects: IngestEffects) =>
    sql.transaction(async (tx) => {
      // Ahead, only the wait for the run's row is bounded: the lock statement restores the setting.
      const [timeout] = ahead
        ? await tx.query<{ previous: string }>(`SELECT current_setting('lock_timeout') AS previous, set_config('lock_timeout', $1, true)`, [
            `${AHEAD_LOCK_TIMEOUT_MS}ms`,
          ])
        : [];
      // What the report's materializations need that the run's log does not change (their assets'
      // definitions and Asset rows), read before the run is locked: a report pipelined behind
      // another does it while the other holds the lock.
      const early = rows?.length ? await prepareMaterializations(tx, rows) : null;
      if (ahead) await insertEvents(tx, input.runId, eventsJson);
      const [run] = await tx.query<{
        status: string;
        workerId: string | null;
        lastEventSeq: number;
        backfillId: string | null;
        partitioned: boolean;
      }>(timeout ? LOCK_RUN_RESTORING_TIMEOUT : LOCK_RUN, timeout ? [input.runId, timeout.previous] : [input.runId]);
      if (!run) throw new NotFoundError("run", input.runId);
      const held = (run.status === "STARTED" || run.status === "CANCELING") && run.workerId === input.workerId;
      if (ahead && (!held || events[0]!.seq !== run.lastEventSeq + 1)) throw new AheadRefused();
      if (!held) {
        const seqs = events.map((e) => e.seq);
        // A resend of what is already stored is harmless, whoever holds the run now; an event
        // the server wrote in its place (the monitor's RUN_FAILURE) does not count.
        const [stored] = await tx.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "RunEvent" r JOIN jsonb_to_recordset($2::jsonb) AS e(seq int, type text) ON e.seq = r.seq AND e.type = r.type
         WHERE r."runId" = $1`,
          [input.runId, JSON.stringify(events.map((e) => ({ seq: e.seq, type: e.type })))],
        );
        if (stored!.n === seqs.length)
          return {
            result: { lastSeq: run.lastEventSeq, status: run.status, cancelRequested: run.status === "CANCELING" },
            stored: [],
            materialized: [],
            evaluated: [],
            status: null,
            backfillId: null,
            admitted: [],
          };
        throw new RunNotHeldError(
          { runId: input.runId, status: run.status },
          `Worker ${input.workerId} does not hold run ${input.runId} (status ${run.status}${run.workerId ? `, worker ${run.workerId}` : ""}): stop executing it`,
        );
      }
      // What is at or below the stored last seq is a resend (ignored below); the rest must continue the log.
      const news = events.filter((e) => e.seq > run.lastEventSeq);
      checkSequence(input.runId, run.lastEventSeq, news);
      await checkPlan(sql, tx, input.runId, news);
      // Exactly the new events are inserted, without ON CONFLICT: every writer of a run's log holds
      // the run's row and raises lastEventSeq to the highest seq it stores (claim.ts,
      // appendServerEvent, this report), so nothing above it is stored yet. A conflict's check
      // per row was a quarter of the insert (5,000 events: ~35-47 ms against ~41-66 ms).
      if (!ahead && news.length) await insertEvents(tx, input.runId, news.length === events.length ? eventsJson : JSON.stringify(news));
      const inserted = news.map((e) => stored(input.runId, e));
      const materialized = await recordRunMaterializations(tx, inserted, effects, early);
      const evaluated = await recordRunCheckEvaluations(tx, input.runId, inserted);
      await foldSteps(tx, input.runId, inserted);
      const terminal = inserted.find((e) => terminalStatusOf(e.type));
      let status = run.status;
      let backfillId: string | null = null;
      let admitted: AdmittedRun[] = [];
      if (terminal) {
        status = terminalStatusOf(terminal.type)!;
        const failure = status === "FAILURE" ? runFailureOf(terminal.payload) : null;
        await tx.query(END_RUN, [
          input.runId,
          status,
          failure?.message ?? null,
          terminal.timestamp,
          inserted.at(-1)!.seq,
          failure?.code ?? null,
        ]);
        await settleUnfinishedSteps(tx, input.runId, status, terminal.timestamp);
        // Only a partitioned run holds partitions; the others skip the statement.
        if (run.partitioned) await settleRunPartitions(tx, input.runId, status as "SUCCESS" | "FAILURE" | "CANCELED");
        const settled = await settleBackfillRun(
          tx,
          { id: input.runId, backfillId: run.backfillId },
          status as "SUCCESS" | "FAILURE" | "CANCELED",
          input.admitUpTo ?? null,
        );
        backfillId = settled?.backfillId ?? null;
        admitted = settled?.admitted ?? [];
      } else {
        await tx.query(ADVANCE_RUN, [input.runId, inserted.at(-1)?.seq ?? 0, input.leaseSeconds]);
      }
      const lastSeq = Math.max(run.lastEventSeq, inserted.at(-1)?.seq ?? 0);
      return {
        result: { lastSeq, status, cancelRequested: status === "CANCELING" },
        stored: inserted.map(published),
        materialized,
        evaluated,
        status: status !== run.status ? status : null,
        backfillId,
        admitted,
      };
    });
  let effects = newIngestEffects();
  let outcome: Awaited<ReturnType<typeof store>>;
  try {
    outcome = await store(events.length >= AHEAD_MIN_EVENTS, effects);
  } catch (error) {
    if (!(error instanceof AheadRefused) && !aheadCollided(error)) throw error;
    effects = newIngestEffects();
    outcome = await store(false, effects);
  }
  onCommit?.(outcome);
  // A resend may follow a report whose commit went through but whose answer (and publication)
  // was lost with its connection or its server process: publish the stored events again, or a
  // watcher waiting for them (the run's last one above all) would wait forever. Subscribers
  // drop what they already have by seq.
  const freshSeqs = new Set(outcome.stored.map((e) => e.seq));
  const resent = new Set(events.filter((e) => !freshSeqs.has(e.seq)).map((e) => e.seq));
  const [first, last] = [Math.min(...resent), Math.max(...resent)];
  const again = resent.size ? (await readRunEvents(sql, input.runId, first - 1, last - first + 1)).filter((e) => resent.has(e.seq)) : [];
  if (again.length || outcome.stored.length) pubsub.publish("runEvents", input.runId, { events: [...again, ...outcome.stored] });
  for (const m of outcome.materialized) pubsub.publish("assetMaterialized", m);
  for (const e of outcome.evaluated) pubsub.publish("assetCheckEvaluated", e);
  publishFreshness(pubsub, effects.freshness, effects.freshnessRescheduled);
  publishSyncRefresh(pubsub, effects.syncQueued);
  if (outcome.status) pubsub.publish("runStatusChanged", { runId: input.runId, status: outcome.status });
  if (outcome.backfillId) pubsub.publish("backfillChanged", { backfillId: outcome.backfillId });
  // The backfill's next runs, admitted with this end: their location's workers claim them now.
  for (const next of outcome.admitted) {
    pubsub.publish("runStatusChanged", { runId: next.id, status: "STARTING" });
    pubsub.publish("runRequests", next.location, { kind: "RUN_AVAILABLE", runId: next.id });
  }
  return outcome.admitted.length ? { ...outcome.result, admittedRuns: outcome.admitted.length } : outcome.result;
}

type FreshEvent = ReturnType<typeof stored>;

/** An event just stored as subscribers receive it (its timestamp as ISO text), written out: a spread of it cost up to ~0.7 µs an event. */
function published(e: FreshEvent): StoredRunEvent {
  return {
    runId: e.runId,
    seq: e.seq,
    type: e.type,
    stepKey: e.stepKey,
    assetKey: e.assetKey,
    level: e.level,
    message: e.message,
    payload: e.payload,
    timestamp: isoOf(e.timestamp),
  };
}

/** How long a report whose events went in ahead of the lock waits for the run's lock before it is stored again lock first. */
const AHEAD_LOCK_TIMEOUT_MS = 500;

/**
 * The fewest events a report inserts ahead of the lock. Below it the insert takes under ~4 ms
 * (~8 µs an event) under the lock, no more than the early path's own statement and risk of
 * doing the work twice; a run of small steps reports small batches, and they go lock first.
 * @internal Exported for its tests.
 */
export const AHEAD_MIN_EVENTS = 500;

/** A report stored ahead of the lock turned out not to continue the run's log: it is stored again, lock first. */
class AheadRefused extends Error {}

/** The ahead insert met a seq already stored, or its wait for a lock timed out: store the report again, lock first. */
function aheadCollided(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "23505" || code === "55P03";
}

const INSERT_EVENTS = prepared(
  `INSERT INTO "RunEvent" ("runId", seq, type, "stepKey", "assetKey", level, message, payload, timestamp)
   SELECT $1, e.seq, e.type, e."stepKey", e."assetKey", COALESCE(upper(e.level), 'INFO'), e.message, e.payload, to_timestamp(e.timestamp / 1000.0)
   FROM json_to_recordset($2::json) AS e(seq int, type text, "stepKey" text, "assetKey" text, level text, message text, payload json, timestamp float8)`,
);

/**
 * Inserts a report's events, given as the JSON of their array. The batch and the payloads stay
 * json, text the database checks but does not convert (the column is json, not jsonb): 5,000
 * events took ~115-165 ms as jsonb rows, ~50-75 ms so.
 */
async function insertEvents(tx: Sql, runId: string, eventsJson: string): Promise<void> {
  await tx.query(INSERT_EVENTS, [runId, eventsJson]);
}

/**
 * New events must follow the stored ones without a gap, and nothing may follow the run's
 * terminal event: a hole would keep every watcher waiting for an event that never comes.
 * Refused, not held back: the worker still has what is missing and resends it.
 */
function checkSequence(runId: string, lastSeq: number, news: ReportedEvent[]): void {
  let expected = lastSeq + 1;
  for (const event of news) {
    if (event.seq !== expected) {
      throw new RunEventSequenceError(
        { runId, expectedSeq: expected },
        `Run ${runId} expects event seq ${expected} next, got ${event.seq}: report the events from seq ${expected} on, in order`,
      );
    }
    if (terminalStatusOf(event.type) && event !== news.at(-1)) {
      throw new RunEventSequenceError(
        { runId, expectedSeq: expected + 1 },
        `${event.type} (seq ${event.seq}) ends run ${runId}: no event may follow it`,
      );
    }
    expected++;
  }
}

/** The asset an event is about: a materialization's payload names it, other events may carry it. */
function assetOf(event: ReportedEvent): string | null {
  const payloadKey = event.type === "ASSET_MATERIALIZATION" ? (event.payload as { assetKey?: string } | null)?.assetKey : undefined;
  return payloadKey ?? event.assetKey ?? null;
}

/**
 * Events must fit the run's plan: its steps, and the assets it was launched to materialize (what
 * its steps may produce). A location's token may only report its own runs, and this keeps it to
 * what each run may do: no other location's asset, no step it was not asked to run.
 */
async function checkPlan(sql: Sql, tx: Sql, runId: string, news: ReportedEvent[]): Promise<void> {
  const concerned = news.filter((e) => e.stepKey || assetOf(e));
  if (!concerned.length) return;
  const { plan, steps, assets } = await runPlanSets(sql, tx, runId);
  for (const event of concerned) {
    if (event.stepKey && !steps.has(event.stepKey)) {
      throw new EventOutsidePlanError(
        { runId, seq: event.seq },
        `Event seq ${event.seq} (${event.type}) names step "${event.stepKey}", which is not in run ${runId}'s plan`,
      );
    }
    if (event.type === "ASSET_CHECK_EVALUATION") {
      const problem = evaluationOutsidePlan(plan, event);
      if (problem) throw new EventOutsidePlanError({ runId, seq: event.seq }, `Event seq ${event.seq} (${event.type}) ${problem}`);
      continue;
    }
    const asset = assetOf(event);
    if (asset && !assets.has(asset)) {
      throw new EventOutsidePlanError(
        { runId, seq: event.seq },
        `Event seq ${event.seq} (${event.type}) names asset "${asset}", which run ${runId} does not materialize`,
      );
    }
  }
}

/** A run's materialization events as recordMaterializations' inputs. */
function materializationInputs(events: readonly FreshEvent[]) {
  return events.map((e) => {
    const payload = (e.payload ?? {}) as {
      assetKey?: string;
      metadata?: Record<string, unknown>;
      dataVersion?: string | null;
      partition?: string | null;
    };
    return {
      assetKey: payload.assetKey ?? e.assetKey ?? "",
      metadata: payload.metadata ?? {},
      dataVersion: payload.dataVersion ?? null,
      partition: payload.partition ?? null,
      runId: e.runId,
      stepKey: e.stepKey,
      timestamp: e.timestamp,
    };
  });
}

/**
 * The report's materializations shaped before its transaction, or null when one of them is
 * refused: then they are shaped again under the lock, where the refusal comes in its usual
 * order (after the sequence and plan checks), and only for the events that are not resends.
 */
function shapedRows(materializing: readonly FreshEvent[]) {
  try {
    return materializationRows(materializationInputs(materializing));
  } catch {
    return null;
  }
}

/**
 * Stores the materializations among the fresh events. `early` holds all the report carried,
 * prepared before the lock: used when every one of them is fresh (no resend among them), as
 * nearly always.
 */
async function recordRunMaterializations(tx: Sql, events: FreshEvent[], effects: IngestEffects, early: PreparedMaterializations | null) {
  const materializations = events.filter((e) => e.type === "ASSET_MATERIALIZATION");
  if (!materializations.length) return [];
  const prepared =
    early && early.rows.length === materializations.length
      ? early
      : await prepareMaterializations(tx, materializationRows(materializationInputs(materializations)));
  const ids = await writeMaterializations(tx, prepared, effects);
  return ids.map((id, i) => ({ materializationId: id, assetKey: prepared.rows[i]!.asset_key }));
}

async function foldSteps(tx: Sql, runId: string, events: FreshEvent[]): Promise<void> {
  const steps = new Map<string, { status: string; attempts: number | null; started: Date | null; ended: Date | null; error: unknown }>();
  for (const event of events) {
    const status = STEP_STATUS[event.type];
    if (!status || !event.stepKey) continue;
    const step = steps.get(event.stepKey) ?? { status, attempts: null, started: null, ended: null, error: null };
    step.status = status;
    const payload = (event.payload ?? {}) as { retryNumber?: number; error?: unknown };
    if (typeof payload.retryNumber === "number") step.attempts = payload.retryNumber + 1;
    if (event.type === "STEP_START") step.started ??= event.timestamp;
    if (status === "SUCCESS" || status === "FAILURE" || status === "SKIPPED" || status === "CANCELED") step.ended = event.timestamp;
    if (status === "FAILURE" || status === "UP_FOR_RETRY") step.error = payload.error ?? null;
    steps.set(event.stepKey, step);
  }
  if (!steps.size) return;
  const rows = [...steps].map(([stepKey, s]) => ({
    step_key: stepKey,
    status: s.status,
    attempts: s.attempts,
    started: s.started?.toISOString() ?? null,
    ended: s.ended?.toISOString() ?? null,
    error: s.error,
  }));
  await tx.query(
    `INSERT INTO "RunStep" ("runId", "stepKey", status, attempts, "startedAt", "endedAt", error)
     SELECT $1, r.step_key, r.status::"StepStatus", COALESCE(r.attempts, 0), r.started, r.ended, r.error
     FROM jsonb_to_recordset($2::jsonb) AS r(step_key text, status text, attempts int, started timestamptz, ended timestamptz, error jsonb)
     ON CONFLICT ("runId", "stepKey") DO UPDATE SET
       status = EXCLUDED.status,
       attempts = COALESCE((SELECT x.attempts FROM jsonb_to_recordset($2::jsonb) AS x(step_key text, attempts int) WHERE x.step_key = EXCLUDED."stepKey"), "RunStep".attempts),
       "startedAt" = COALESCE("RunStep"."startedAt", EXCLUDED."startedAt"),
       "endedAt" = COALESCE(EXCLUDED."endedAt", "RunStep"."endedAt"),
       error = COALESCE(EXCLUDED.error, "RunStep".error)`,
    [runId, JSON.stringify(rows)],
  );
}

/**
 * A run's end settles the steps its events left unfinished: the executor names its never-started
 * steps in RUN_CANCELED / RUN_FAILURE rather than sending an event for each, and a worker that
 * failed outside any step (a resource that did not set up) leaves them as they were. Canceled:
 * every unfinished step CANCELED. Otherwise a step that never started was SKIPPED and one still
 * running or waiting to retry FAILED with the run (as endRunOnServer resolves them).
 */
async function settleUnfinishedSteps(tx: Sql, runId: string, status: string, endedAt: Date): Promise<void> {
  await tx.query(
    `UPDATE "RunStep" SET "endedAt" = COALESCE("endedAt", $3),
       status = (CASE WHEN $2 = 'CANCELED' THEN 'CANCELED' WHEN status = 'PENDING' THEN 'SKIPPED' ELSE 'FAILURE' END)::"StepStatus"
     WHERE "runId" = $1 AND status IN ('PENDING', 'RUNNING', 'UP_FOR_RETRY')`,
    [runId, status, endedAt],
  );
}
