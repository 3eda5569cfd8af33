import type { Materialization } from "@strata/sdk";
import { Link } from "wouter";
import { clockTime, timeAgo } from "../format/time.js";
import { Sparkline } from "./sparkline.js";
import { ListTable } from "../layout/list-table.js";

type Entry = Materialization["metadata"][number];

/** Metadata entries as label / value rows; JSON and long text stay readable. */
export function MetadataTable({ entries }: { entries: readonly Entry[] }) {
  if (entries.length === 0) return <p className="muted">No metadata.</p>;
  return (
    <table className="metadata">
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.label}>
            <th>{entry.label}</th>
            <td>{formatValue(entry)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function formatValue(entry: Entry): string {
  const value = entry.value;
  if (typeof value === "string") return value;
  if (typeof value === "number") return value.toLocaleString();
  return JSON.stringify(value);
}

/** Numeric metadata over the history, newest last: one sparkline per label. */
function numericSeries(items: readonly Materialization[]): Array<[string, number[]]> {
  const series = new Map<string, number[]>();
  for (const item of [...items].reverse()) {
    for (const entry of item.metadata) {
      if (typeof entry.value !== "number") continue;
      const values = series.get(entry.label) ?? [];
      values.push(entry.value);
      series.set(entry.label, values);
    }
  }
  return [...series].filter(([, values]) => values.length > 1);
}

/** The asset's materializations, newest first, with plots of its numeric metadata. */
export function MaterializationHistory({ items, hasMore }: { items: readonly Materialization[]; hasMore: boolean }) {
  if (items.length === 0) return <p className="muted">No materializations yet.</p>;
  const series = numericSeries(items);
  return (
    <>
      {series.length > 0 && (
        <div className="plots">
          {series.map(([label, values]) => (
            <figure key={label}>
              <Sparkline values={values} />
              <figcaption>
                {label}: {values.at(-1)?.toLocaleString()}
              </figcaption>
            </figure>
          ))}
        </div>
      )}
      <ListTable columns={["When", "Run", "Partition", "Code version", "Metadata"]} testId="materialization-history">
        {items.map((m) => (
          <tr key={m.id}>
            <td title={clockTime(m.timestamp)}>{timeAgo(m.timestamp)}</td>
            <td>{m.runId ? <Link href={`/runs/${m.runId}`}>{m.runId.slice(0, 8)}</Link> : "reported"}</td>
            <td>{m.partition ?? "—"}</td>
            <td>{m.codeVersion ?? "—"}</td>
            <td className="muted">{m.metadata.map((e) => `${e.label}: ${formatValue(e)}`).join(" · ")}</td>
          </tr>
        ))}
      </ListTable>
      {hasMore && <p className="muted">Showing the {items.length} newest.</p>}
    </>
  );
}
