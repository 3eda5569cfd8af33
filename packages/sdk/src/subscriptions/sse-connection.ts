import { print, type DocumentNode } from "graphql";
import { describeNetworkError, errorFromGraphQLErrors, type WireGraphQLError } from "../error-mapping.js";
import { StrataRequestError } from "../errors.js";

/** Where and how to send requests: the client's URL, headers and fetch. */
export interface Endpoint {
  url: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
}

export interface SseRequest {
  document: DocumentNode;
  variables: Record<string, unknown>;
}

export interface SseConnectionOptions {
  signal: AbortSignal;
  idleTimeoutMs: number;
  /** Called once the server has accepted the subscription and started streaming. */
  onOpen(): void;
}

interface ExecutionResultWire {
  data?: unknown;
  errors?: WireGraphQLError[];
}

/**
 * One subscription over one HTTP connection, in the GraphQL-over-SSE protocol's "distinct
 * connections" mode that graphql-yoga serves at its GraphQL endpoint: POST the operation with
 * `Accept: text/event-stream`, then read `next` events (each an execution result) until
 * `complete`. Yields each result's `data`.
 *
 * Throws a `StrataRequestError` (retryable) when the connection fails, drops, or goes quiet
 * for longer than `idleTimeoutMs`, and the typed error when the server answers with GraphQL
 * errors (a refused token or argument, which retrying would not fix). Returns quietly when the
 * server completes the stream or `signal` aborts.
 */
export async function* openSseConnection(
  endpoint: Endpoint,
  request: SseRequest,
  options: SseConnectionOptions,
): AsyncGenerator<unknown, void, undefined> {
  const { url } = endpoint;
  let response: Response;
  try {
    response = await endpoint.fetch(url, {
      method: "POST",
      headers: { ...endpoint.headers, "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: print(request.document), variables: request.variables }),
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal.aborted) return;
    throw new StrataRequestError(describeNetworkError(error as Error), url, null, { cause: error });
  }
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream") || !response.body) {
    throw await refusal(response, url);
  }

  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let opened = false;
  try {
    for (;;) {
      const chunk = await readWithin(reader, options.idleTimeoutMs, url, response.status).catch((error: unknown) => {
        if (options.signal.aborted) return null;
        throw error instanceof StrataRequestError
          ? error
          : new StrataRequestError(describeNetworkError(error as Error), url, response.status, { cause: error });
      });
      if (chunk === null) return;
      if (chunk.done) throw new StrataRequestError("the server closed the subscription's connection", url, response.status);
      if (!opened) {
        opened = true;
        options.onOpen();
      }
      buffer += chunk.value.replace(/\r\n?/g, "\n");
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (frame.event === "complete") return;
        if (frame.event !== "next" || frame.data === "") continue;
        const result = JSON.parse(frame.data) as ExecutionResultWire;
        if (result.errors?.length) throw errorFromGraphQLErrors(result.errors, url, response.status);
        yield result.data;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** The error for a response that is not an event stream: the server refused the request. */
async function refusal(response: Response, url: string): Promise<Error> {
  const text = await response.text().catch(() => "");
  let body: ExecutionResultWire | undefined;
  try {
    body = JSON.parse(text) as ExecutionResultWire;
  } catch {
    body = undefined;
  }
  if (body?.errors?.length) return errorFromGraphQLErrors(body.errors, url, response.status);
  return new StrataRequestError(`the server answered HTTP ${response.status} instead of an event stream`, url, response.status);
}

async function readWithin(
  reader: ReadableStreamDefaultReader<string>,
  timeoutMs: number,
  url: string,
  status: number,
): Promise<Awaited<ReturnType<ReadableStreamDefaultReader<string>["read"]>>> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StrataRequestError(`no data from the server for ${timeoutMs} ms`, url, status)), timeoutMs);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}

/** One SSE frame's `event` and `data` fields; comment lines (the server's pings) are skipped. */
function parseFrame(frame: string): { event: string; data: string } {
  let event = "message";
  const data: string[] = [];
  for (const line of frame.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return { event, data: data.join("\n") };
}
