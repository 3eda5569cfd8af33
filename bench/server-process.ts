import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../packages/server/src/main.ts", import.meta.url));

/**
 * A Strata server in its own process, as in production: the benchmark's client work then does
 * not share the server's event loop. Resolves once it listens, with its GraphQL URL.
 */
export async function startServerProcess(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--conditions=strata-source", "--import", "tsx", main], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", STRATA_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const lines = createInterface({ input: child.stderr! });
  const url = await new Promise<string>((resolve, reject) => {
    const seen: string[] = [];
    lines.on("line", (line) => {
      seen.push(line);
      try {
        const entry = JSON.parse(line) as { message?: string; graphql?: string };
        if (entry.message === "strata server listening" && entry.graphql) resolve(entry.graphql);
      } catch {
        /* not a log line */
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code} before listening:\n${seen.join("\n")}`)));
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
