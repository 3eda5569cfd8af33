import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Who holds an embedded database directory. */
export interface LockHolder {
  pid: number;
  /** What holds it: "server", or the CLI command ("dev", "token create"...). */
  command: string;
  /** The holder's GraphQL endpoint, once it listens. */
  url?: string;
}

/** A held lock on an embedded database directory. */
export interface DataDirLock {
  /** Records the server's URL, so whoever is turned away knows where to go instead. */
  setUrl(url: string): void;
  release(): void;
}

/** Another live process has the embedded database open. */
export class DatabaseInUseError extends Error {
  override readonly name = "DatabaseInUseError";
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    const where = holder.url ? ` at ${holder.url}` : "";
    super(`the embedded database ${dataDir} is in use by \`strata ${holder.command}\` (pid ${holder.pid})${where}`);
  }
}

/**
 * Takes `<dataDir>.lock` for this process. PGlite is Postgres inside one process: two processes
 * opening one data directory both "succeed" and then corrupt it. A lock left by a process that
 * no longer runs is taken over; one this process already holds (the CLI takes it before it opens
 * the database) is shared, and released by whoever took it.
 *
 * @example
 * const lock = acquireDataDirLock(".strata/db", "server");
 * try { ... } finally { lock.release(); }
 */
export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
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
      if (current?.pid === process.pid) return { setUrl: () => {}, release: () => {} };
      if (current && isRunning(current.pid)) throw new DatabaseInUseError(dataDir, current);
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
