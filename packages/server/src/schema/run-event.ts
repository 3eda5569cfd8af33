import { isTerminalRunStatus, RUN_EVENT_TYPES, terminalStatusOf, type RunEventType } from "@strata/protocol";
import { Repeater } from "graphql-yoga";
import { builder } from "../builder.js";
import { requireScope } from "../auth/principal.js";
import { assertStillAuthorized } from "../auth/revocation.js";
import type { Context } from "../context.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import { guardSubscription } from "../pubsub/guarded-subscription.js";
import { readRunEvents, readRunLogStart, type RunLogStart, type StoredRunEvent } from "../runs/run-events.js";

const EVENT_TYPE_DESCRIPTIONS: Record<RunEventType, string> = {
  RUN_START: "The worker started the run: its steps, its assets, and for a re-execution the parent run and the outputs it reuses.",
  RUN_SUCCESS: "The run ended: every selected step succeeded.",
  RUN_FAILURE:
    "The run ended: why in reason (STEP_FAILURE, BLOCKING_CHECK_FAILED, RUN_ERROR, START_TIMEOUT, WORKER_LOST); failed steps (failedSteps) and checks (failedChecks), and what was skipped (skippedSteps).",
  RUN_CANCELED: "The run ended: it was terminated; notStartedSteps never ran.",
  STEP_START: "A step's attempt began (retryNumber 0 for the first).",
  STEP_RESTARTED: "A step began again after a retry wait.",
  STEP_OUTPUT: "A step produced an output (stored by its IO manager).",
  ASSET_MATERIALIZATION: "An asset was materialized, with its metadata and data version.",
  STEP_UP_FOR_RETRY: "A step's attempt failed and will be retried after delayMs.",
  STEP_SUCCESS: "A step succeeded.",
  STEP_FAILURE: "A step failed for good (retries exhausted).",
  STEP_CANCELED: "A step was stopped by the run's cancellation.",
  STEP_SKIPPED:
    "A step did not run: an upstream failed, an optional output was not produced, or a blocking check of an asset it reads failed (blockedBy).",
  ASSET_CHECK_EVALUATION:
    "An asset check's result: passed or failed with severity WARN or ERROR, its metadata; executionFailed when its function threw.",
  LOG: "A line logged by user code or the executor.",
};

export const RunEventTypeEnum = builder.enumType("RunEventType", {
  description: "What a run event records; its `payload` has the shape this type defines.",
  values: Object.fromEntries(RUN_EVENT_TYPES.map((type) => [type, { description: EVENT_TYPE_DESCRIPTIONS[type] }])) as Record<
    RunEventType,
    { description: string }
  >,
});

export const RunEventRef = builder.objectRef<StoredRunEvent>("RunEvent").implement({
  description: "One entry of a run's log. `seq` starts at 1 and grows by one per event of the run.",
  fields: (t) => ({
    runId: t.exposeString("runId"),
    seq: t.exposeInt("seq"),
    type: t.field({ type: RunEventTypeEnum, resolve: (e) => e.type }),
    stepKey: t.exposeString("stepKey", { nullable: true }),
    assetKey: t.exposeString("assetKey", { nullable: true }),
    level: t.exposeString("level"),
    message: t.exposeString("message", { nullable: true }),
    payload: t.field({ type: "RunEventPayload", resolve: (e) => e.payload }),
    timestamp: t.field({ type: "DateTime", resolve: (e) => e.timestamp }),
  }),
});

const PAGE = 1000;

/**
 * How long a stream waits on pub/sub before it looks in the database itself. A message can be
 * lost on the way (Redis reconnecting, a subscriber too far behind, a server dying between
 * commit and publish); without this, losing a run's last event would leave its watchers
 * waiting forever.
 */
export const RESYNC_MS = 15_000;

/**
 * The backlog after `after`, then live events, with no gap and no duplicate: it listens (`live`;
 * with Redis, the subscription confirmed) before the backlog's first page is read (`opening`;
 * when this server published the log's first events, those go out before the read), skips what
 * it has already delivered, and fills any hole from the database. Ends after the run's terminal
 * event. Returning it, started or not, stops listening.
 */
