import type { StrataSubscription } from "@strata/sdk";
import { useEffect, useRef } from "react";
import { useStrata } from "./strata-provider.js";

/**
 * Follows an SDK subscription while the component is mounted (and `key` stays the same): each
 * event goes to `onEvent`. The SDK reconnects by itself; an error it gives up on (a refused
 * token) goes to the provider, which asks for a token.
 */
export function useSubscription<T>(
  key: string | null,
  open: (client: ReturnType<typeof useStrata>["client"]) => StrataSubscription<T>,
  onEvent: (event: T) => void,
): void {
  const { reportError, client } = useStrata();
  const latest = useRef({ open, onEvent });
  latest.current = { open, onEvent };
  useEffect(() => {
    if (key === null) return;
    const subscription = latest.current.open(client);
    void (async () => {
      try {
        for await (const event of subscription) latest.current.onEvent(event);
      } catch (error) {
        // The SDK retries what a retry can fix; what reaches here is a refusal (a bad token, a
        // bad argument): the provider asks for a token, the console keeps the rest.
        console.error(`subscription ${key} ended:`, error);
        reportError(error);
      }
    })();
    return () => void subscription.close();
    // `client` changes with the token: reconnect with the new one.
  }, [key, client, reportError]);
}
