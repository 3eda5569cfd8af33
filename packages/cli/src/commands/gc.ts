import { Command } from "commander";
import { CliError } from "../cli-error.js";
import { action, parseCount, printJson } from "../command.js";

interface GcOptions {
  dryRun?: boolean;
  runEventsDays?: string;
  skippedTicksDays?: string;
  ticksDays?: string;
  emptyRunsDays?: string;
  json?: boolean;
}

/**
 * `strata gc [--dry-run]`: one retention pass straight in the database (DATABASE_URL, else
 * PGlite in $STRATA_HOME/db, which must not be open in a running server), with the server's own
 * functions: the same rules and batches as the background job, which a server runs when
 * STRATA_RETENTION_RUN_EVENTS_DAYS is set.
 *
 * @example
 * ```ts
 * await gcCommand().parseAsync(["--dry-run", "--run-events-days", "30"], { from: "user" });
 * ```
 */
export function gcCommand(): Command {
  const gc = new Command("gc")
    .description("Delete old runs' logs, keeping asset history and what re-execution needs (see README: Operating Strata).")
    .option("--dry-run", "print what would be deleted, by event kind, and delete nothing")
    .option("--run-events-days <n>", "purge runs that ended more than n days ago (env STRATA_RETENTION_RUN_EVENTS_DAYS)")
    .option("--skipped-ticks-days <n>", "delete SKIPPED automation ticks older than n days (env STRATA_RETENTION_SKIPPED_TICKS_DAYS)")
    .option("--ticks-days <n>", "delete SUCCESS and FAILURE automation ticks older than n days (env STRATA_RETENTION_TICKS_DAYS)")
    .option("--empty-runs-days <n>", "delete runs ended more than n days ago that recorded nothing (env STRATA_RETENTION_EMPTY_RUNS_DAYS)")
    .option("--json", "print JSON for scripts")
    .addHelpText(
      "after",
      [
        "",
        "Deleted: LOG, STEP_START, STEP_RESTARTED, STEP_UP_FOR_RETRY, RUN_SUCCESS/FAILURE/CANCELED events.",
        "Kept: materializations and check results, RUN_START, step outcomes and outputs (re-execution works",
        "as before), the run's status, steps and failure. Run.eventsPurgedAt records when.",
        "Ticks: a tick holding an asset's latest automation evaluation stays (it answers `automation why`).",
        "Empty runs: no materialization, check result, re-execution, backfill or partition status names them.",
      ].join("\n"),
    );
  return action(gc, async (options: GcOptions) => {
    // The server's code loads when a command needs it: `strata --help` and the client commands start without it.
    const [{ readEnv }, { acquirePgliteLock }] = await Promise.all([import("../server-launch.js"), import("../pglite-lock.js")]);
    const env = readEnv();
    const days = {
      runEventsDays: parseCount("--run-events-days", options.runEventsDays, { min: 1 }) ?? env.retention.runEventsDays,
      skippedTicksDays: parseCount("--skipped-ticks-days", options.skippedTicksDays, { min: 1 }) ?? env.retention.skippedTicksDays ?? null,
      ticksDays: parseCount("--ticks-days", options.ticksDays, { min: 1 }) ?? env.retention.ticksDays ?? null,
      emptyRunsDays: parseCount("--empty-runs-days", options.emptyRunsDays, { min: 1 }) ?? env.retention.emptyRunsDays ?? null,
    };
    if (Object.values(days).every((d) => d === null))
      throw new CliError(
        "Nothing to do: pass --run-events-days, --skipped-ticks-days, --ticks-days or --empty-runs-days N (or set STRATA_RETENTION_*)",
        2,
      );
    const { openDatabase, previewAutomationTickPurge, previewEmptyRunPurge, previewRunEventPurge, runRetentionOnce } = await import(
      "@strata/server"
    );
    const lock = env.DATABASE_URL
      ? null
      : acquirePgliteLock(env.pgliteDir, "gc", "; stop it first (a running server purges by itself with STRATA_RETENTION_* set)");
    try {
      const db = await openDatabase({ url: env.DATABASE_URL, dataDir: env.pgliteDir });
      try {
        const cutoffOf = (d: number) => new Date(Date.now() - d * 86_400_000);
        if (options.dryRun) {
          const preview = {
            runEvents:
              days.runEventsDays === null
                ? null
                : { cutoff: cutoffOf(days.runEventsDays), ...(await previewRunEventPurge(db.sql, cutoffOf(days.runEventsDays))) },
            skippedTicks:
              days.skippedTicksDays === null
                ? null
                : await previewAutomationTickPurge(db.sql, ["SKIPPED"], cutoffOf(days.skippedTicksDays)),
            ticks:
              days.ticksDays === null ? null : await previewAutomationTickPurge(db.sql, ["SUCCESS", "FAILURE"], cutoffOf(days.ticksDays)),
            emptyRuns: days.emptyRunsDays === null ? null : await previewEmptyRunPurge(db.sql, cutoffOf(days.emptyRunsDays)),
          };
          if (options.json) return printJson(preview);
          if (preview.runEvents && days.runEventsDays !== null) {
            const total = Object.values(preview.runEvents.events).reduce((a, b) => a + b, 0);
            console.log(
              `Would purge ${total} event(s) of ${preview.runEvents.runs} run(s) ended before ${preview.runEvents.cutoff.toISOString()} (${days.runEventsDays} days):`,
            );
            for (const [type, count] of Object.entries(preview.runEvents.events)) console.log(`  ${type.padEnd(18)} ${count}`);
          }
          if (preview.skippedTicks !== null)
            console.log(`Would delete ${preview.skippedTicks} SKIPPED automation tick(s) older than ${days.skippedTicksDays} days.`);
          if (preview.ticks !== null)
            console.log(`Would delete ${preview.ticks} SUCCESS/FAILURE automation tick(s) older than ${days.ticksDays} days.`);
          if (preview.emptyRuns !== null)
            console.log(`Would delete ${preview.emptyRuns} run(s) that recorded nothing, ended more than ${days.emptyRunsDays} days ago.`);
          return 0;
        }
        const report = await runRetentionOnce(db.sql, { ...days, batchRows: env.retention.batchRows });
        if (!report) throw new CliError("Another process holds the retention lock (a server purging now): try again later");
        if (options.json) return printJson(report);
        const done: string[] = [];
        if (days.runEventsDays !== null)
          done.push(
            `Purged ${report.deleted} event(s) of ${report.runs} run(s) ended before ${cutoffOf(days.runEventsDays).toISOString()}.`,
          );
        if (days.skippedTicksDays !== null || days.ticksDays !== null) done.push(`Deleted ${report.ticks} automation tick(s).`);
        if (days.emptyRunsDays !== null) done.push(`Deleted ${report.emptyRuns} run(s) that recorded nothing.`);
        console.log(`${done.join(" ")} ${report.statements} statements, the longest ${Math.round(report.longestStatementMs)} ms.`);
        return 0;
      } finally {
        await db.close();
      }
    } finally {
      lock?.release();
    }
  });
}
