import type { RunStatus } from "@strata/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import { Link } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { useSubscription } from "../api/use-subscription.js";
import { clockTime, duration, timeAgo } from "../format/time.js";
import { usePagedList } from "../layout/paged-list.js";
import { StatusBadge } from "../layout/status-badge.js";
import { StatusFilteredList, useStatusFilter } from "../layout/status-filter.js";

const STATUSES: RunStatus[] = ["QUEUED", "STARTING", "STARTED", "SUCCESS", "FAILURE", "CANCELING", "CANCELED"];
const COLUMNS = ["Run", "Status", "Assets", "Location", "Created", "Duration", "Tags"];

/** Runs, newest first, filtered by status (`?status=FAILURE,CANCELED`) and tag (`?tag=name=value`), updated live. */
export function RunsPage() {
  const { client } = useStrata();
  const queryClient = useQueryClient();
  const filter = useStatusFilter(STATUSES, "/runs", ["tag"]);
  const status = filter.selected;
  const tag = filter.params.get("tag") ?? undefined;
  const runs = usePagedList(["runs", status, tag], (after) =>
    client.runs({ status: status.length ? status : undefined, tag, first: 50, after }),
  );
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
  const title = <>Runs{tag && <span className="muted"> tagged {tag}</span>}</>;
  return (
    <StatusFilteredList title={title} noun="runs" filter={filter} list={runs} columns={COLUMNS} testId="runs-list">
      {runs.items.map((run) => (
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
    </StatusFilteredList>
  );
}
