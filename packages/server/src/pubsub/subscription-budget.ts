import { TooManySubscriptionsError } from "../errors.js";

export const DEFAULT_MAX_SUBSCRIPTIONS_PER_TOKEN = 100;

/**
 * How many subscriptions each token holds open on this server process. Each one keeps a
 * connection, a listener and, on PostgreSQL, queries on every event; a limit keeps one token
 * (a leaked script, a stolen secret) from taking them all.
 */
export class SubscriptionBudget {
  private readonly open = new Map<string, number>();
  constructor(readonly limit: number) {}

  /** Takes a slot for `tokenId`, or throws; the returned function gives it back (once). */
  acquire(tokenId: string, tokenName: string): () => void {
    const held = this.open.get(tokenId) ?? 0;
    if (held >= this.limit) throw new TooManySubscriptionsError(tokenName, this.limit);
    this.open.set(tokenId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(tokenId) ?? 1) - 1;
      if (left > 0) this.open.set(tokenId, left);
      else this.open.delete(tokenId);
    };
  }
}
