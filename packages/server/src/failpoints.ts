/**
 * Crash points for tests of crash safety: `STRATA_FAILPOINTS=automation.after-run-insert` makes
 * the process kill itself (SIGKILL, as a power cut or the OOM killer would) when it reaches that
 * point. Read once at start-up; unset in production, where a call costs one set lookup.
 *
 * Points: `automation.after-run-insert` (a tick's runs are inserted, its transaction not committed).
 */
const armed = new Set(
  (process.env.STRATA_FAILPOINTS ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean),
);

export function failpoint(name: string): void {
  if (armed.has(name)) process.kill(process.pid, "SIGKILL");
}
