import type { AssetDetail, AssetPage } from "@strata/sdk";
import { CliError } from "../cli-error.js";
import { expectPositionals, helpText, parseCount, parseOptions, printJson, type Command } from "../command.js";
import { relativeTime } from "../output/relative-time.js";
import { styleFor, type Style } from "../output/style.js";
import { formatTable } from "../output/table.js";
import { connect, serverOptions, serverOptionsHelp } from "../server-target.js";

const SEARCH_USAGE = "assets search [text] [--group G] [--tag T] [--owner O] [--kind K] [--location L] [--prefix P] [--first N] [--after CURSOR] [--json]";
const SHOW_USAGE = "assets show <key> [--json]";

export const assetsCommand: Command = {
  name: "assets",
  usage: "assets search [text] | assets show <key>",
  summary: "Search the catalog, or show one asset with its history and neighbours.",
  help: [
    `strata ${SEARCH_USAGE}`,
    "  Assets whose key, description or text metadata contain every word of [text], and that",
    "  match every filter given; ordered by key, 20 at a time (--first, up to 500).",
    "  --tag name=value, or --tag name for any value; --prefix matches whole key parts.",
    "",
    `strata ${SHOW_USAGE}`,
    "  One asset by key (e.g. sales/orders): definition, location, latest materializations,",
    "  upstream and downstream assets.",
    "",
    "Options:",
    serverOptionsHelp,
    "  --json         print JSON for scripts",
  ].join("\n"),
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === "search") return search(rest);
    if (sub === "show") return show(rest);
    if (sub === "--help" || sub === "-h" || sub === undefined) {
      console.log(helpText(this));
      return sub === undefined ? 2 : 0;
    }
    throw new CliError(`unknown subcommand "assets ${sub}": use \`assets search\` or \`assets show\``, 2);
  },
};

async function search(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions("assets search", argv, {
    ...serverOptions,
    json: { type: "boolean" },
    group: { type: "string" },
    tag: { type: "string" },
    owner: { type: "string" },
    kind: { type: "string" },
    location: { type: "string" },
    prefix: { type: "string" },
    first: { type: "string" },
    after: { type: "string" },
  });
  if (values.help) return (console.log(helpText(assetsCommand)), 0);
  const text = positionals.join(" ").trim();
  const page = await connect(values).assets({
    search: text || undefined,
    group: values.group,
    tag: values.tag,
    owner: values.owner,
    kind: values.kind,
    location: values.location,
    keyPrefix: values.prefix,
    first: parseCount("--first", values.first, { min: 1, max: 500 }) ?? 20,
    after: values.after,
    totalCount: true,
  });
  if (values.json) return printJson(page);
  console.log(formatSearch(page, styleFor(process.stdout)));
  return 0;
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

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions("assets show", argv, { ...serverOptions, json: { type: "boolean" } });
  if (values.help) return (console.log(helpText(assetsCommand)), 0);
  const [key] = expectPositionals(SHOW_USAGE, positionals, 1);
  const asset = await connect(values).asset(key!, { materializations: { first: 5 } });
  if (values.json) return printJson(asset);
  console.log(formatAsset(asset, styleFor(process.stdout)));
  return 0;
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
