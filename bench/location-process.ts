import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { profileArgs } from "./server-process.js";

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * Starts a real code-location process serving bench/fixtures/orchestration-defs.ts, with the
 * young generation `strata location serve` runs it with (packages/cli/bin/strata.js): a run's
 * events wait in the reporter's buffer while a report is in flight, which V8's default 16 MB
 * nursery copies again and again (W2, six runs each way: ~160 ms of the location's CPU per run
 * against ~200 ms without).
 */
export function startLocation(options: { server: string; token: string; name: string; env: Record<string, string> }): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      ...profileArgs(),
      "--max-semi-space-size=64",
      "--conditions=strata-source",
      "--import",
      "tsx",
      `${here}fixtures/serve.ts`,
      `${here}fixtures/orchestration-defs.ts`,
      options.server,
      options.token,
      options.name,
    ],
    { env: { ...process.env, ...options.env }, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  child.on("exit", (code, signal) => {
    if (code && code !== 0) process.stderr.write(`location ${options.name} exited ${code ?? signal}: ${stderr}\n`);
  });
  return child;
}

export async function stopLocation(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}
