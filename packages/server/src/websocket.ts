import type { IncomingMessage, Server } from "node:http";
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Logger } from "./logger.js";
import type { StrataYoga } from "./yoga.js";

export interface WebSocketEndpoint {
  /** Closes every socket ("going away", so clients reconnect elsewhere), then the endpoint. */
  close(): Promise<void>;
}

/** What the executor gets back from `yoga.getEnveloped`, carried to `execute`/`subscribe`. */
interface EnvelopedRoot {
  execute(args: ExecutionArgs): unknown;
  subscribe(args: ExecutionArgs): unknown;
}

/**
 * Serves the `graphql-transport-ws` protocol (graphql-ws) on the HTTP server's GraphQL path,
 * through the same yoga app as HTTP and SSE: the same schema, plugins (limits, error masking)
 * and context, so a subscription resumes with `after` exactly as over SSE. This is yoga's
 * documented `onSubscribe` → `getEnveloped` recipe.
 *
 * The token travels in the `connection_init` payload (`{ authorization: "Bearer <token>" }` or
 * `{ token: "<token>" }`), since browsers cannot set headers on a WebSocket; an `Authorization`
 * header on the upgrade request is used when the payload has neither. A token that is refused
 * closes the socket with 4403 and the reason; every operation is then authenticated again, as
 * every HTTP request is, so a token revoked later stops working for new operations.
 */
export function serveWebSocket(options: {
  http: Server;
  yoga: StrataYoga;
  path: string;
  logger: Logger;
  checkAuthorization(header: string | null): Promise<unknown>;
}): WebSocketEndpoint {
  const { yoga, logger } = options;
  const wss = new WebSocketServer({ server: options.http, path: options.path });
  const requestOf = (request: IncomingMessage, params: Record<string, unknown> | undefined) => {
    const headers = new yoga.fetchAPI.Headers();
    const authorization = authorizationOf(params, request);
    if (authorization) headers.set("authorization", authorization);
    const requestId = request.headers["x-request-id"];
    if (typeof requestId === "string") headers.set("x-request-id", requestId);
    return new yoga.fetchAPI.Request(`http://${request.headers.host ?? "localhost"}${request.url ?? options.path}`, { headers });
  };

  const disposable = useServer<Record<string, unknown> | undefined>(
    {
      onConnect: async (ctx) => {
        try {
          await options.checkAuthorization(authorizationOf(ctx.connectionParams, ctx.extra.request));
          return true;
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          // A close reason is at most 123 bytes.
          ctx.extra.socket.close(CloseCode.Forbidden, Buffer.from(error.message).subarray(0, 123).toString());
          return false;
        }
      },
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: async (args) => {
        const result = (await (args.rootValue as EnvelopedRoot).subscribe(args)) as ExecutionResult | AsyncIterable<ExecutionResult>;
        return (Symbol.asyncIterator in result ? endingWithError(result, logger) : result) as never;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const request = requestOf(ctx.extra.request, ctx.connectionParams);
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          request,
          params: payload,
        } as never);
        try {
          const document = parse(payload.query);
          const errors = validate(schema, document);
          if (errors.length > 0) return errors;
          return {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe } satisfies EnvelopedRoot,
          };
        } catch (error) {
          // Parse errors, limits enforced while parsing, a token refused: the client's to fix.
          if (error instanceof GraphQLError) return [error];
          logger.error("unexpected error starting a WebSocket operation", { error });
          return [new GraphQLError("Unexpected error.", { extensions: { code: "INTERNAL_SERVER_ERROR" } })];
        }
      },
    },
    wss,
  );

  return {
    async close() {
      // dispose() waits for each client's close handshake; a client that never answers must not
      // hold the server's shutdown, so whatever is left after a moment is cut.
      const cut = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, 1_000);
      try {
        await disposable.dispose();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}

/**
 * A stream that fails mid-way (its token revoked, say) ends with one result carrying the error,
 * as yoga's SSE does. graphql-ws would send a bare message instead, without `extensions.code`.
 */
async function* endingWithError(results: AsyncIterable<ExecutionResult>, logger: Logger): AsyncGenerator<ExecutionResult> {
  try {
    yield* results;
  } catch (error) {
    if (error instanceof GraphQLError) {
      yield { errors: [error] };
      return;
    }
    logger.error("unexpected error in a WebSocket subscription", { error });
    yield { errors: [new GraphQLError("Unexpected error.", { extensions: { code: "INTERNAL_SERVER_ERROR" } })] };
  }
}

function authorizationOf(params: Record<string, unknown> | undefined | null, request: IncomingMessage): string | null {
  const authorization = params?.authorization ?? params?.Authorization;
  if (typeof authorization === "string") return authorization;
  if (typeof params?.token === "string") return `Bearer ${params.token}`;
  return request.headers.authorization ?? null;
}
