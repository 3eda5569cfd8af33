import type { AssetCheckExecution } from "@strata/sdk";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { useSubscription } from "../api/use-subscription.js";
import { clockTime, timeAgo } from "../format/time.js";
import { ErrorNote } from "../layout/error-note.js";
import { StatusBadge } from "../layout/status-badge.js";
import { MetadataTable } from "./materialization-history.js";
import { ListTable } from "../layout/list-table.js";

/** The asset's checks: each with its latest result, severity, metadata and run; live as results arrive. */
export function AssetChecks({ assetKey }: { assetKey: string }) {
  const { client } = useStrata();
  const queryClient = useQueryClient();
  const queryKey = ["asset", assetKey, "checks"];
  const checks = useQuery({ queryKey, queryFn: () => client.assetChecks(assetKey) });
  useSubscription(
    `checks:${assetKey}`,
    (c) => c.assetCheckEvaluated({ assetKeys: [assetKey] }),
    () => void queryClient.invalidateQueries({ queryKey }),
  );
  const data = checks.data;
  if (!checks.error && (!data || data.checks.length === 0)) return null;
  return (
    <section className="panel" data-testid="asset-checks">
      <h2>Checks {data?.checkHealth && <StatusBadge status={data.checkHealth} />}</h2>
      <ErrorNote error={checks.error} />
      <ListTable columns={["Check", "Blocking", "Latest result", "When", "Run", "Metadata"]}>
        {data?.checks.map((check) => {
          const latest = check.latestExecution;
          return (
            <tr key={check.key} data-testid="asset-check" data-name={check.name}>
              <td>
                <strong>{check.name}</strong>
                {check.description && <div className="muted">{check.description}</div>}
              </td>
              <td>{check.blocking ? "blocking" : "no"}</td>
              <td>{latest ? <CheckResult execution={latest} /> : <StatusBadge status="NOT_EVALUATED" />}</td>
              <td title={clockTime(latest?.endedAt ?? latest?.createdAt)}>{timeAgo(latest?.endedAt ?? latest?.createdAt)}</td>
              <td>{latest?.runId ? <Link href={`/runs/${latest.runId}`}>{latest.runId.slice(0, 8)}</Link> : latest ? "reported" : "—"}</td>
              <td>{latest && <MetadataTable entries={latest.metadata} />}</td>
            </tr>
          );
        })}
      </ListTable>
    </section>
  );
}

/** A result's status; a failure is coloured by its severity (WARN only warns). */
function CheckResult({ execution }: { execution: AssetCheckExecution }) {
  const warnOnly = execution.status === "FAILED" && execution.severity === "WARN";
  return (
    <>
      <StatusBadge status={execution.status} tone={warnOnly ? "warn" : undefined} />{" "}
      {execution.status === "FAILED" && execution.severity && <span className="muted">severity {execution.severity.toLowerCase()}</span>}
      {execution.partition && <span className="muted"> · partition {execution.partition}</span>}
      {execution.description && <div>{execution.description}</div>}
    </>
  );
}
