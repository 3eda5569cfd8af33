import { createClient, UnauthenticatedError, UnauthorizedError, type StrataClient } from "@strata/sdk";
import { QueryCache, QueryClient, QueryClientProvider, MutationCache } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { TokenPrompt } from "./token-prompt.js";

const TOKEN_KEY = "strata.token";
/** The server that served this page answers GraphQL beside it. */
const GRAPHQL_URL = new URL("/graphql", window.location.href).href;

export interface Strata {
  /** A client with the stored token (if any). */
  client: StrataClient;
  /**
   * A client whose requests abort with `signal`: TanStack Query aborts a query's signal when its
   * key changes (a new keystroke), so a stale search never occupies the connection. The SDK's
   * methods take no signal, but its `fetch` option does the same.
   */
  clientFor(signal: AbortSignal | undefined): StrataClient;
  /** Asks for a token again (after an UnauthenticatedError from a subscription, say). */
  reportError(error: unknown): void;
}

const StrataContext = createContext<Strata | null>(null);

function storedToken(): string | undefined {
  try {
    return window.localStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * The SDK client, the query cache and the token prompt. When the server requires a token
 * (`strata server`) and the stored one is missing or refused, every page waits behind the prompt;
 * `strata dev` runs with auth disabled, so the prompt never shows there.
 */
export function StrataProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState(storedToken);
  const [refusal, setRefusal] = useState<string | null>(null);
  // Reading needs a token with `read`: without one (anonymous) the server answers FORBIDDEN,
  // with a bad one UNAUTHENTICATED; either way, ask for a token.
  const reportError = useCallback((error: unknown) => {
    if (error instanceof UnauthenticatedError || error instanceof UnauthorizedError) setRefusal(error.message);
  }, []);
  const queryClient = useMemo(
    () =>
      new QueryClient({
        queryCache: new QueryCache({ onError: reportError }),
        // A launch refused for want of the `launch` scope says so where it was clicked; only a
        // token the server does not know brings the prompt back.
        mutationCache: new MutationCache({ onError: (error) => error instanceof UnauthenticatedError && reportError(error) }),
        defaultOptions: {
          queries: {
            staleTime: 5_000,
            refetchOnWindowFocus: false,
            // A refused token or a missing asset does not get better by asking again.
            retry: (count, error) => count < 2 && !(error instanceof UnauthenticatedError) && !(error instanceof UnauthorizedError),
          },
        },
      }),
    [reportError],
  );
  const strata = useMemo<Strata>(() => {
    // Always a wrapper: the SDK's subscriptions call `endpoint.fetch(...)`, and a browser's
    // fetch called as a method of another object throws "Illegal invocation".
    const clientFor = (signal: AbortSignal | undefined) =>
      createClient({
        url: GRAPHQL_URL,
        token,
        fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, signal ? { ...init, signal } : init),
      });
    return { client: clientFor(undefined), clientFor, reportError };
  }, [token, reportError]);

  const saveToken = (secret: string) => {
    try {
      window.localStorage.setItem(TOKEN_KEY, secret);
    } catch {
      // Private windows may refuse storage: the token then lasts as long as the page.
    }
    setToken(secret);
    setRefusal(null);
    void queryClient.resetQueries();
  };

  return (
    <StrataContext.Provider value={strata}>
      <QueryClientProvider client={queryClient}>
        {refusal !== null ? <TokenPrompt reason={refusal} hadToken={token !== undefined} onSubmit={saveToken} /> : children}
      </QueryClientProvider>
    </StrataContext.Provider>
  );
}

export function useStrata(): Strata {
  const strata = useContext(StrataContext);
  if (!strata) throw new Error("useStrata outside <StrataProvider>");
  return strata;
}
