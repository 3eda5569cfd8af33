import { AsyncLocalStorage } from "node:async_hooks";
import { pino, type DestinationStream, type Logger as Pino } from "pino";

/**
 * The server's own logs (not run events): one JSON object a line on stderr through pino, at the
 * level of STRATA_LOG_LEVEL. Every line written while a GraphQL request is handled carries its
 * `requestId` (see {@link withLogFields}), so call sites never pass it along.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** Fields of the request (or job) being handled, added to every line logged inside it. */
const scope = new AsyncLocalStorage<Readonly<Record<string, unknown>>>();

/**
 * Runs `fn` with `fields` added to every line it logs, through every await (an
 * AsyncLocalStorage, which yoga's request instrumentation enters for each request).
 */
export function withLogFields<T>(fields: Readonly<Record<string, unknown>>, fn: () => T): T {
  return scope.run({ ...scope.getStore(), ...fields }, fn);
}

/** The fields {@link withLogFields} set for the code running now (the request id, in a request). */
export function currentLogFields(): Readonly<Record<string, unknown>> | undefined {
  return scope.getStore();
}

/**
 * A logger over pino writing to `destination` (stderr when absent, synchronously, so the lines
 * before a crash are not lost in a buffer).
 */
export function createLogger(level: LogLevel = "info", destination?: DestinationStream): Logger {
  const logger = pino(
    {
      level,
      // The field names the hand-written logger before pino used; log queries written against them keep working.
      messageKey: "message",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { error: pino.stdSerializers.err },
      mixin: () => scope.getStore() ?? {},
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
  return adapt(logger);
}

function adapt(logger: Pino): Logger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

/** A logger that keeps lines in memory, for tests that assert what was logged. */
export function createMemoryLogger(): Logger & { lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { ...createLogger("debug", { write: (line: string) => void lines.push(JSON.parse(line)) }), lines };
}
