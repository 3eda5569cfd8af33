import { stripVTControlCharacters } from "node:util";
import { createColors } from "picocolors";

/** Colours for human output, or none. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

// picocolors writes the codes; `createColors(enabled)` rather than its default export, because
// that default decides from process.stdout alone and the CLI also writes to stderr.
const plain: Style = createColors(false);
const ansi: Style = createColors(true);

/**
 * Colours only for a terminal, and never when `NO_COLOR` is set to anything but "" (as
 * https://no-color.org asks), so piped output and logs stay plain text.
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

/**
 * The text without colour or other terminal control codes, e.g. to measure its width.
 *
 * @example
 * ```ts
 * stripStyle(styleFor({ isTTY: true }, {}).red("FAILURE")).length; // 7
 * ```
 */
export function stripStyle(text: string): string {
  return stripVTControlCharacters(text);
}
