import type { ReactNode } from "react";

/** A `list` table: a heading per column (an empty string for an unnamed one), then the rows given. */
export function ListTable({ columns, testId, children }: { columns: readonly string[]; testId?: string; children: ReactNode }) {
  return (
    <table className="list" data-testid={testId}>
      <thead>
        <tr>
          {columns.map((column, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the column list never reorders
            <th key={i}>{column}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
