import { CLEAR_LINE } from "./live-line.js";
import { styleFor } from "./style.js";

/**
 * Runs `work` under a label: on a terminal, "label…" while it runs, replaced by "✓ label (1.2s)"
 * or "✗ label"; elsewhere just the final line, so logs get one line per step.
 *
 * @example
 * ```ts
 * const server = await withProgress("Starting the server", () => startServer(options));
 * ```
 */
export async function withProgress<T>(label: string, work: () => Promise<T>, stream: NodeJS.WriteStream = process.stderr): Promise<T> {
  const style = styleFor(stream);
  const started = performance.now();
  if (stream.isTTY) stream.write(`${style.dim("…")} ${label}`);
  const clear = () => {
    if (stream.isTTY) stream.write(CLEAR_LINE);
  };
  try {
    const result = await work();
    clear();
    stream.write(`${style.green("✓")} ${label} ${style.dim(`(${formatDuration(performance.now() - started)})`)}\n`);
    return result;
  } catch (error) {
    clear();
    stream.write(`${style.red("✗")} ${label}\n`);
    throw error;
  }
}

/** "850ms", "2.1s", "3m 05s". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1_000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}
