import type { Page, Run, RunStatus } from "@strata/sdk";
import { CliError } from "../cli-error.js";
import { parseCount, parseOptions, printJson } from "../command.js";
import { formatDuration } from "../output/progress.js";
import { relativeTime } from "../output/relative-time.js";
import { RUN_STATUSES, styledStatus } from "../output/run-status.js";
import { styleFor, type Style } from "../output/style.js";
import { formatTable } from "../output/table.js";
import { connect, serverOptions } from "../server-target.js";
import { formatTags } from "../tag-option.js";
import { RUNS_OPTIONS_HELP } from "./runs-options-help.js";
import { subcommandHelp, type Subcommand } from "./subcommand.js";

/**
 * `strata runs list`: runs newest first, filtered by status, asset, location or tag.
 *
 * @example
 * ```ts
 * process.exitCode = await listSubcommand.run(["--status", "failure", "--first", "5"]);
 * ```
 */
export const listSubcommand: Subcommand = {
  name: "list",
  usage: "runs list [--status S[,S]] [--asset KEY] [--location L] [--tag name=value] [--first N] [--after CURSOR] [--json]",
  help: [
    "  Runs, newest first, 20 at a time (--first, up to 500). --status takes one or more of",
    `  ${RUN_STATUSES.join(", ")} (any case), comma-separated;`,
    "  --asset: runs that selected that asset; --location: runs of that code location.",
  ],
  async run(argv) {
    const { values, positionals } = parseOptions("runs list", argv, {
      ...serverOptions,
      status: { type: "string" },
      asset: { type: "string" },
      location: { type: "string" },
      tag: { type: "string" },
      first: { type: "string" },
      after: { type: "string" },
      json: { type: "boolean" },
    });
    if (values.help) return subcommandHelp(this, RUNS_OPTIONS_HELP);
    if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}". Usage: strata ${this.usage}`, 2);
    if (values.tag !== undefined && !values.tag.includes("=")) throw new CliError(`--tag "${values.tag}" must be name=value`, 2);
    const page = await connect(values).runs({
      status: parseStatuses(values.status),
      assetKey: values.asset,
      location: values.location,
      tag: values.tag,
      first: parseCount("--first", values.first, { min: 1, max: 500 }) ?? 20,
      after: values.after,
    });
    if (values.json) return printJson(page);
    console.log(formatRuns(page, styleFor(process.stdout)));
    return 0;
  },
};

function parseStatuses(value: string | undefined): RunStatus[] | undefined {
  if (value === undefined) return undefined;
  return value.split(",").map((raw) => {
    const status = raw.trim().toUpperCase() as RunStatus;
    if (!RUN_STATUSES.includes(status)) throw new CliError(`--status "${raw.trim()}" is not a run status: use ${RUN_STATUSES.join(", ")}`, 2);
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
