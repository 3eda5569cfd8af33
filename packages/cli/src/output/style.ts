/** Colours for human output, or none. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const plain: Style = { bold: String, dim: String, red: String, green: String, yellow: String, cyan: String };

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const ansi: Style = { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };

/**
 * Colours only for a terminal, and never when `NO_COLOR` is set (https://no-color.org), so
 * piped output and logs stay plain text.
 *
 * @example
 * ```ts
 * const style = styleFor(process.stdout);
 * console.log(style.green("✓ registered"));
 * ```
 */
export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Style {
  return stream.isTTY && !env.NO_COLOR ? ansi : plain;
}

/** The text without colour codes, e.g. to measure its width. */
export function stripStyle(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
