import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

/** The built binary, as users run it. */
export const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../../../..", import.meta.url));
/**
 * How long `waitFor` waits for a line by default. Generous: under `npm test` every package tests
 * at once on two cores, and a location process once took over 90 s to register. A passing test
 * never waits for it; it only bounds how long a real hang takes to fail.
 */
const WAIT_MS = 240_000;
/** How long `stop` lets a process end after Ctrl-C before killing it. */
const STOP_GRACE_MS = 20_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** The environment of a CLI process: this one's, minus anything that would point it elsewhere. */
function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const key of ["STRATA_SERVER", "STRATA_TOKEN", "DATABASE_URL", "REDIS_URL", "PORT", "HOST", "STRATA_HOME"]) delete env[key];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs `node dist/bin.js ...args` to completion. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const cli = startCli(args, { timeoutMs: WAIT_MS, ...options });
  return cli.exited.then((code) => ({ code, stdout: cli.stdout, stderr: cli.stderr }));
}

/**
 * Runs `node dist/bin.js ...args` to completion and expects it to exit 0 (its stderr is the
 * failure's message); answers what it printed, and stdout's lines without the trailing newline.
 */
export async function runCliOk(args: string[], options: CliOptions = {}): Promise<CliResult & { lines: string[] }> {
  const result = await runCli(args, options);
  expect(result.code, result.stderr).toBe(0);
  return { ...result, lines: result.stdout.trimEnd().split("\n") };
}

/**
 * Runs `node dist/bin.js ...args` on a pseudo-terminal 100 columns wide (util-linux `script`),
 * as a person at a terminal does: stdout is a TTY, so live displays draw. The output is what
 * the terminal received, with "\r\n" line ends and control sequences.
 */
export function runCliInTerminal(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const quote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`;
  const command = `stty cols 100 rows 40; exec ${[process.execPath, BIN, ...args].map(quote).join(" ")}`;
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    cwd: options.cwd ?? REPO_ROOT,
    env: cliEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timeout = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 90_000);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timeout);
      resolve({ code: code ?? 1, stdout, stderr });
    }),
  );
}

/** A CLI process still running: its output so far, and ways to wait for lines and stop it. */
export interface RunningCli {
  readonly child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  readonly exited: Promise<number>;
  /** Resolves with the match once stdout or stderr (from `from` characters on) matches. */
  waitFor(pattern: RegExp, options?: { timeoutMs?: number; from?: number }): Promise<RegExpMatchArray>;
  /** The combined output's length now, to wait only for what comes next. */
  mark(): number;
  /** SIGINT (as Ctrl-C), then the exit code. */
  stop(): Promise<number>;
}

export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: cliEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let combined = "";
  const listeners = new Set<() => void>();
  const onData = (which: "out" | "err") => (chunk: Buffer) => {
    const text = chunk.toString();
    if (which === "out") stdout += text;
    else stderr += text;
    combined += text;
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on("data", onData("out"));
  child.stderr!.on("data", onData("err"));
  const exited = new Promise<number>((resolve) => child.once("close", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  // A safety net, so a hung process cannot outlive the test run.
  const timeout = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
  void exited.then(() => clearTimeout(timeout));
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    mark: () => combined.length,
    waitFor(pattern, { timeoutMs = WAIT_MS, from = 0 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = combined.slice(from).match(pattern);
          if (!match) return false;
          done();
          resolve(match);
          return true;
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms; output so far:\n${combined}`));
        }, timeoutMs);
        const onExit = () => {
          if (check()) return;
          done();
          reject(new Error(`the CLI exited before printing ${pattern}; output:\n${combined}`));
        };
        const done = () => {
          clearTimeout(timer);
          listeners.delete(listener);
        };
        const listener = () => void check();
        if (check()) return;
        listeners.add(listener);
        void exited.then(onExit);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      // A process that ignores Ctrl-C (a hang this test run should not wait out) is killed.
      const kill = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      return exited.finally(() => clearTimeout(kill));
    },
  };
}
