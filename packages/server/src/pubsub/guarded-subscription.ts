import { filter, pipe, Repeater } from "graphql-yoga";
import { requireScope } from "../auth/principal.js";
import { assertStillAuthorized } from "../auth/revocation.js";
import type { Context } from "../context.js";
import type { StrataEvents } from "./pubsub.js";

type ChangeTopic = "codeLocationChanged" | "runStatusChanged" | "backfillChanged" | "tickCompleted";
type ChangeOf<T extends ChangeTopic> = StrataEvents[T][0];

/**
 * A change topic's events that `keep` accepts (all without it), for a subscriber with the read
 * scope, guarded as every subscription is: what the run status, backfill, tick and code location
 * subscriptions stream. The scope is checked before subscribing, so a refusal is an error result.
 */
export function readChanges<T extends ChangeTopic>(
  ctx: Context,
  topic: T,
  keep: (change: ChangeOf<T>) => boolean = () => true,
): AsyncIterableIterator<ChangeOf<T>> {
  requireScope(ctx.principal, "read");
  // Every change topic is subscribed to without an id; TypeScript cannot see that through T.
  const pubsub = ctx.pubsub as unknown as { subscribe(topic: T): AsyncIterable<ChangeOf<T>> };
  const changes = pubsub.subscribe(topic);
  return guardSubscription(ctx, pipe(changes, filter(keep)));
}

/**
 * What every subscription resolver returns: `source`, counted against the token's budget of open
 * subscriptions, and ended with UNAUTHENTICATED before the first event that arrives after its
 * token was revoked or expired. Done on the async iterator, not in a transport, so SSE and
 * WebSocket clients are held to the same rules.
 */
export function guardSubscription<T>(
  ctx: Context,
  source: AsyncIterable<T>,
  /** The source checks the token itself, per batch rather than per event (runEvents' backlog). */
  options: { checksToken?: boolean } = {},
): AsyncIterableIterator<T> {
  const principal = ctx.principal;
  const release = principal.kind === "token" ? ctx.pubsub.budget.acquire(principal.id, principal.name) : () => {};
  let started = false;
  const guarded = new Repeater<T>(async (push, stop) => {
    started = true;
    const events = source[Symbol.asyncIterator]();
    const stopped = stop.then(() => ({ done: true, value: undefined }) as const);
    try {
      for (;;) {
        const next = await Promise.race([events.next(), stopped]);
        if (next.done) break;
        if (!options.checksToken) await assertStillAuthorized(ctx.db.sql, principal);
        await push(next.value);
      }
    } finally {
      release();
      await events.return?.();
      stop();
    }
  });
  // A stream returned before its first `next()` never runs the executor above: give the slot
  // back here too, and end the source (runEvents' listens from the start).
  return {
    next: () => guarded.next(),
    return: async (value?: unknown) => {
      release();
      if (!started) await source[Symbol.asyncIterator]().return?.();
      return guarded.return(value as T);
    },
    throw: (error?: unknown) => guarded.throw(error),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
