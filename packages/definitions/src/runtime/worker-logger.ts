import { pino, type DestinationStream } from "pino";

/**
 * Where a location worker writes what it does: claims, run outcomes, connection trouble. Pass
 * your own to route it into your logging (pino, winston...); each call gets a message and
 * plain-data fields.
 *
 * @example
 * ```ts
 * const logger: WorkerLogger = {
 *   info: (message, fields) => pino.info(fields, message),
 *   warn: (message, fields) => pino.warn(fields, message),
 *   error: (message, fields) => pino.error(fields, message),
 * };
 * ```
 */
export interface WorkerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Levels of the worker's own logs, as `STRATA_LOG_LEVEL` names them. */
export type WorkerLogLevel = "debug" | "info" | "warn" | "error" | "silent";

const LEVELS: readonly string[] = ["debug", "info", "warn", "error", "silent"];

/** `STRATA_LOG_LEVEL` when it names a level, else "info". @internal */
export function logLevelFromEnv(value: string | undefined): WorkerLogLevel {
  return value !== undefined && LEVELS.includes(value) ? (value as WorkerLogLevel) : "info";
}

/**
 * The default logger: pino, one JSON object a line on stderr (stdout stays free for the
 * program's own output), each line with the location's name; the same field names as the
 * server's lines (`time`, `level`, `message`).
 * @internal
 */
export function pinoWorkerLogger(location: string, level: WorkerLogLevel = "info", destination?: DestinationStream): WorkerLogger {
  const logger = pino(
    {
      level,
      messageKey: "message",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      base: { pid: process.pid, location },
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
  return {
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}
