import type { AssetCheckHealth, AssetDetail, AssetPage, FreshnessState } from "@strata/sdk";
import { Command, InvalidArgumentError, Option } from "commander";
import { answerAction, parseCount } from "../command.js";
import { whyUnsyncedCommand } from "./assets-why-unsynced.js";
import { relativeTime } from "../output/relative-time.js";
import type { Style } from "../output/style.js";
import { formatTable } from "../output/table.js";
import { connect, type ServerOptions, serverCommand } from "../server-target.js";

interface SearchOptions extends ServerOptions {
  group?: string;
  tag?: string;
  owner?: string;
  kind?: string;
  location?: string;
  prefix?: string;
  checkHealth?: string;
  unsynced?: boolean;
  freshness?: FreshnessState;
  first?: string;
  after?: string;
}

const FRESHNESS_STATES: readonly FreshnessState[] = ["FAIL", "WARN", "PASS", "UNKNOWN"];

/**
 * `strata assets [search]|show|why-unsynced`: the catalog, through @strata/sdk. `search` is the
 * default, so `strata assets --unsynced` lists the unsynced assets.
 *
 * @example
 * ```ts
 * await assetsCommand().parseAsync(["search", "orders"], { from: "user" });
 * ```
 */
export function assetsCommand(): Command {
  const assets = new Command("assets").description(
    "Search the catalog (the default subcommand), show one asset with its history and neighbours, or say why one is unsynced.",
  );
  const search = serverCommand("search", "assets matching words and filters", [
    "Assets whose key, description or text metadata contain every word of [text], and that",
    "match every filter given; ordered by key, 20 at a time (--first, up to 500).",
  ])
    .argument("[text...]", "words to search for")
    .option("--group <group>", "only assets of this group")
    .option("--tag <tag>", "name=value, or name for any value")
    .option("--owner <owner>", "only assets this owner owns")
    .option("--kind <kind>", "only assets of this kind")
    .option("--location <name>", "only assets of this code location")
    .option("--prefix <prefix>", "only keys starting with these whole key parts")
    .addOption(
      new Option("--check-health <health>", "only assets whose checks' latest results are this").choices([
        "failing",
        "warning",
        "passing",
        "not_evaluated",
      ]),
    )
    .option("--unsynced", "only assets whose code or upstream data changed since they were materialized (why: assets why-unsynced)")
    .addOption(
      // Case-insensitive: the states are written upper-case in the API and lower-case by hand.
      new Option("--freshness <state>", `only assets with a freshness policy in this state (${FRESHNESS_STATES.join(", ")})`).argParser(
        parseFreshness,
      ),
    )
    .option("--first <n>", "how many to show (1-500; default 20)")
    .option("--after <cursor>", "the page after this cursor");
  answerAction(search, searchAssets, formatSearch);
  const show = serverCommand(
    "show",
    "one asset with its history and neighbours",
    "One asset by key (e.g. sales/orders): definition, location, latest materializations, upstream and downstream assets.",
  ).argument("<key>", "the asset's key");
  answerAction(show, (key: string, options: ServerOptions) => connect(options).asset(key, { materializations: { first: 5 } }), formatAsset);
  return assets.addCommand(search, { isDefault: true }).addCommand(show).addCommand(whyUnsyncedCommand());
}

function parseFreshness(value: string): FreshnessState {
  const state = value.toUpperCase() as FreshnessState;
  if (!FRESHNESS_STATES.includes(state)) throw new InvalidArgumentError(`Allowed choices are ${FRESHNESS_STATES.join(", ")}.`);
  return state;
}

function searchAssets(words: string[], options: SearchOptions): Promise<AssetPage> {
  const text = words.join(" ").trim();
  return connect(options).assets({
    search: text || undefined,
    group: options.group,
    tag: options.tag,
    owner: options.owner,
    kind: options.kind,
    location: options.location,
    keyPrefix: options.prefix,
    checkHealth: options.checkHealth?.toUpperCase() as AssetCheckHealth | undefined,
    syncStatus: options.unsynced ? "UNSYNCED" : undefined,
    freshness: options.freshness,
    first: parseCount("--first", options.first, { min: 1, max: 500 }) ?? 20,
    after: options.after,
    totalCount: true,
  });
}

function formatSearch(page: AssetPage, style: Style): string {
  if (page.items.length === 0) return "No assets match.";
  const rows = page.items.map((a) => [
    style.bold(a.key),
    a.definition?.group ?? "",
    a.definition?.kinds.join(",") ?? "",
    a.definition?.location.name ?? style.dim("(not defined)"),
    relativeTime(a.lastMaterializedAt),
  ]);
  const table = formatTable(["KEY", "GROUP", "KINDS", "LOCATION", "MATERIALIZED"], rows);
  const shown = `${page.items.length} of ${page.totalCount ?? "?"} asset${page.totalCount === 1 ? "" : "s"}`;
  const more = page.hasNextPage ? `; next page: --after ${page.endCursor}` : "";
  return `${table}\n\n${style.dim(`${shown}${more}`)}`;
}

function formatAsset(asset: AssetDetail, style: Style): string {
  const d = asset.definition;
  const field = (label: string, value: string) => `  ${style.dim(label.padEnd(13))}${value}`;
  const lines = [style.bold(asset.key)];
  if (d?.description) lines.push(`  ${d.description}`);
  lines.push("");
  if (d) {
    lines.push(field("location", `${d.location.name} (version ${d.location.version ?? "?"}, ${d.location.status})`));
    lines.push(field("group", d.group));
    if (d.multiAssetName) lines.push(field("multi-asset", `${d.multiAssetName}${d.isSubsettable ? "" : " (runs whole)"}`));
    if (d.owners.length) lines.push(field("owners", d.owners.join(", ")));
    if (d.kinds.length) lines.push(field("kinds", d.kinds.join(", ")));
    const tags = Object.entries((d.tags ?? {}) as Record<string, string>).map(([k, v]) => (v ? `${k}=${v}` : k));
    if (tags.length) lines.push(field("tags", tags.join(", ")));
    if (d.codeVersion) lines.push(field("code version", d.codeVersion));
    for (const m of d.metadata) lines.push(field(m.label, typeof m.value === "string" ? m.value : JSON.stringify(m.value)));
  } else {
    lines.push(field("definition", style.yellow("not defined by any code location (materialized or depended upon only)")));
  }
  const neighbours = (list: Array<{ key: string }>) => (list.length ? list.map((a) => a.key).join(", ") : style.dim("none"));
  lines.push(field("upstream", neighbours(asset.upstream)));
  lines.push(field("downstream", neighbours(asset.downstream)));
  lines.push("");
  const history = asset.materializations.items;
  if (history.length === 0) {
    lines.push(style.dim("  Never materialized."));
  } else {
    lines.push(`  ${style.bold("Materializations")} (newest first)`);
    const rows = history.map((m) => [
      m.timestamp,
      relativeTime(m.timestamp),
      m.runId ?? "reported",
      m.partition ?? "",
      m.metadata.map((e) => `${e.label}=${typeof e.value === "string" ? e.value : JSON.stringify(e.value)}`).join(" "),
    ]);
    lines.push(
      formatTable(["TIME", "", "RUN", "PARTITION", "METADATA"], rows)
        .split("\n")
        .map((line) => `  ${line}`)
        .join("\n"),
    );
  }
  return lines.join("\n");
}
