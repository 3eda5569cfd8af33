import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CliError } from "./cli-error.js";

/** Who holds an embedded database. */
export interface LockHolder {
  pid: number;
  /** e.g. "dev", "server", "token create". */
  command: string;
  /** The holder's GraphQL endpoint, once it listens. */
  url?: string;
}

/** A held lock on an embedded database directory. */
export interface PgliteLock {
  /** Records the server's URL, so whoever is turned away knows where to go instead. */
  setUrl(url: string): void;
  release(): void;
}

/**
 * Takes `<dataDir>.lock` for this process. PGlite is Postgres in one process: two processes
 * opening one data directory both "succeed" and then corrupt it, so every CLI command that
 * opens an embedded database takes this lock first, and a second one is refused with a message
 * naming the holder. A lock left by a process that no longer runs is taken over.
 *
 * @example
 * ```ts
 * const lock = acquirePgliteLock(env.pgliteDir, "dev");
 * try { ... } finally { lock.release(); }
 * ```
 */
export function acquirePgliteLock(dataDir: string, command: string, advice = ""): PgliteLock {
  const path = `${dataDir}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  let holder: LockHolder = { pid: process.pid, command };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(holder), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 2) throw error;
      const current = readHolder(path);
      if (current && current.pid !== process.pid && isRunning(current.pid)) {
        const where = current.url ? ` at ${current.url}` : "";
        throw new CliError(`the embedded database ${dataDir} is in use by \`strata ${current.command}\` (pid ${current.pid})${where}${advice}`);
      }
      unlinkSync(path); // stale: its process is gone
    }
  }
  const release = () => {
    if (readHolder(path)?.pid === process.pid) unlinkSync(path);
    process.off("exit", release);
  };
  process.on("exit", release);
  return {
    setUrl(url) {
      holder = { ...holder, url };
      writeFileSync(path, JSON.stringify(holder));
    },
    release,
  };
}

function readHolder(path: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockHolder;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
