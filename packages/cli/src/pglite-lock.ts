import { acquireDataDirLock, DatabaseInUseError, type DataDirLock } from "@strata/server";
import { CliError } from "./cli-error.js";

/** A held lock on an embedded database directory. */
export type PgliteLock = DataDirLock;

/**
 * Takes the embedded database's lock (`<dataDir>.lock`, see the server's `acquireDataDirLock`)
 * for a CLI command before it opens the database, so a second command is refused with a
 * sentence naming the holder (and `advice`) rather than a corrupted directory.
 *
 * @example
 * ```ts
 * const lock = acquirePgliteLock(env.pgliteDir, "dev");
 * try { ... } finally { lock.release(); }
 * ```
 */
export function acquirePgliteLock(dataDir: string, command: string, advice = ""): PgliteLock {
  try {
    return acquireDataDirLock(dataDir, command);
  } catch (error) {
    if (error instanceof DatabaseInUseError) throw new CliError(`${error.message}${advice}`);
    throw error;
  }
}
