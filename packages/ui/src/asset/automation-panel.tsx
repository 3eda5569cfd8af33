import { useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { clockTime, timeAgo } from "../format/time.js";
import { ErrorNote } from "../layout/error-note.js";
import { StatusBadge } from "../layout/status-badge.js";
import { EvaluationTree } from "./evaluation-tree.js";

/** The asset's automation condition and its latest evaluation; nothing when it has no condition. */
export function AutomationPanel({ assetKey }: { assetKey: string }) {
  const { client } = useStrata();
  const automation = useQuery({
    queryKey: ["asset", assetKey, "automation"],
    queryFn: () => client.assetAutomation(assetKey, { first: 1 }),
    // Evaluations arrive with the location's ticks, which no subscription announces.
    refetchInterval: 15_000,
  });
  if (automation.error) return <ErrorNote error={automation.error} />;
  const data = automation.data;
  if (!data?.condition) return null;
  const latest = data.evaluations.items[0];
  return (
    <section className="panel" data-testid="asset-automation">
      <h2>Automation</h2>
      <dl className="facts inline">
        <dt>Condition</dt>
        <dd>
          <code>{data.condition.label ?? "custom condition"}</code>
        </dd>
        <dt>Next evaluation</dt>
        <dd title={clockTime(data.nextTickAt)}>{data.nextTickAt ? timeAgo(data.nextTickAt) : "paused or not scheduled"}</dd>
      </dl>
      {latest ? (
        <>
          <h3>
            Latest evaluation <span title={clockTime(latest.createdAt)}>{timeAgo(latest.createdAt)}</span>{" "}
            {latest.requested ? <StatusBadge status="REQUESTED" /> : <StatusBadge status="NOT_REQUESTED" />}
            {latest.runIds.map((id) => (
              <Link key={id} href={`/runs/${id}`} className="chip">
                run {id.slice(0, 8)}
              </Link>
            ))}
          </h3>
          <EvaluationTree nodes={latest.nodes} />
        </>
      ) : (
        <p className="muted">Not evaluated yet.</p>
      )}
      <details>
        <summary>Condition as data</summary>
        <pre className="condition-tree">{JSON.stringify(data.condition.tree, null, 2)}</pre>
      </details>
    </section>
  );
}
