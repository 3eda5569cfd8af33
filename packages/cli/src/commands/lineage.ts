import type { Lineage } from "@strata/sdk";
import { CliError } from "../cli-error.js";
import { expectPositionals, helpText, parseCount, parseOptions, printJson, type Command } from "../command.js";
import { lineageTree } from "../output/lineage-tree.js";
import { styleFor, type Style } from "../output/style.js";
import { connect, serverOptions, serverOptionsHelp } from "../server-target.js";

const USAGE = "lineage <key> [--up N] [--down N] [--json]";

export const lineageCommand: Command = {
  name: "lineage",
  usage: USAGE,
  summary: "Show what an asset is built from (upstream) and what is built from it (downstream), as trees.",
  help: [
    "Options:",
    "  --up N     how many edges upstream to follow (default: all; 0: none)",
    "  --down N   how many edges downstream to follow (default: all; 0: none)",
    serverOptionsHelp,
    "  --json     print the nodes and edges as JSON",
    "",
    "Lineage crosses code locations: an asset another location defines shows its location's name.",
  ].join("\n"),
  async run(argv) {
    const { values, positionals } = parseOptions("lineage", argv, {
      ...serverOptions,
      up: { type: "string" },
      down: { type: "string" },
      json: { type: "boolean" },
    });
    if (values.help) {
      console.log(helpText(this));
      return 0;
    }
    const [key] = expectPositionals(USAGE, positionals, 1);
    const client = connect(values);
    const upstreamDepth = parseCount("--up", values.up) ?? null;
    const downstreamDepth = parseCount("--down", values.down) ?? null;
    const lineage = await client.lineage({ keys: [key!], upstreamDepth, downstreamDepth });
    // The server walks from any key; one it has never seen comes back without a node.
    if (!lineage.nodes.some((n) => n.key === key)) throw new CliError(`No asset "${key}"`);
    if (values.json) return printJson(lineage);
    console.log(formatLineage(key!, lineage, styleFor(process.stdout)));
    return 0;
  },
};

function formatLineage(root: string, lineage: Lineage, style: Style): string {
  const nodes = new Map(lineage.nodes.map((n) => [n.key, n]));
  const rootLocation = nodes.get(root)?.definition?.location.name;
  const describe = (key: string) => {
    const node = nodes.get(key);
    if (!node?.definition) return style.yellow("(not defined)");
    const location = node.definition.location.name;
    return key === root ? style.dim(`[${location}]`) : location === rootLocation ? "" : style.dim(`[${location}]`);
  };
  const section = (direction: "upstream" | "downstream", title: string) => {
    const tree = lineageTree(root, lineage.edges, direction, describe);
    return tree.length === 1 ? `${style.bold(title)}: none` : `${style.bold(title)}\n${tree.join("\n")}`;
  };
  return `${section("upstream", "Upstream (built from)")}\n\n${section("downstream", "Downstream (built from it)")}`;
}
