import { randomUUID } from "node:crypto";
import type { Plugin } from "graphql-yoga";
import { withLogFields } from "./logger.js";

export const REQUEST_ID_HEADER = "x-request-id";

/** What an incoming `x-request-id` may look like to be kept (a proxy's id, a UUID): no spaces, no control characters. */
const SANE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

const ids = new WeakMap<Request, string>();

/** The request's id: the client's (or proxy's) `x-request-id` when sane, else a fresh UUID. */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (id === undefined) {
    const given = request.headers.get(REQUEST_ID_HEADER);
    id = given !== null && SANE.test(given) ? given : randomUUID();
    ids.set(request, id);
  }
  return id;
}

/**
 * Gives each HTTP request an id, logged on every line the request writes (the whole request
 * runs inside {@link withLogFields}) and returned as the `x-request-id` response header, so an
 * operator finds the server's lines from what a client saw.
 */
export function useRequestId(): Plugin {
  return {
    instrumentation: {
      request: ({ request }, wrapped) => withLogFields({ requestId: requestIdOf(request) }, wrapped),
    },
    onResponse: ({ request, response }) => {
      response.headers.set(REQUEST_ID_HEADER, requestIdOf(request));
    },
  };
}
