import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useLocation } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { ErrorNote } from "../layout/error-note.js";

/**
 * Launching the catalog's selection as one run. The dialog first shows the server's plan of it
 * (`planRun`, the same planning a launch does): the steps in the order they run, with what each
 * materializes and waits for, or the sentence a launch would refuse it with (several locations,
 * a partitioned asset without a partition…), the Launch button disabled.
 */
export function LaunchPanel(props: { selected: string[]; onClear(): void }) {
  const { client } = useStrata();
  const [, navigate] = useLocation();
  const [previewing, setPreviewing] = useState(false);
  const plan = useQuery({
    queryKey: ["plan-run", props.selected],
    queryFn: () => client.planRun({ assetKeys: props.selected }),
    enabled: previewing,
    retry: false,
  });
  const launch = useMutation({
    mutationFn: () => client.launchRun({ assetKeys: props.selected }),
    onSuccess: (run) => navigate(`/runs/${run.id}`),
  });
  return (
    <span className="launch-panel">
      <span>{props.selected.length} selected</span>
      <button type="button" className="primary" onClick={() => setPreviewing(true)}>
        Materialize selected…
      </button>
      <button type="button" onClick={props.onClear}>
        Clear
      </button>
      {previewing && (
        <div className="dialog-backdrop">
          <div className="panel dialog" role="dialog" aria-label="Launch a run">
            <h2>Materialize {props.selected.length} assets</h2>
            {plan.isPending && <p className="muted">Planning…</p>}
            <ErrorNote error={plan.error} />
            {plan.data && (
              <>
                <p className="muted">
                  One run in code location <strong>{plan.data.location}</strong>, {plan.data.steps.length} step
                  {plan.data.steps.length === 1 ? "" : "s"} in the order they run
                  {plan.data.checkKeys.length > 0 && `, evaluating ${plan.data.checkKeys.length} check(s)`}:
                </p>
                <ol className="preview-list" data-testid="plan-steps">
                  {plan.data.steps.map((step) => (
                    <li key={step.key} data-step={step.key}>
                      <code>{step.key}</code>
                      {step.assetKeys.length > 0 && <span className="muted"> → {step.assetKeys.join(", ")}</span>}
                      {step.upstreamStepKeys.length > 0 && <span className="muted"> (after {step.upstreamStepKeys.join(", ")})</span>}
                    </li>
                  ))}
                </ol>
              </>
            )}
            <ErrorNote error={launch.error} />
            <div className="actions">
              <button type="button" onClick={() => setPreviewing(false)}>
                Cancel
              </button>
              <button type="button" className="primary" disabled={launch.isPending || !plan.data} onClick={() => launch.mutate()}>
                Launch run
              </button>
            </div>
          </div>
        </div>
      )}
    </span>
  );
}
