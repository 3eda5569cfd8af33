import { Repeater } from "graphql-yoga";
import { builder } from "../builder.js";
import { requireScope } from "../auth/principal.js";
import { assertStillAuthorized } from "../auth/revocation.js";
import type { Context } from "../context.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import { guardSubscription } from "../pubsub/guarded-subscription.js";
import { readRunEvents, TERMINAL_EVENTS, type StoredRunEvent } from "../runs/run-events.js";

export const RunEventRef = builder.objectRef<StoredRunEvent>("RunEvent").implement({
  description: "One entry of a run's log. `seq` starts at 1 and grows by one per event of the run.",
  fields: (t) => ({
    runId: t.exposeString("runId"),
    seq: t.exposeInt("seq"),
    type: t.exposeString("type", {
      description:
        "RUN_START, STEP_START, STEP_RESTARTED, STEP_OUTPUT, ASSET_MATERIALIZATION, STEP_UP_FOR_RETRY, STEP_SUCCESS, STEP_FAILURE, STEP_CANCELED, STEP_SKIPPED, LOG, RUN_SUCCESS, RUN_FAILURE or RUN_CANCELED.",
    }),
    stepKey: t.exposeString("stepKey", { nullable: true }),
    assetKey: t.exposeString("assetKey", { nullable: true }),
    level: t.exposeString("level"),
    message: t.exposeString("message", { nullable: true }),
    payload: t.field({ type: "JSON", nullable: true, resolve: (e) => e.payload }),
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
 * The backlog after `after`, then live events, with no gap and no duplicate: it listens (and,
 * with Redis, has the subscription confirmed) before it reads the backlog, skips what it has
 * already delivered, and fills any hole from the database. Ends after the run's terminal event.
 */
function runEventStream(ctx: Context, runId: string, after: number): AsyncIterable<StoredRunEvent> {
  return new Repeater<StoredRunEvent>(async (push, stop) => {
    const live = await ctx.pubsub.listen("runEvents", runId);
    stop.then(() => live.return?.());
    let last = after;
    let ended = false;
    const deliverOne = async (event: StoredRunEvent) => {
      last = event.seq;
      await push(event);
      if (TERMINAL_EVENTS.has(event.type)) ended = true;
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
      for (;;) {
        const page = await readRunEvents(ctx.db.sql, runId, last, PAGE);
        await deliver(page);
        if (page.length < PAGE) break;
      }
      // A reader resuming after the terminal event has nothing left to wait for.
      if (!ended) {
        const [run] = await ctx.db.sql.query<{ status: string; lastEventSeq: number }>(`SELECT status, "lastEventSeq" FROM "Run" WHERE id = $1`, [runId]);
        if (run && ["SUCCESS", "FAILURE", "CANCELED"].includes(run.status) && run.lastEventSeq <= last) ended = true;
      }
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
      const exists = await ctx.db.prisma.run.findUnique({ where: { id: runId }, select: { id: true } }).catch(() => null);
      if (!exists) throw new NotFoundError("run", runId);
      return guardSubscription(ctx, runEventStream(ctx, runId, args.after ?? 0), { checksToken: true });
    },
    resolve: (event) => event,
  }),
}));
