import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { useSubscription } from "../api/use-subscription.js";
import { assetHref } from "../catalog/asset-row.js";
import { clockTime, timeAgo } from "../format/time.js";
import { ErrorNote } from "../layout/error-note.js";
import { AssetChecks } from "./asset-checks.js";
import { AutomationPanel } from "./automation-panel.js";
import { MaterializationHistory, MetadataTable } from "./materialization-history.js";
import { PartitionBar } from "./partition-bar.js";
import { SyncStatusPanel } from "./sync-status-panel.js";

/**
 * One asset: its definition, latest materialization, neighbours, sync status and freshness,
 * checks, automation, partitions and history.
 */
export function AssetPage({ assetKey }: { assetKey: string }) {
  const { client } = useStrata();
  const queryClient = useQueryClient();
  const asset = useQuery({ queryKey: ["asset", assetKey], queryFn: () => client.asset(assetKey, { materializations: { first: 50 } }) });
  const partitions = useQuery({ queryKey: ["partition-status", assetKey], queryFn: () => client.partitionStatus(assetKey) });
  useSubscription(
    `materialized:${assetKey}`,
    (c) => c.assetMaterialized({ keys: [assetKey] }),
    () => {
      void queryClient.invalidateQueries({ queryKey: ["asset", assetKey] });
      void queryClient.invalidateQueries({ queryKey: ["partition-status", assetKey] });
    },
  );

  if (asset.error) {
    return (
      <div className="page">
        <h1>{assetKey}</h1>
        <ErrorNote error={asset.error} />
      </div>
    );
  }
  const data = asset.data;
  const definition = data?.definition;
  const latest = data?.latestMaterialization;
  return (
    <div className="page asset-page">
      <p className="crumbs">
        <Link href="/">Catalog</Link> / {assetKey} ·{" "}
        <Link href={`/lineage?focus=${encodeURIComponent(assetKey)}`} data-testid="show-in-lineage">
          show in the lineage graph
        </Link>
      </p>
      <h1 data-testid="asset-title">{assetKey}</h1>
      {data && !data.isDefined && <p className="warning">No code location defines this asset now; its history remains.</p>}
      {definition?.description && <p className="description">{definition.description}</p>}
      <div className="columns">
        <section className="panel">
          <h2>Definition</h2>
          {definition ? (
            <dl className="facts">
              <dt>Group</dt>
              <dd>
                <Link href={`/?group=${encodeURIComponent(definition.group)}`}>{definition.group}</Link>
              </dd>
              <dt>Code location</dt>
              <dd>
                <Link href="/locations">{definition.location.name}</Link>
              </dd>
              <dt>Kinds</dt>
              <dd>{definition.kinds.join(", ") || "—"}</dd>
              <dt>Owners</dt>
              <dd>{definition.owners.join(", ") || "—"}</dd>
              <dt>Tags</dt>
              <dd>
                {Object.entries(definition.tags as Record<string, string>)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(", ") || "—"}
              </dd>
              <dt>Code version</dt>
              <dd>{definition.codeVersion ?? "—"}</dd>
              <dt>Step</dt>
              <dd>
                {definition.stepKey}
                {definition.multiAssetName && ` (multi-asset ${definition.multiAssetName})`}
              </dd>
            </dl>
          ) : (
            <p className="muted">{asset.isPending ? "Loading…" : "Not defined."}</p>
          )}
          {definition && definition.metadata.length > 0 && (
            <>
              <h3>Definition metadata</h3>
              <MetadataTable entries={definition.metadata} />
            </>
          )}
        </section>
        <section className="panel" data-testid="latest-materialization">
          <h2>Latest materialization</h2>
          {latest ? (
            <>
              <p>
                <span title={clockTime(latest.timestamp)}>{timeAgo(latest.timestamp)}</span>
                {latest.runId && (
                  <>
                    {" "}
                    in run <Link href={`/runs/${latest.runId}`}>{latest.runId.slice(0, 8)}</Link>
                  </>
                )}
                {latest.partition && <> · partition {latest.partition}</>}
                {latest.dataVersion && <> · data version {latest.dataVersion}</>}
              </p>
              {latest.description && <p>{latest.description}</p>}
              <MetadataTable entries={latest.metadata} />
            </>
          ) : (
            <p className="muted">{asset.isPending ? "Loading…" : "Never materialized."}</p>
          )}
        </section>
        <section className="panel">
          <h2>Lineage</h2>
          <Neighbours title="Upstream" keys={data?.upstream.map((a) => a.key) ?? []} />
          <Neighbours title="Downstream" keys={data?.downstream.map((a) => a.key) ?? []} />
        </section>
        {data?.isDefined && <SyncStatusPanel assetKey={assetKey} />}
      </div>
      <AssetChecks assetKey={assetKey} />
      <AutomationPanel assetKey={assetKey} />
      {partitions.data?.status && <PartitionBar report={partitions.data} />}
      <section className="panel">
        <h2>History</h2>
        <MaterializationHistory items={data?.materializations.items ?? []} hasMore={data?.materializations.hasNextPage ?? false} />
      </section>
    </div>
  );
}

function Neighbours({ title, keys }: { title: string; keys: string[] }) {
  return (
    <div className="neighbours">
      <h3>
        {title} <span className="muted">({keys.length})</span>
      </h3>
      {keys.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <ul>
          {keys.map((key) => (
            <li key={key}>
              <Link href={assetHref(key)}>{key}</Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
