import type { Backfill } from "@strata/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorNote } from "../layout/error-note.js";
import { useStrata } from "../api/strata-provider.js";

/** What did not materialize can be retried once the backfill has ended. */
const RETRYABLE = ["COMPLETED_FAILED", "CANCELED"];

/**
 * A backfill's actions, as Dagster's backfills table offers them: cancel one that is running
 * (after a confirmation: its queued runs are canceled, its started runs terminated), and retry
 * one that ended without materializing everything — a child backfill over exactly the partitions
 * it did not materialize. A refusal (it ended meanwhile, nothing is left to retry…) is shown as
 * the server's sentence, and the list is read again either way.
 */
export function BackfillActions({ backfill }: { backfill: Backfill }) {
  const { client } = useStrata();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["backfills"] });
  const cancel = useMutation({
    mutationFn: () => client.cancelBackfill(backfill.id),
    onSettled: () => {
      setConfirming(false);
      return refresh();
    },
  });
  const retry = useMutation({ mutationFn: () => client.reexecuteBackfill(backfill.id, "FROM_FAILURE"), onSettled: refresh });
  const label = backfill.title ?? backfill.id.slice(0, 8);
  return (
    <div className="row-actions">
      {backfill.status === "REQUESTED" &&
        (confirming ? (
          <>
            <span>Cancel its {backfill.runCount.toLocaleString()} runs?</span>
            <button
              type="button"
              className="danger"
              disabled={cancel.isPending}
              onClick={() => cancel.mutate()}
              aria-label={`Confirm canceling backfill ${label}`}
            >
              Cancel backfill
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep running
            </button>
          </>
        ) : (
          <button type="button" className="danger" onClick={() => setConfirming(true)} aria-label={`Cancel backfill ${label}`}>
            Cancel…
          </button>
        ))}
      {RETRYABLE.includes(backfill.status) && (
        <button
          type="button"
          disabled={retry.isPending}
          onClick={() => retry.mutate()}
          aria-label={`Retry the failed partitions of backfill ${label}`}
          title="A new backfill over the partitions this one did not materialize (failed, skipped or canceled)"
        >
          Retry failed
        </button>
      )}
      {retry.data && <span className="muted">retried as {retry.data.title ?? retry.data.id.slice(0, 8)}</span>}
      <ErrorNote error={cancel.error ?? retry.error} />
    </div>
  );
}
