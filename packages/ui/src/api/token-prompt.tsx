import { useState } from "react";
import { TextInput } from "../layout/text-input.js";

/** Shown when the server refuses the request for want of a (valid) API token. */
export function TokenPrompt(props: { reason: string; hadToken: boolean; onSubmit(token: string): void }) {
  const [secret, setSecret] = useState("");
  return (
    <div className="token-prompt">
      <form
        className="panel"
        onSubmit={(event) => {
          event.preventDefault();
          if (secret.trim()) props.onSubmit(secret.trim());
        }}
      >
        <h1>Strata needs an API token</h1>
        <p className="muted">{props.hadToken ? `The stored token was refused: ${props.reason}` : props.reason}</p>
        <p>
          Create one with <code>strata token create --name me --scopes launch</code> (or <code>read</code> to only look). It is kept in this
          browser's local storage.
        </p>
        <TextInput type="password" aria-label="API token" placeholder="strata_…" value={secret} onChange={setSecret} />
        <button type="submit" className="primary">
          Use this token
        </button>
      </form>
    </div>
  );
}
