import { StrataError } from "@strata/sdk";

/** An error as a sentence, with the server's code when it gave one. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof StrataError ? error.code : null;
  return (
    <p className="error-note" role="alert">
      {code && <strong>{code}: </strong>}
      {message}
    </p>
  );
}
