import type { DocumentNode } from "graphql";
import { isRetryable, type StrataError } from "../errors.js";
import { backoffDelay, DEFAULT_RECONNECT, sleep, type ReconnectOptions } from "./backoff.js";
import { openSseConnection, type Endpoint } from "./sse-connection.js";

/**
 * What a subscription reports about its connection, for logs and progress displays.
 *
 * @example
 * ```ts
 * client.codeLocationChanged({ onStatus: (s: SubscriptionStatus) => s.state === "reconnecting" && console.warn(`retry ${s.attempt} in ${s.delayMs} ms`) });
 * ```
 */
export type SubscriptionStatus = { state: "connected" } | { state: "reconnecting"; attempt: number; delayMs: number; error: StrataError };

/**
 * Options of every subscription method.
 *
 * @example
 * ```ts
 * const abort = new AbortController();
 * client.codeLocationChanged({ signal: abort.signal, onStatus: (s) => console.log(s.state) });
 * ```
 */
export interface SubscribeOptions extends ReconnectOptions {
  /** Ends the subscription: the iterator finishes. */
  signal?: AbortSignal;
  onStatus?(status: SubscriptionStatus): void;
}

/**
 * A live subscription: an async iterator of events that reconnects by itself. Leaving a
 * `for await` loop (`break`, `return`, an exception) closes the connection, as does `close()`
 * from anywhere, even while a `next()` is waiting.
 *
 * @example
 * ```ts
 * const subscription: StrataSubscription<Materialization> = client.assetMaterialized();
 * setTimeout(() => void subscription.close(), 60_000);
 * for await (const m of subscription) console.log(m.assetKey);
 * ```
 */
export interface StrataSubscription<T> extends AsyncIterableIterator<T> {
  return(): Promise<IteratorResult<T, undefined>>;
  /** Closes the connection; a pending `next()` resolves as done. */
  close(): Promise<void>;
}

/** A subscription operation and how to read its events out of each result's data. */
export interface SubscriptionSpec<TEvent> {
  document: DocumentNode;
  variables: Record<string, unknown>;
  select(data: unknown): TEvent;
}

/**
 * A subscription operation whose events carry a strictly increasing cursor (e.g. a run event's
 * `seq`) and whose server replays the events after a given cursor before streaming live ones.
 */
export interface ResumableSubscriptionSpec<TEvent> {
  document: DocumentNode;
  /** The variables for a connection that resumes after `cursor` (null: from the start). */
  variables(cursor: number | null): Record<string, unknown>;
  select(data: unknown): TEvent;
  cursorOf(event: TEvent): number;
  /** Deliver only events after this cursor. */
  after?: number | null;
}

/**
 * Subscribes over SSE and reconnects with backoff when the connection fails or drops. Events
 * published while disconnected are not seen: for a stream that must not lose any, use
 * {@link resumableSubscription}.
 */
export function subscription<TEvent>(
  endpoint: Endpoint,
  spec: SubscriptionSpec<TEvent>,
  options: SubscribeOptions = {},
): StrataSubscription<TEvent> {
  return reconnecting(options, async function* (signal, onOpen, idleTimeoutMs) {
    for await (const data of openSseConnection(endpoint, spec, { signal, onOpen, idleTimeoutMs })) yield spec.select(data);
  });
}

/**
 * Subscribes over SSE and, after a dropped connection, resumes after the last event delivered:
 * each new connection asks for the events after that cursor, and any event at or before it
 * (a replay overlapping what was already seen) is skipped. So, as long as the server replays
 * from its store, the iterator delivers every event exactly once, in order, across restarts.
 */
export function resumableSubscription<TEvent>(
  endpoint: Endpoint,
  spec: ResumableSubscriptionSpec<TEvent>,
  options: SubscribeOptions = {},
): StrataSubscription<TEvent> {
  let cursor = spec.after ?? null;
  return reconnecting(options, async function* (signal, onOpen, idleTimeoutMs) {
    const request = { document: spec.document, variables: spec.variables(cursor) };
    for await (const data of openSseConnection(endpoint, request, { signal, onOpen, idleTimeoutMs })) {
      const event = spec.select(data);
      const position = spec.cursorOf(event);
      if (cursor !== null && position <= cursor) continue;
      cursor = position;
      yield event;
    }
  });
}

type Connect<T> = (signal: AbortSignal, onOpen: () => void, idleTimeoutMs: number) => AsyncIterable<T>;

function reconnecting<T>(options: SubscribeOptions, connect: Connect<T>): StrataSubscription<T> {
  const settings = { ...DEFAULT_RECONNECT, ...definedOnly(options) };
  const abort = new AbortController();
  const external = options.signal;
  const onExternalAbort = () => abort.abort();
  if (external?.aborted) abort.abort();
  external?.addEventListener("abort", onExternalAbort, { once: true });

  async function* run(): AsyncGenerator<T, undefined, undefined> {
    let attempt = 0;
    const onOpen = () => {
      attempt = 0;
      options.onStatus?.({ state: "connected" });
    };
    try {
      while (!abort.signal.aborted) {
        try {
          for await (const event of connect(abort.signal, onOpen, settings.idleTimeoutMs)) yield event;
          return undefined; // the server completed the subscription
        } catch (error) {
          if (abort.signal.aborted) return undefined;
          if (!isRetryable(error) || ++attempt > settings.maxAttempts) throw error;
          const delayMs = backoffDelay(attempt, settings);
          options.onStatus?.({ state: "reconnecting", attempt, delayMs, error: error as StrataError });
          await sleep(delayMs, abort.signal);
        }
      }
      return undefined;
    } finally {
      external?.removeEventListener("abort", onExternalAbort);
    }
  }

  const generator = run();
  const iterator: StrataSubscription<T> = {
    next: () => generator.next(),
    // Abort first: a generator's return() waits behind a pending next(), which only the abort ends.
    return: () => {
      abort.abort();
      return generator.return(undefined);
    },
    throw: (error?: unknown) => {
      abort.abort();
      return generator.throw(error);
    },
    close: async () => {
      await iterator.return();
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

function definedOnly(options: SubscribeOptions): Partial<Required<SubscribeOptions>> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
