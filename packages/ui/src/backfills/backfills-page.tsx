import type { BackfillStatus } from "@strata/sdk";
import { useInfiniteQuery } from "@tanstack/react-query";
import { Link, useLocation, useSearch } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { assetHref } from "../catalog/asset-row.js";
import { clockTime, timeAgo } from "../format/time.js";
import { ErrorNote } from "../layout/error-note.js";
import { StatusBadge } from "../layout/status-badge.js";
import { BackfillActions } from "./backfill-actions.js";

const STATUSES: BackfillStatus[] = ["REQUESTED", "CANCELING", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "CANCELED"];

/**
 * Backfills, newest first: status, runs and chunk counts, filtered by status; a running one can
 * be canceled, an ended one's failed partitions retried. Backfills are launched from a
 * partitioned asset's page (its partitions bar).
 */
export function BackfillsPage() {
  const { client } = useStrata();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const status = (params
    .get("status")
    ?.split(",")
    .filter((s) => STATUSES.includes(s as BackfillStatus)) ?? []) as BackfillStatus[];
  const backfills = useInfiniteQuery({
    queryKey: ["backfills", status],
    queryFn: ({ pageParam }) => client.backfills({ status: status.length ? status : undefined, first: 50, after: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    // No subscription lists every backfill's changes; a slow poll keeps counts current.
    refetchInterval: 5_000,
  });
  const toggle = (s: BackfillStatus) => {
    const next = status.includes(s) ? status.filter((x) => x !== s) : [...status, s];
    navigate(next.length ? `/backfills?status=${next.join(",")}` : "/backfills", { replace: true });
  };
  const items = backfills.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <div className="page">
      <h1>Backfills</h1>
      <div className="filter-bar">
        {STATUSES.map((s) => (
          <button
            type="button"
            key={s}
            className={status.includes(s) ? "chip on" : "chip"}
            aria-pressed={status.includes(s)}
            onClick={() => toggle(s)}
          >
            {s.toLowerCase().replaceAll("_", " ")}
          </button>
        ))}
      </div>
      <ErrorNote error={backfills.error} />
      <table className="list" data-testid="backfills-list">
        <thead>
          <tr>
            <th>Backfill</th>
            <th>Status</th>
            <th>Assets</th>
            <th>Runs</th>
            <th>Chunks</th>
            <th>Created</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {items.map((b) => (
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
                {b.chunkCounts.succeeded} succeeded · {b.chunkCounts.failed} failed · {b.chunkCounts.launched} running ·{" "}
                {b.chunkCounts.waiting} waiting
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
        </tbody>
      </table>
      {!backfills.isPending && items.length === 0 && <p className="empty">No backfills{status.length ? " with these statuses" : ""}.</p>}
      {backfills.hasNextPage && (
        <button type="button" onClick={() => void backfills.fetchNextPage()} disabled={backfills.isFetchingNextPage}>
          Load more
        </button>
      )}
    </div>
  );
}
