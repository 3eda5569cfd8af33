import type { Page, Run, RunStatus } from "@strata/sdk";
import { CliError } from "../cli-error.js";
import type { Command } from "commander";
import { answerAction, parseCount } from "../command.js";
import { formatDuration } from "../output/progress.js";
import { relativeTime } from "../output/relative-time.js";
import { RUN_STATUSES, styledStatus } from "../output/run-status.js";
import type { Style } from "../output/style.js";
import { formatTable } from "../output/table.js";
import { connect, type ServerOptions, serverCommand } from "../server-target.js";
import { formatTags } from "../tag-option.js";

/**
 * `strata runs list`: runs newest first, filtered by status, asset, location or tag.
 *
 * @example
 * ```ts
 * await listCommand().parseAsync(["--status", "failure", "--first", "5"], { from: "user" });
 * ```
 */
export function listCommand(): Command {
  const list = serverCommand(
    "list",
    "runs, newest first, filtered by status, asset, location or tag",
    "Runs, newest first, 20 at a time (--first, up to 500).",
  )
    .option("--status <s[,s]>", `runs in one of these statuses, comma-separated (any case): ${RUN_STATUSES.join(", ")}`)
    .option("--asset <key>", "runs that selected this asset")
    .option("--location <name>", "runs of this code location")
    .option("--tag <name=value>", "runs with this tag")
    .option("--first <n>", "how many to show (1-500; default 20)")
    .option("--after <cursor>", "the page after this cursor");
  return answerAction(
    list,
    async (options: ListOptions) => {
      if (options.tag !== undefined && !options.tag.includes("=")) throw new CliError(`--tag "${options.tag}" must be name=value`, 2);
      return connect(options).runs({
        status: parseStatuses(options.status),
        assetKey: options.asset,
        location: options.location,
        tag: options.tag,
        first: parseCount("--first", options.first, { min: 1, max: 500 }) ?? 20,
        after: options.after,
      });
    },
    formatRuns,
  );
}

interface ListOptions extends ServerOptions {
  status?: string;
  asset?: string;
  location?: string;
  tag?: string;
  first?: string;
  after?: string;
}

function parseStatuses(value: string | undefined): RunStatus[] | undefined {
  if (value === undefined) return undefined;
  return value.split(",").map((raw) => {
    const status = raw.trim().toUpperCase() as RunStatus;
    if (!RUN_STATUSES.includes(status))
      throw new CliError(`--status "${raw.trim()}" is not a run status: use ${RUN_STATUSES.join(", ")}`, 2);
    return status;
  });
}

function formatRuns(page: Page<Run>, style: Style): string {
  if (page.items.length === 0) return "No runs match.";
  const rows = page.items.map((run) => [
    run.id,
    styledStatus(run.status, style),
    relativeTime(run.createdAt),
    run.durationMs === null ? "" : formatDuration(run.durationMs),
    run.location.name,
    run.parentRunId ? `${run.reexecutionStrategy ?? "re-execution"} of ${run.parentRunId.slice(0, 8)}` : "",
    formatTags(run.tags),
    run.assetKeys.length > 1 ? `${run.assetKeys[0]} +${run.assetKeys.length - 1}` : (run.assetKeys[0] ?? ""),
  ]);
  const table = formatTable(["ID", "STATUS", "CREATED", "DURATION", "LOCATION", "RE-EXECUTES", "TAGS", "ASSETS"], rows);
  const shown = `${page.items.length} run${page.items.length === 1 ? "" : "s"}, newest first`;
  const more = page.hasNextPage ? `; next page: --after ${page.endCursor}` : "";
  return `${table}\n\n${style.dim(`${shown}${more}`)}`;
}
