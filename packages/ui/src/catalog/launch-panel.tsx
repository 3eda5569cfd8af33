import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useLocation } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { ErrorNote } from "../layout/error-note.js";

/**
 * Launching the catalog's selection as one run. The API has no dry-run of a run's plan yet
 * (a `planRun` query would give the steps), so the preview lists the assets it will
 * materialize; the server refuses a selection spanning several locations with a sentence.
 */
export function LaunchPanel(props: { selected: string[]; onClear(): void }) {
  const { client } = useStrata();
  const [, navigate] = useLocation();
  const [previewing, setPreviewing] = useState(false);
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
            <p className="muted">One run of these assets, in dependency order:</p>
            <ul className="preview-list">
              {props.selected.map((key) => (
                <li key={key}>{key}</li>
              ))}
            </ul>
            <ErrorNote error={launch.error} />
            <div className="actions">
              <button type="button" onClick={() => setPreviewing(false)}>
                Cancel
              </button>
              <button type="button" className="primary" disabled={launch.isPending} onClick={() => launch.mutate()}>
                Launch run
              </button>
            </div>
          </div>
        </div>
      )}
    </span>
  );
}
