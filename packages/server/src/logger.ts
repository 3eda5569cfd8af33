/** Structured logs, one JSON object a line on stderr (or quieter, per STRATA_LOG_LEVEL). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof levels;

function plain(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

export function createLogger(level: LogLevel = "info", write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const threshold = levels[level];
  const log =
    (at: Exclude<LogLevel, "silent">) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (levels[at] < threshold) return;
      const entries = Object.entries(fields).map(([key, value]) => [key, plain(value)]);
      write(`${JSON.stringify({ time: new Date().toISOString(), level: at, message, ...Object.fromEntries(entries) })}\n`);
    };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

/** A logger that keeps lines in memory, for tests that assert what was logged. */
export function createMemoryLogger(): Logger & { lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { ...createLogger("debug", (line) => lines.push(JSON.parse(line))), lines };
}
