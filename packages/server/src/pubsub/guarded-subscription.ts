import { Repeater } from "graphql-yoga";
import { assertStillAuthorized } from "../auth/revocation.js";
import type { Context } from "../context.js";

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
  const guarded = new Repeater<T>(async (push, stop) => {
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
  // A stream returned before its first `next()` never runs the executor above: give the slot back here too.
  return {
    next: () => guarded.next(),
    return: (value?: unknown) => {
      release();
      return guarded.return(value as T);
    },
    throw: (error?: unknown) => guarded.throw(error),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
