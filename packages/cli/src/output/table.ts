import { stripStyle } from "./style.js";

/**
 * Rows as aligned columns under a header, two spaces apart; the last column is not padded.
 * Cells may carry colour codes: widths are measured without them.
 *
 * @example
 * ```ts
 * console.log(formatTable(["KEY", "GROUP"], [["sales/orders", "raw"]]));
 * // KEY           GROUP
 * // sales/orders  raw
 * ```
 */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => stripStyle(row[column] ?? "").length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell + " ".repeat(widths[column]! - stripStyle(cell).length)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
