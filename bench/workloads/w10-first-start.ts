import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { BenchRow, Workload } from "../harness.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BARE = fileURLToPath(new URL("../fixtures/bare-yoga.ts", import.meta.url));
const SECOND_STARTS = 5;
const HEALTH = JSON.stringify({ query: "{ health { version } }" });

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function stopGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group has ended.
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: HEALTH });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts `command` in its own process group and times, from the spawn, its first line of output
 * and the first answer of the GraphQL `url` (`urlOf` reads it from the output, or it is known);
 * then stops the whole group.
 */
async function timeStart(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; url?: string },
): Promise<{ firstOutputMs: number; servesMs: number }> {
  const t0 = performance.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let firstOutputMs = Number.NaN;
  let url = options.url;
  let output = "";
  const onData = (chunk: Buffer) => {
    if (Number.isNaN(firstOutputMs)) firstOutputMs = performance.now() - t0;
    output = (output + chunk).slice(-8000);
    url ??= /^(http:\/\/127\.0\.0\.1:\d+\/graphql)$/m.exec(output)?.[1];
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command} ${args.join(" ")} exited ${child.exitCode}:\n${output}`);
      if (performance.now() - t0 > 300_000) throw new Error(`${command} ${args.join(" ")} did not serve in 300 s:\n${output}`);
      if (url && (await answers(url))) return { firstOutputMs, servesMs: performance.now() - t0 };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    stopGroup(child.pid!, "SIGINT");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    // Whatever of the group is left (npm's children outlive it when it dies first).
    stopGroup(child.pid!, "SIGKILL");
  }
}

/**
 * Issue 16's first start: a fresh clone of this checkout's HEAD, `npm ci` in it (not timed), then
 * `npm start` (the quick start) timed until it prints its first line and until its GraphQL
 * server answers, then five more `npm start`s in the same clone (p50 and max). Baseline: a bare graphql-yoga app
 * started through tsx in its own process until it answers (fixtures/bare-yoga.ts).
 */
export const w10FirstStart: Workload = {
  id: "W10",
  title: "first start: npm start on a fresh clone, then again",
  async run(): Promise<BenchRow[]> {
    const dir = await mkdtemp(join(tmpdir(), "strata-first-start-"));
    try {
      await run("git", ["clone", "--quiet", ROOT, dir]);
      await run("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: dir, maxBuffer: 64 << 20 });
      const port = await freePort();
      // The quick start as a newcomer runs it: its embedded database, no server of this machine's.
      const { DATABASE_URL: _database, NODE_OPTIONS: _options, ...inherited } = process.env;
      const env = { ...inherited, PORT: String(port), STRATA_HOME: join(dir, ".strata-home") };
      const url = `http://127.0.0.1:${port}/graphql`;
      const first = await timeStart("npm", ["start"], { cwd: dir, env, url });
      // Later starts, five of them: one start on this machine varies by ±0.5 s from run to run.
      const later: number[] = [];
      for (let i = 0; i < SECOND_STARTS; i++) later.push((await timeStart("npm", ["start"], { cwd: dir, env, url })).servesMs);
      later.sort((a, b) => a - b);
      const bare = await timeStart(process.execPath, ["--import", "tsx", BARE], { cwd: ROOT, env: process.env });
      const row = (metric: string, ms: number, goalS?: number): BenchRow => ({
        name: "W10 npm start",
        metric,
        unit: "s",
        value: ms / 1000,
        baselineName: "bare yoga app started through tsx, serving",
        baseline: bare.servesMs / 1000,
        ...(goalS !== undefined && { goal: `≤ ${goalS} s`, met: ms <= goalS * 1000 }),
      });
      return [
        row("fresh clone: first line printed", first.firstOutputMs, 2),
        row("fresh clone: serves GraphQL", first.servesMs, 20),
        row(`later start: serves GraphQL, p50 of ${SECOND_STARTS}`, later[Math.floor(SECOND_STARTS / 2)]!, 3),
        row(`later start: serves GraphQL, max of ${SECOND_STARTS}`, later[SECOND_STARTS - 1]!),
      ];
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
