/**
 * The entry of a code-location process, started by `strata dev` and `strata location serve`
 * as `node --import tsx location-main.js` with its configuration in STRATA_LOCATION_CONFIG.
 * User code runs here, never in the server's process.
 */
import { createClient } from "@strata/sdk";
import { readLocationConfig, type LocationMessage } from "./location-config.js";
import { runLocation } from "./location-runner.js";
import { runtimeFor } from "./location-runtime.js";
import { trackImportedFiles } from "./imported-files.js";

const config = readLocationConfig();
const abort = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => abort.abort());
// Under strata dev the parent owns this process: if it dies, even killed, so does the location.
if (process.send) process.once("disconnect", () => abort.abort());

// The parent (strata dev) learns the manifest's hash over IPC, to know when the server has it;
// the channel must not keep this process alive.
process.channel?.unref();
const onLoaded = (hash: string) => void process.send?.({ type: "loaded", hash } satisfies LocationMessage);
// strata dev prints this process's lines about a run itself, in order with its own.
const onRunLog =
  config.mode === "dev" && process.send
    ? (runId: string, line: string) => void process.send?.({ type: "runLog", runId, line } satisfies LocationMessage)
    : undefined;

// strata dev watches the local files the definitions import, outside their directory too.
if (config.mode === "dev" && process.send)
  trackImportedFiles((file) => void process.send?.({ type: "imported", file } satisfies LocationMessage));

const client = createClient({ url: config.serverUrl, token: config.token });
process.exitCode = await runLocation({
  config,
  client,
  serve: await runtimeFor(config.defsPath),
  signal: abort.signal,
  onLoaded,
  ...(onRunLog && { onRunLog }),
});
// User code may leave timers or sockets open; the location's life is over either way.
process.exit();