function runEventStream(
  ctx: Context,
  runId: string,
  after: number,
  live: AsyncIterator<{ events: StoredRunEvent[] }>,
  /** The backlog's start as read (`read`), or the events this server published (`published`), the backlog read after them. */
  opening: { read: RunLogStart } | { published: StoredRunEvent[] },
): AsyncIterableIterator<StoredRunEvent> {
  const stream = new Repeater<StoredRunEvent>(async (push, stop) => {
    stop.then(() => live.return?.());
    let last = after;
    let ended = false;
    const deliverOne = async (event: StoredRunEvent) => {
      last = event.seq;
      await push(event);
      if (terminalStatusOf(event.type)) ended = true;
    };
    // A revoked token ends the stream before its next batch (a backlog page, a report).
    const deliver = async (events: StoredRunEvent[]) => {
      if (events.some((e) => e.seq > last)) await assertStillAuthorized(ctx.db.sql, ctx.principal);
      for (const event of events) {
        if (event.seq <= last) continue;
        if (event.seq > last + 1) {
          const missing = (await readRunEvents(ctx.db.sql, runId, last, event.seq - last - 1)).filter((e) => e.seq < event.seq);
          for (const m of missing) await deliverOne(m);
        }
        if (event.seq === last + 1) await deliverOne(event);
      }
    };
    try {
      let start: RunLogStart | null;
      if ("read" in opening) start = opening.read;
      else {
        await deliver(opening.published);
        start = await readRunLogStart(ctx.db.sql, runId, last, PAGE);
        // The run was deleted meanwhile: nothing more will come.
        if (!start) return;
      }
      await deliver(start.events);
      let run: { status: string; lastEventSeq: number } | undefined = start;
      if (start.events.length === PAGE) {
        for (;;) {
          const page = await readRunEvents(ctx.db.sql, runId, last, PAGE);
          await deliver(page);
          if (page.length < PAGE) break;
        }
        [run] = await ctx.db.sql.query<{ status: string; lastEventSeq: number }>(`SELECT status, "lastEventSeq" FROM "Run" WHERE id = $1`, [
          runId,
        ]);
      }
      // A reader resuming after the terminal event has nothing left to wait for.
      if (!ended && run && isTerminalRunStatus(run.status) && run.lastEventSeq <= last) ended = true;
      // One pending next() at a time: a second would take the message meant for the first.
      let pending: ReturnType<typeof live.next> | null = null;
      while (!ended) {
        pending ??= live.next();
        let timer: NodeJS.Timeout | undefined;
        const resync = new Promise<"resync">((resolve) => (timer = setTimeout(() => resolve("resync"), RESYNC_MS)));
        const next = await Promise.race([pending, stop.then(() => null), resync]);
        clearTimeout(timer);
        if (next === "resync") {
          await deliver(await readRunEvents(ctx.db.sql, runId, last, PAGE));
          continue;
        }
        pending = null;
        if (!next || next.done) break;
        await deliver(next.value.events);
      }
    } finally {
      await live.return?.();
      stop();
    }
  });
  return {
    next: () => stream.next(),
    return: async (value?: unknown) => {
      await live.return?.();
      return stream.return(value as StoredRunEvent);
    },
    throw: (error?: unknown) => stream.throw(error),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

builder.subscriptionFields((t) => ({
  runEvents: t.field({
    type: RunEventRef,
    description:
      "A run's events with seq > `after`: first those already stored, then live ones as they are reported, each exactly once and in order. Ends after the run's last event. Resume after a disconnect with `after` = the last seq received.",
    args: { runId: t.arg.id({ required: true }), after: t.arg.int({ defaultValue: 0 }) },
    subscribe: async (_root, args, ctx) => {
      requireScope(ctx.principal, "read");
      const runId = String(args.runId);
      if ((args.after ?? 0) < 0) throw new InvalidArgumentError("after", "must be 0 or more");
      const after = args.after ?? 0;
      // Listening first, then the run and its backlog's first page in one statement: an event
      // stored in between is both read and heard (and delivered once). A run this server just
      // published the first events of (its claim, which publishes RUN_START, a launch handed to a
      // waiting worker included; its reports) streams those at once, the read following them.
      const live = await ctx.pubsub.listen("runEvents", runId);
      try {
        const published = ctx.pubsub.recentRunEvents.after(runId, after);
        const start = published.length ? null : await readRunLogStart(ctx.db.sql, runId, after, PAGE);
        if (!published.length && !start) throw new NotFoundError("run", runId);
        const opening = start ? { read: start } : { published };
        return guardSubscription(ctx, runEventStream(ctx, runId, after, live, opening), { checksToken: true });
      } catch (error) {
        await live.return?.();
        throw error;
      }
    },
    resolve: (event) => event,
  }),
}));
