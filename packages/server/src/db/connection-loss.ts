import { ServiceUnavailableError } from "../errors.js";

/**
 * SQLSTATEs of a connection that is gone or not yet back: class 08 (connection exception),
 * admin/crash shutdown and "cannot connect now" (a failover, a restart, pg_terminate_backend).
 */
const LOST_STATES = /^(08...|57P01|57P02|57P03)$/;
const LOST_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"]);
// node-postgres reports a dropped socket by message only.
const LOST_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended unexpectedly/i;

/** Whether `error` (or what it wraps, as Prisma's adapter errors do) says the database connection was lost. */
export function isConnectionLoss(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && (LOST_STATES.test(code) || LOST_ERRNOS.has(code))) return true;
    if (typeof message === "string" && LOST_MESSAGES.test(message)) return true;
  }
  return false;
}

/** A lost connection becomes the retryable SERVICE_UNAVAILABLE; anything else is returned as it is. */
export function asServiceUnavailable(error: unknown): unknown {
  if (error instanceof ServiceUnavailableError || !isConnectionLoss(error)) return error;
  return new ServiceUnavailableError("The server lost its connection to the database: try again", { cause: error });
}
