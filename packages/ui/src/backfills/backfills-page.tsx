import type { BackfillStatus } from "@strata/sdk";
import { Link } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { assetHref } from "../catalog/asset-row.js";
import { clockTime, timeAgo } from "../format/time.js";
import { usePagedList } from "../layout/paged-list.js";
import { StatusBadge } from "../layout/status-badge.js";
import { StatusFilteredList, useStatusFilter } from "../layout/status-filter.js";
import { BackfillActions } from "./backfill-actions.js";

const STATUSES: BackfillStatus[] = ["REQUESTED", "CANCELING", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "CANCELED"];
const COLUMNS = ["Backfill", "Status", "Assets", "Runs", "Chunks", "Created", "Actions"];

/**
 * Backfills, newest first: status, runs and chunk counts, filtered by status; a running one can
 * be canceled, an ended one's failed partitions retried. Backfills are launched from a
 * partitioned asset's page (its partitions bar).
 */
export function BackfillsPage() {
  const { client } = useStrata();
  const filter = useStatusFilter(STATUSES, "/backfills");
  const status = filter.selected;
  const backfills = usePagedList(
    ["backfills", status],
    (after) => client.backfills({ status: status.length ? status : undefined, first: 50, after }),
    // No subscription lists every backfill's changes; a slow poll keeps counts current.
    { refetchInterval: 5_000 },
  );
  return (
    <StatusFilteredList title="Backfills" noun="backfills" filter={filter} list={backfills} columns={COLUMNS} testId="backfills-list">
      {backfills.items.map((b) => (
        <tr key={b.id} data-testid="backfill-row" data-backfill={b.id}>
          <td>
            {b.title ?? b.id.slice(0, 8)}
            {b.parentBackfillId && <span className="muted"> ↻ of {b.parentBackfillId.slice(0, 8)}</span>}
          </td>
          <td>
            <StatusBadge status={b.status} />
          </td>
          <td>
            {b.assetKeys.slice(0, 3).map((key) => (
              <Link key={key} href={assetHref(key)} className="chip">
                {key}
              </Link>
            ))}
            {b.assetKeys.length > 3 && ` +${b.assetKeys.length - 3}`}
          </td>
          <td>
            <Link href={`/runs?tag=${encodeURIComponent(`strata/backfill=${b.id}`)}`}>{b.runCount.toLocaleString()}</Link>
          </td>
          <td className="counts">
            {b.chunkCounts.succeeded} succeeded · {b.chunkCounts.failed} failed · {b.chunkCounts.launched} running · {b.chunkCounts.waiting}{" "}
            waiting
            {b.chunkCounts.ready > 0 && ` · ${b.chunkCounts.ready} ready`}
            {b.chunkCounts.skipped > 0 && ` · ${b.chunkCounts.skipped} skipped`}
            {b.chunkCounts.canceled > 0 && ` · ${b.chunkCounts.canceled} canceled`}
          </td>
          <td title={clockTime(b.createdAt)}>{timeAgo(b.createdAt)}</td>
          <td>
            <BackfillActions backfill={b} />
          </td>
        </tr>
      ))}
    </StatusFilteredList>
  );
}
