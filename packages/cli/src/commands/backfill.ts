import type { Backfill, BackfillFilter, StrataClient } from "@strata/sdk";
import { Command, Option } from "commander";
import { CliError } from "../cli-error.js";
import { action, answerAction, parseCount, printJson } from "../command.js";
import { backfillEnded, formatBackfill, formatBackfillPreview } from "../output/backfill-progress.js";
import { styleFor } from "../output/style.js";
import { connect, type ServerOptions, serverCommand } from "../server-target.js";
import { type PartitionRangeOptions, withPartitionRange } from "../partition-range-option.js";
import { parseTags } from "../tag-option.js";

interface LaunchOptions extends ServerOptions, PartitionRangeOptions {
  all?: boolean;
  only?: string;
  chunk?: string;
  singleRun?: boolean;
  dryRun?: boolean;
  title?: string;
  tag?: string[];
  json?: boolean;
}

const ONLY: Record<string, BackfillFilter> = { all: "ALL", missing: "MISSING", "failed-and-missing": "FAILED_AND_MISSING" };

/**
 * `strata backfill launch|status|cancel|retry`: fills partitions of assets with many runs,
 * through @strata/sdk.
 *
 * @example
 * ```ts
 * await backfillCommand().parseAsync(["launch", "sales/orders", "--from", "2024-01-01", "--to", "2024-03-31"], { from: "user" });
 * ```
 */
export function backfillCommand(): Command {
  const backfill = new Command("backfill").description("Backfills: fill partitions of assets with many runs, follow them, cancel, retry.");
  const launch = withPartitionRange(
    serverCommand(
      "launch",
      "fill partitions of assets",
      "Launches a backfill of the assets (one code location, one partitions definition) from --from to --to (keys, inclusive), or --all. Runs follow the assets' backfill policy unless --chunk or --single-run says otherwise. Needs the launch scope.",
    ).argument("<assets...>", "asset keys, e.g. sales/orders"),
  )
    .option("--all", "every partition")
    .addOption(new Option("--only <which>", "which partitions of the range, per asset").choices(Object.keys(ONLY)).default("all"))
    .option("--chunk <n>", "partitions per run")
    .option("--single-run", "one run over the whole range")
    .option("--dry-run", "print the runs it would create; create nothing")
    .option("--title <title>", "a title to find it by")
    .option("--tag <name=value...>", "a tag on every run (repeatable)")
    .option("--json", "print JSON for scripts");
  action(launch, async (assets: string[], options: LaunchOptions) => {
    if (options.chunk !== undefined && options.singleRun) throw new CliError("give --chunk or --single-run, not both", 2);
    if (!options.all && options.from === undefined && options.to === undefined) throw new CliError("give --from/--to or --all", 2);
    const input = {
      assetKeys: assets,
      from: options.from,
      to: options.to,
      all: options.all,
      only: ONLY[options.only ?? "all"],
      maxPartitionsPerRun: parseCount("--chunk", options.chunk, { min: 1 }),
      singleRun: options.singleRun,
      title: options.title,
      tags: parseTags(options.tag),
    };
    const client = connect(options);
    const style = styleFor(process.stdout);
    if (options.dryRun) {
      const preview = await client.previewBackfill(input, { first: 10 });
      if (options.json) return printJson(preview);
      console.log(formatBackfillPreview(preview, style));
      return 0;
    }
    const launched = await client.launchBackfill(input);
    if (options.json) return printJson(launched);
    console.log(formatBackfill(launched, style, process.stdout.columns ?? 80));
    console.log(style.dim(`  follow it: strata backfill status ${launched.id} --watch`));
    return 0;
  });

  const status = serverCommand(
    "status",
    "a backfill's progress per asset",
    "A backfill's status, its runs by state and each asset's progress. With --watch, prints it again at each change until it ends, then exits 0 for COMPLETED_SUCCESS, 1 otherwise.",
  )
    .argument("<id>", "the backfill")
    .option("--watch", "follow it until it ends")
    .option("--json", "print JSON for scripts");
  action(status, async (id: string, options: ServerOptions & { watch?: boolean; json?: boolean }) => {
    const client = connect(options);
    const print = (b: Backfill) =>
      options.json
        ? console.log(JSON.stringify(b))
        : console.log(formatBackfill(b, styleFor(process.stdout), process.stdout.columns ?? 80));
    const current = await client.backfill(id, { runs: 1 });
    print(current);
    if (!options.watch || backfillEnded(current)) return options.watch ? exitCode(current) : 0;
    return exitCode(await watch(client, id, print));
  });

  return backfill.addCommand(launch).addCommand(status).addCommand(backfillIdCommand("cancel")).addCommand(backfillIdCommand("retry"));
}

/** `cancel` and `retry`: one call on the backfill `<id>`, then the backfill it answers. */
const ID_COMMANDS: Record<"cancel" | "retry", { summary: string; description: string; id: string; call: BackfillCall }> = {
  cancel: {
    summary: "cancel a backfill",
    description:
      "Cancels a backfill: its queued runs at once, its running ones through their workers; nothing launches afterwards. Needs the launch scope.",
    id: "the backfill",
    call: (client, id) => client.cancelBackfill(id),
  },
  retry: {
    summary: "re-run what a finished backfill did not materialize",
    description:
      "Launches a child backfill over exactly the (asset, partition) pairs a finished backfill did not materialize (failed and skipped), with its policy. Needs the launch scope.",
    id: "the finished backfill",
    call: (client, id) => client.reexecuteBackfill(id),
  },
};

type BackfillCall = (client: StrataClient, id: string) => Promise<Backfill>;

/** `cancel` or `retry` (ID_COMMANDS): prints the backfill answered as JSON or as progress. */
function backfillIdCommand(name: keyof typeof ID_COMMANDS): Command {
  const { summary, description, id, call } = ID_COMMANDS[name];
  return answerAction(
    serverCommand(name, summary, description).argument("<id>", id),
    (id: string, options: ServerOptions) => call(connect(options), id),
    (answered, style) => formatBackfill(answered, style, process.stdout.columns ?? 80),
  );
}

function exitCode(backfill: Backfill): number {
  return backfill.status === "COMPLETED_SUCCESS" ? 0 : 1;
}

/**
 * Prints the backfill at each change until it ends. The state is read again each time the
 * subscription (re)connects, so a change made before it was listening is not missed.
 */
async function watch(client: StrataClient, id: string, print: (b: Backfill) => void): Promise<Backfill> {
  const abort = new AbortController();
  let ended: Backfill | null = null;
  const reread = async () => {
    const fresh = await client.backfill(id, { runs: 1 });
    if (backfillEnded(fresh) && !ended) {
      ended = fresh;
      print(fresh);
      abort.abort();
    }
  };
  const changes = client.backfillChanged(id, {
    signal: abort.signal,
    onStatus: (s) => {
      if (s.state === "connected") void reread().catch(() => undefined);
    },
  });
  for await (const changed of changes) {
    if (ended) break;
    print(changed);
    if (backfillEnded(changed)) {
      ended = changed;
      break;
    }
  }
  const last: Backfill = ended ?? (await client.backfill(id, { runs: 1 }));
  if (!backfillEnded(last)) throw new CliError(`stopped watching backfill ${id} before it ended`);
  return last;
}
