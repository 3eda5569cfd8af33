import type { DocumentNode } from "graphql";
import { GraphQLClient } from "graphql-request";
import { errorFromRequestFailure } from "./error-mapping.js";
import { getSdk, type Sdk } from "./generated/graphql.js";
import { gzipText } from "./gzip-text.js";
import type { ReconnectOptions } from "./subscriptions/backoff.js";
import { type StrataSubscription, type SubscribeOptions, subscription } from "./subscriptions/reconnecting-subscription.js";
import type { Endpoint } from "./subscriptions/sse-connection.js";

/**
 * Options of {@link createClient}.
 *
 * @example
 * ```ts
 * const options: ClientOptions = { url: "https://strata.example.com/graphql", token: process.env.STRATA_TOKEN };
 * ```
 */
export interface ClientOptions {
  /** The server's GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** An API token (`strata token create`); sent as `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
  /** Extra headers sent with every request, e.g. `x-request-id`. */
  headers?: Record<string, string>;
  /** Defaults for how subscriptions reconnect; each subscription call may override them. */
  reconnect?: ReconnectOptions;
}

/** What every group of client methods works with. @internal */
export interface ClientConnection {
  /** The generated operations; each call returns data or throws a `StrataError`. */
  sdk: Sdk;
  endpoint: Endpoint;
  reconnect: ReconnectOptions;
  /**
   * A subscription over SSE reconnecting with the client's defaults (`options` override them),
   * each event `select`ed from the operation's data (`TData`, the generated subscription type).
   */
  subscribe<TData, TEvent>(
    document: DocumentNode,
    variables: Record<string, unknown>,
    select: (data: TData) => TEvent,
    options: SubscribeOptions,
  ): StrataSubscription<TEvent>;
  /**
   * {@link subscribe}, each event the operation's root field: a subscription selects exactly one
   * (TData, the generated subscription type, has that one key).
   */
  subscribeRoot<TData>(
    document: DocumentNode,
    variables: Record<string, unknown>,
    options: SubscribeOptions,
  ): StrataSubscription<TData[keyof TData]>;
}

/**
 * Request bodies above this size travel gzipped (`Content-Encoding: gzip`): a 10,000-asset
 * manifest is ~8 MB of JSON and a few hundred KB compressed, and the server's body limit
 * (25 MB by default) holds the compressed size. Smaller requests are not worth the CPU.
 */
export const COMPRESS_BODIES_ABOVE = 1_000_000;

/** `fetchImpl`, sending string bodies above COMPRESS_BODIES_ABOVE characters gzipped. */
function compressingFetch(fetchImpl: typeof fetch): typeof fetch {
  return async (input, init) => {
    const body = init?.body;
    if (typeof body !== "string" || body.length <= COMPRESS_BODIES_ABOVE || typeof CompressionStream === "undefined") {
      return fetchImpl(input, init);
    }
    const headers = new Headers(init?.headers);
    headers.set("content-encoding", "gzip");
    return fetchImpl(input, { ...init, headers, body: await gzipText(body) });
  };
}

/**
 * A variable's value already written as JSON: the request carries `text` as it is (a manifest's
 * canonical text, ~85 MB for 100,000 assets, which JSON.stringify would write again). Only as a
 * variable's whole value. @internal
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/**
 * graphql-request's serializer. A request with JsonText variables is written with a placeholder
 * string in place of each (a NUL and a random nonce; checked to stand exactly once), then each
 * text is put where its placeholder stands. Any other request is JSON.stringify's, unchanged.
 */
const requestJson = {
  parse: JSON.parse,
  stringify(value: unknown): string {
    const variables = (value as { variables?: Record<string, unknown> } | null)?.variables;
    const texts = Object.entries(variables ?? {}).filter((entry): entry is [string, JsonText] => entry[1] instanceof JsonText);
    if (texts.length === 0) return JSON.stringify(value);
    const nonce = `\u0000${Math.random().toString(36).slice(2)}`;
    const placeholders = texts.map(([name]) => `${nonce}:${name}`);
    const written = JSON.stringify({
      ...(value as object),
      variables: { ...variables, ...Object.fromEntries(texts.map(([name], i) => [name, placeholders[i]])) },
    });
    const spots = texts
      .map(([name, { text }], i) => {
        const placeholder = JSON.stringify(placeholders[i]);
        const at = written.indexOf(placeholder);
        if (at < 0 || written.indexOf(placeholder, at + 1) >= 0) throw new Error(`the request's variable ${name} could not be written`);
        return { at, end: at + placeholder.length, text };
      })
      .sort((x, y) => x.at - y.at);
    let body = "";
    let from = 0;
    for (const spot of spots) {
      body += written.slice(from, spot.at) + spot.text;
      from = spot.end;
    }
    return body + written.slice(from);
  },
};

export function createConnection(options: ClientOptions): ClientConnection {
  const headers = { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const graphql = new GraphQLClient(options.url, { fetch: compressingFetch(fetchImpl), headers, jsonSerializer: requestJson });
  const sdk = getSdk(graphql, async (action) => {
    try {
      return await action();
    } catch (error) {
      throw errorFromRequestFailure(error, options.url);
    }
  });
  const endpoint = { url: options.url, headers, fetch: fetchImpl };
  const reconnect = options.reconnect ?? {};
  const subscribe: ClientConnection["subscribe"] = (document, variables, select, subscribeOptions) =>
    // The server's data for this document is TData: the generated type of the same operation.
    subscription(endpoint, { document, variables, select: (data) => select(data as never) }, { ...reconnect, ...subscribeOptions });
  return {
    sdk,
    endpoint,
    reconnect,
    subscribe,
    subscribeRoot: <TData>(document: DocumentNode, variables: Record<string, unknown>, subscribeOptions: SubscribeOptions) =>
      subscribe(document, variables, (data: TData) => Object.values(data as object)[0] as TData[keyof TData], subscribeOptions),
  };
}
