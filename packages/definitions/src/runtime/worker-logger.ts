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

/**
 * The default logger: one line per message on stderr, `<time> <level> [location <name>] message
 * {fields}`, so stdout stays free for the program's own output.
 * @internal
 */
export function stderrLogger(location: string, write: (line: string) => void = (line) => process.stderr.write(line)): WorkerLogger {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
    write(`${new Date().toISOString()} ${level} [location ${location}] ${message}${extra}\n`);
  };
  return { info: line("INFO"), warn: line("WARN"), error: line("ERROR") };
}
