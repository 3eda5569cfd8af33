import type { RunStatus } from "@strata/sdk";
import { useInfiniteQuery, useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import { Link, useLocation, useSearch } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { useSubscription } from "../api/use-subscription.js";
import { clockTime, duration, timeAgo } from "../format/time.js";
import { ErrorNote } from "../layout/error-note.js";
import { StatusBadge } from "../layout/status-badge.js";

const STATUSES: RunStatus[] = ["QUEUED", "STARTING", "STARTED", "SUCCESS", "FAILURE", "CANCELING", "CANCELED"];

/** Runs, newest first, filtered by status (`?status=FAILURE,CANCELED`) and tag (`?tag=name=value`), updated live. */
export function RunsPage() {
  const { client } = useStrata();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const status = (params
    .get("status")
    ?.split(",")
    .filter((s) => STATUSES.includes(s as RunStatus)) ?? []) as RunStatus[];
  const tag = params.get("tag") ?? undefined;
  const runs = useInfiniteQuery({
    queryKey: ["runs", status, tag],
    queryFn: ({ pageParam }) => client.runs({ status: status.length ? status : undefined, tag, first: 50, after: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
  });
  // Any run changing status refreshes the list, at most twice a second.
  const refresh = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useSubscription(
    "runs",
    (c) => c.runStatusChanged(),
    () => {
      refresh.current ??= setTimeout(() => {
        refresh.current = undefined;
        void queryClient.invalidateQueries({ queryKey: ["runs"] });
      }, 500);
    },
  );
  const toggle = (s: RunStatus) => {
    const next = status.includes(s) ? status.filter((x) => x !== s) : [...status, s];
    const query = new URLSearchParams();
    if (next.length) query.set("status", next.join(","));
    if (tag) query.set("tag", tag);
    navigate(query.size ? `/runs?${query}` : "/runs", { replace: true });
  };
  const items = runs.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <div className="page">
      <h1>Runs{tag && <span className="muted"> tagged {tag}</span>}</h1>
      <div className="filter-bar">
        {STATUSES.map((s) => (
          <button
            type="button"
            key={s}
            className={status.includes(s) ? "chip on" : "chip"}
            aria-pressed={status.includes(s)}
            onClick={() => toggle(s)}
          >
            {s.toLowerCase()}
          </button>
        ))}
      </div>
      <ErrorNote error={runs.error} />
      <table className="list" data-testid="runs-list">
        <thead>
          <tr>
            <th>Run</th>
            <th>Status</th>
            <th>Assets</th>
            <th>Location</th>
            <th>Created</th>
            <th>Duration</th>
            <th>Tags</th>
          </tr>
        </thead>
        <tbody>
          {items.map((run) => (
            <tr key={run.id} data-testid="run-row" data-status={run.status}>
              <td>
                <Link href={`/runs/${run.id}`}>{run.id.slice(0, 8)}</Link>
                {run.parentRunId && <span className="muted"> ↻ {run.reexecutionStrategy?.toLowerCase().replaceAll("_", " ")}</span>}
              </td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td title={run.assetKeys.join("\n")}>
                {run.assetKeys.slice(0, 3).join(", ")}
                {run.assetKeys.length > 3 && ` +${run.assetKeys.length - 3}`}
                {run.partitionKey && <span className="muted"> [{run.partitionKey}]</span>}
              </td>
              <td>{run.location.name}</td>
              <td title={clockTime(run.createdAt)}>{timeAgo(run.createdAt)}</td>
              <td>{duration(run.durationMs)}</td>
              <td className="muted">
                {Object.entries(run.tags as Record<string, string>)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(" ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!runs.isPending && items.length === 0 && <p className="empty">No runs{status.length ? " with these statuses" : ""}.</p>}
      {runs.hasNextPage && (
        <button type="button" onClick={() => void runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>
          Load more
        </button>
      )}
    </div>
  );
}
