import type { RunEvent } from "@strata/sdk";
import { useEffect, useRef, useState } from "react";
import { useSubscription } from "../api/use-subscription.js";

/**
 * A run's log, followed live: the SDK's `runEvents` replays the stored events, then streams new
 * ones exactly once and in order, and ends after the run's last. Events land in an array outside
 * React; the component re-renders at most once per animation frame however fast they arrive.
 */
export function useRunEvents(runId: string): { events: readonly RunEvent[]; version: number } {
  const store = useRef<{ runId: string; events: RunEvent[] }>({ runId, events: [] });
  if (store.current.runId !== runId) store.current = { runId, events: [] };
  const [version, setVersion] = useState(0);
  const frame = useRef<number | null>(null);
  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
    },
    [],
  );
  useSubscription(
    `events:${runId}`,
    (client) => client.runEvents(runId),
    (event) => {
      // A closed subscription of the previous run may still deliver one.
      if (event.runId !== store.current.runId) return;
      store.current.events.push(event);
      frame.current ??= requestAnimationFrame(() => {
        frame.current = null;
        setVersion((v) => v + 1);
      });
    },
  );
  return { events: store.current.events, version };
}
