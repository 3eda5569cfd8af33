import { stripStyle } from "./style.js";

/**
 * Back to the line's start, then erase it (CSI 2K): one write, so the status never flickers.
 * node:readline's clearLine and cursorTo send the same codes in two writes.
 */
export const CLEAR_LINE = "\r\u001b[2K";

/**
 * A status line that stays at the bottom of a terminal while other lines scroll above it: each
 * `print` clears the status, writes its line, and draws the status again. Off a terminal the
 * status is never drawn, so logs and pipes get the printed lines only.
 *
 * @example
 * ```ts
 * const live = new LiveLine(process.stdout);
 * live.status("2/6 steps");
 * live.print("✓ raw/orders succeeded");
 * live.clear();
 * ```
 */
export class LiveLine {
  #status = "";
  readonly #enabled: boolean;

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    enabled = Boolean(stream.isTTY),
  ) {
    this.#enabled = enabled;
  }

  /** Whether the status line is drawn at all (a terminal). */
  get enabled(): boolean {
    return this.#enabled;
  }

  print(line: string): void {
    this.stream.write(this.#enabled && this.#status ? `${CLEAR_LINE}${line}\n${this.#status}` : `${line}\n`);
  }

  /** Replaces the status line; cut to the terminal's width, since a wrapped line cannot be cleared. */
  status(text: string): void {
    if (!this.#enabled) return;
    // A terminal that does not know its size reports 0 columns.
    const width = (this.stream.columns || 80) - 1;
    const status = stripStyle(text).length > width ? `${stripStyle(text).slice(0, width - 1)}…` : text;
    if (status === this.#status) return;
    this.#status = status;
    this.stream.write(`${CLEAR_LINE}${status}`);
  }

  clear(): void {
    if (this.#enabled && this.#status) this.stream.write(CLEAR_LINE);
    this.#status = "";
  }
}
