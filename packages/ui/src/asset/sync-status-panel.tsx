import type { SyncCause } from "@strata/sdk";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { useSubscription } from "../api/use-subscription.js";
import { assetHref } from "../catalog/asset-row.js";
import { clockTime, timeAgo } from "../format/time.js";
import { ErrorNote } from "../layout/error-note.js";
import { StatusBadge } from "../layout/status-badge.js";

/** Whether the asset is in sync with its code and its dependencies' data, and why not; its freshness. */
export function SyncStatusPanel({ assetKey }: { assetKey: string }) {
  const { client } = useStrata();
  // Under ["asset", key]: the page's materialization subscription refreshes them with the asset.
  const sync = useQuery({ queryKey: ["asset", assetKey, "sync-status"], queryFn: () => client.assetSyncStatus(assetKey) });
  const freshness = useQuery({ queryKey: ["asset", assetKey, "freshness"], queryFn: () => client.assetFreshness(assetKey) });
  // Freshness also changes with no materialization (a deadline passes): the server says when.
  const queryClient = useQueryClient();
  useSubscription(
    `freshness:${assetKey}`,
    (c) => c.freshnessChanged({ assetKeys: [assetKey] }),
    () => void queryClient.invalidateQueries({ queryKey: ["asset", assetKey, "freshness"] }),
  );
  const status = sync.data;
  return (
    <section className="panel" data-testid="sync-status">
      <h2>Sync status {status && <StatusBadge status={status.state} />}</h2>
      <ErrorNote error={sync.error ?? freshness.error} />
      {!status && !sync.error && <p className="muted">Loading…</p>}
      {status?.state === "SYNCED" && (
        <p className="muted">Its latest materialization used its current code and its dependencies' current data.</p>
      )}
      {status?.state === "MISSING" && <p className="muted">Never materialized.</p>}
      {status && status.rootCauses.length > 0 && (
        <>
          <h3>Root causes</h3>
          <ul className="causes" data-testid="root-causes">
            {status.rootCauses.map((cause) => (
              <li key={`${cause.assetKey}[${cause.partition ?? ""}]:${cause.reason}`}>
                <Cause cause={cause} />
              </li>
            ))}
          </ul>
        </>
      )}
      {status && status.causes.length > 0 && (
        <details open={countCauses(status.causes) <= 20}>
          <summary>Causes</summary>
          <CauseTree causes={status.causes} />
        </details>
      )}
      {status?.unsyncedPartitions && status.unsyncedPartitions.count > 0 && (
        <>
          <h3>Unsynced partitions ({status.unsyncedPartitions.count.toLocaleString()})</h3>
          <ul className="causes" data-testid="unsynced-partitions">
            {status.unsyncedPartitions.ranges.map((range) => (
              <li key={range.startKey}>
                {range.startKey === range.endKey ? range.startKey : `${range.startKey} … ${range.endKey}`}{" "}
                <span className="muted">({range.count.toLocaleString()})</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Freshness</h3>
      <p data-testid="freshness">
        {freshness.isPending ? (
          "…"
        ) : freshness.data ? (
          <>
            <StatusBadge status={freshness.data.state} />{" "}
            <span className="muted" title={clockTime(freshness.data.since)}>
              since {timeAgo(freshness.data.since)}
            </span>
            {freshness.data.nextTransitionAt && (
              <span className="muted" data-testid="freshness-next">
                {" "}
                · changes at {clockTime(freshness.data.nextTransitionAt)} unless materialized
              </span>
            )}
          </>
        ) : (
          <span className="muted">No freshness policy.</span>
        )}
      </p>
    </section>
  );
}

function countCauses(causes: SyncCause[]): number {
  return causes.reduce((n, c) => n + 1 + countCauses(c.children), 0);
}

function Cause({ cause }: { cause: SyncCause }) {
  return (
    <>
      <Link href={assetHref(cause.assetKey)}>{cause.assetKey}</Link>
      {cause.partition && <span className="muted">[{cause.partition}]</span>} {cause.reason}{" "}
      <span className="muted">({cause.category.toLowerCase()})</span>
    </>
  );
}

function CauseTree({ causes }: { causes: SyncCause[] }) {
  return (
    <ul className="tree">
      {causes.map((cause, i) => (
        // Causes repeat across branches (two paths to one stale dependency): the index keeps keys unique.
        // biome-ignore lint/suspicious/noArrayIndexKey: siblings are fixed for the life of the list.
        <li key={i}>
          <Cause cause={cause} />
          {cause.children.length > 0 && <CauseTree causes={cause.children} />}
        </li>
      ))}
    </ul>
  );
}
