import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createToken, type Database, openDatabase } from "@strata/server";
import { bearerFetcher } from "./graphql-post.js";
import { scratchDatabase } from "./postgres.js";

const main = fileURLToPath(new URL("../packages/server/src/main.ts", import.meta.url));

/**
 * With BENCH_PROFILE_DIR set, each server or location process a workload starts writes a V8 CPU
 * profile there as it exits (one sample every 200 µs), for Chrome DevTools or any .cpuprofile reader.
 */
export function profileArgs(): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=200"] : [];
}

/**
 * A Strata server in its own process, as in production: the benchmark's client work then does
 * not share the server's event loop. With the young generation the `strata` bin gives the
 * server (packages/cli/bin/strata.js). Resolves once it listens, with its GraphQL URL.
 */
export async function startServerProcess(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [...profileArgs(), "--max-semi-space-size=64", "--conditions=strata-source", "--import", "tsx", main],
    {
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", STRATA_LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
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

/** A server process on a scratch database, with what a workload seeds it through. */
export interface ScratchServer {
  /** The scratch database's URL. */
  databaseUrl: string;
  /** The server's GraphQL URL. */
  url: string;
  /** The scratch database opened in the benchmark's process, for tokens and direct reads. */
  db: Database;
  /** An admin token. */
  admin: string;
  /** A fetch for `post` that sends every request to the server with the admin token. */
  fetcher: (url: string, init: RequestInit) => Promise<Response>;
  /** Closes the database handle, stops the server and drops the scratch database. */
  stop(): Promise<void>;
}

/**
 * A scratch PostgreSQL database, a server process on it, the database opened here with
 * `poolSize` connections and an admin token written straight into it, as `strata token create`
 * bootstraps a server.
 */
export async function startScratchServer(poolSize: number): Promise<ScratchServer> {
  const scratch = await scratchDatabase();
  const server = await startServerProcess({ DATABASE_URL: scratch.url });
  const db = await openDatabase({ url: scratch.url, poolSize });
  const stop = async () => {
    await db.close();
    await server.stop();
    await scratch.drop();
  };
  try {
    const admin = (await createToken(db.prisma, { name: "bench-admin", scopes: ["admin"] })).token;
    return { databaseUrl: scratch.url, url: server.url, db, admin, fetcher: bearerFetcher(server.url, admin), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
