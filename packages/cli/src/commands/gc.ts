import { Command } from "commander";
import { CliError } from "../cli-error.js";
import { action, parseCount, printJson } from "../command.js";
import { acquirePgliteLock } from "../pglite-lock.js";
import { readEnv } from "../server-launch.js";

interface GcOptions {
  dryRun?: boolean;
  runEventsDays?: string;
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
    .option("--json", "print JSON for scripts")
    .addHelpText(
      "after",
      [
        "",
        "Deleted: LOG, STEP_START, STEP_RESTARTED, STEP_UP_FOR_RETRY, RUN_SUCCESS/FAILURE/CANCELED events.",
        "Kept: materializations and check results, RUN_START, step outcomes and outputs (re-execution works",
        "as before), the run's status, steps and failure. Run.eventsPurgedAt records when.",
      ].join("\n"),
    );
  return action(gc, async (options: GcOptions) => {
    const env = readEnv();
    const days = parseCount("--run-events-days", options.runEventsDays, { min: 1 }) ?? env.retention.runEventsDays;
    if (days === null) throw new CliError("Nothing to do: pass --run-events-days N or set STRATA_RETENTION_RUN_EVENTS_DAYS", 2);
    const { openDatabase, previewRunEventPurge, runRetentionOnce } = await import("@strata/server");
    const lock = env.DATABASE_URL
      ? null
      : acquirePgliteLock(env.pgliteDir, "gc", "; stop it first (a running server purges by itself with STRATA_RETENTION_RUN_EVENTS_DAYS)");
    try {
      const db = await openDatabase({ url: env.DATABASE_URL, dataDir: env.pgliteDir });
      try {
        const cutoff = new Date(Date.now() - days * 86_400_000);
        if (options.dryRun) {
          const preview = await previewRunEventPurge(db.sql, cutoff);
          if (options.json) return printJson({ cutoff, ...preview });
          const total = Object.values(preview.events).reduce((a, b) => a + b, 0);
          console.log(`Would purge ${total} event(s) of ${preview.runs} run(s) ended before ${cutoff.toISOString()} (${days} days):`);
          for (const [type, count] of Object.entries(preview.events)) console.log(`  ${type.padEnd(18)} ${count}`);
          return 0;
        }
        const report = await runRetentionOnce(db.sql, { runEventsDays: days, batchRows: env.retention.batchRows });
        if (!report) throw new CliError("Another process holds the retention lock (a server purging now): try again later");
        if (options.json) return printJson({ cutoff, ...report });
        console.log(
          `Purged ${report.deleted} event(s) of ${report.runs} run(s) ended before ${cutoff.toISOString()}: ${report.statements} statements, the longest ${Math.round(report.longestStatementMs)} ms.`,
        );
        return 0;
      } finally {
        await db.close();
      }
    } finally {
      lock?.release();
    }
  });
}
