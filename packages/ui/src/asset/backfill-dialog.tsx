import type { BackfillFilter, LaunchBackfillInput } from "@strata/sdk";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { useLocation } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { ErrorNote } from "../layout/error-note.js";

const FILTERS: Array<{ value: BackfillFilter; label: string }> = [
  { value: "ALL", label: "Every partition in the range" },
  { value: "FAILED_AND_MISSING", label: "Failed and missing only" },
  { value: "MISSING", label: "Missing only" },
];
/** Runs listed in the preview; the count covers the rest. */
const SHOWN_RUNS = 5;

/** `value`, once it has stopped changing for `ms` (a preview per keystroke would be wasted). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * Launching a backfill of one partitioned asset: a range of partition keys and which of them to
 * fill. The server previews it (`previewBackfill`, the same planning a launch does, nothing
 * written): how many partitions in how many runs, or the sentence a launch would refuse it with
 * (an unknown key, nothing left to fill…), the Launch button disabled until the preview answers
 * for exactly what is in the form.
 */
export function BackfillDialog(props: { assetKey: string; from: string; to: string; onClose(): void }) {
  const { client } = useStrata();
  const [, navigate] = useLocation();
  const [from, setFrom] = useState(props.from);
  const [to, setTo] = useState(props.to);
  const [only, setOnly] = useState<BackfillFilter>("ALL");
  // Compared as JSON: a new object each render would restart the timer for ever.
  const input = JSON.stringify({ assetKeys: [props.assetKey], from: from.trim(), to: to.trim(), only } satisfies LaunchBackfillInput);
  const settledJson = useSettled(input, 250);
  const settled = useMemo(() => JSON.parse(settledJson) as LaunchBackfillInput, [settledJson]);
  const preview = useQuery({
    queryKey: ["preview-backfill", settled],
    queryFn: () => client.previewBackfill(settled, { first: SHOWN_RUNS }),
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 0,
  });
  const current = settledJson === input && !preview.isPlaceholderData && !preview.isFetching;
  const launch = useMutation({
    mutationFn: () => client.launchBackfill(settled),
    onSuccess: () => navigate("/backfills"),
  });
  const partitions = preview.data?.targeted.reduce((sum, t) => sum + t.targeted, 0) ?? 0;
  return (
    <div className="dialog-backdrop">
      <div className="panel dialog" role="dialog" aria-label="Launch a backfill">
        <h2>Backfill {props.assetKey}</h2>
        <div className="form-row">
          <label>
            From <input value={from} onChange={(e) => setFrom(e.target.value)} aria-label="First partition" />
          </label>
          <label>
            To <input value={to} onChange={(e) => setTo(e.target.value)} aria-label="Last partition" />
          </label>
        </div>
        <fieldset className="form-row">
          <legend className="muted">Partitions to fill</legend>
          {FILTERS.map((f) => (
            <label key={f.value}>
              <input type="radio" name="only" checked={only === f.value} onChange={() => setOnly(f.value)} /> {f.label}
            </label>
          ))}
        </fieldset>
        {preview.isPending && <p className="muted">Planning…</p>}
        <ErrorNote error={preview.error} />
        {preview.data && !preview.error && (
          <div data-testid="backfill-preview" className={current ? undefined : "muted"}>
            <p>
              <strong>
                {partitions.toLocaleString()} partition{partitions === 1 ? "" : "s"} in {preview.data.runCount.toLocaleString()} run
                {preview.data.runCount === 1 ? "" : "s"}
              </strong>
            </p>
            <ol className="preview-list">
              {preview.data.chunks.map((chunk) => (
                <li key={chunk.idx}>
                  {chunk.startKey === chunk.endKey ? chunk.startKey : `${chunk.startKey} … ${chunk.endKey}`}
                  {chunk.dependsOn.length > 0 && <span className="muted"> (after run {chunk.dependsOn.map((i) => i + 1).join(", ")})</span>}
                </li>
              ))}
            </ol>
            {preview.data.runCount > preview.data.chunks.length && (
              <p className="muted">and {(preview.data.runCount - preview.data.chunks.length).toLocaleString()} more runs</p>
            )}
          </div>
        )}
        <ErrorNote error={launch.error} />
        <div className="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            disabled={!current || !preview.data || !!preview.error || launch.isPending}
            onClick={() => launch.mutate()}
          >
            Launch backfill
          </button>
        </div>
      </div>
    </div>
  );
}
