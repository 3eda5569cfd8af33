import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LOCATION_CONFIG_ENV, type LocationConfig, type LocationMessage } from "./location-config.js";

/** tsx's loader, resolved from the CLI, so user projects need not install tsx themselves. */
const TSX_LOADER = import.meta.resolve("tsx");
const ENTRY = fileURLToPath(new URL("./location-main.js", import.meta.url));
/**
 * A larger young generation (V8's default semi-space is 16 MB): building definitions allocates
 * mostly objects that live on (the assets, their steps, the manifest), which a small nursery
 * copies again and again. Building 100,000 assets took ~8.2 s with the default, ~6.3 s with 64 MB.
 * Memory grows into it only as it is used. A NODE_OPTIONS that sets its own size wins.
 */
const V8_FLAGS = /--max-semi-space-size/.test(process.env.NODE_OPTIONS ?? "") ? [] : ["--max-semi-space-size=64"];

/** A running code-location child process. */
export interface LocationProcess {
  readonly child: ChildProcess;
  /** Resolves to the exit code (128 + n for a signal) once the process has ended. */
  readonly exited: Promise<number>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number>;
}

/**
 * Starts a code location in its own Node.js process with tsx loaded, so a TypeScript
 * definitions file runs as is and user code stays out of the CLI's (and the server's) process.
 * The child shares the terminal: its lines appear as it prints them. `onLoaded` hears, over
 * IPC, the hash of the manifest the child is about to register; `onImported`, under
 * `strata dev`, each local file the definitions import.
 *
 * @example
 * ```ts
 * const location = startLocationProcess({ defsPath, name: "sales", serverUrl, heartbeatSeconds: 10, mode: "serve" });
 * process.exitCode = await location.exited;
 * ```
 */
export function startLocationProcess(
  config: LocationConfig,
  {
    onLoaded,
    onRunLog,
    onImported,
  }: { onLoaded?: (hash: string) => void; onRunLog?: (runId: string, line: string) => void; onImported?: (file: string) => void } = {},
): LocationProcess {
  const child = spawn(process.execPath, [...V8_FLAGS, "--import", TSX_LOADER, ENTRY], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, [LOCATION_CONFIG_ENV]: JSON.stringify(config) },
  });
  child.on("message", (message: LocationMessage) => {
    if (message?.type === "loaded") onLoaded?.(message.hash);
    if (message?.type === "imported") onImported?.(message.file);
    // A dev location sends its lines about runs here; printed as they come unless asked otherwise.
    if (message?.type === "runLog")
      (onRunLog ?? ((_runId: string, line: string) => process.stdout.write(line)))(message.runId, message.line);
  });
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
    child.once("error", () => resolve(1));
  });
  return {
    child,
    exited,
    async stop(graceMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === "SIGKILL" ? 9 : signal === "SIGINT" ? 2 : 15;
}
