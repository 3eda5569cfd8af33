import type { Lineage } from "@strata/sdk";
import { CliError } from "../cli-error.js";
import { Command } from "commander";
import { action, parseCount, printJson } from "../command.js";
import { lineageTree } from "../output/lineage-tree.js";
import { styleFor, type Style } from "../output/style.js";
import { connect, withServerOptions, type ServerOptions } from "../server-target.js";

interface LineageOptions extends ServerOptions {
  up?: string;
  down?: string;
  json?: boolean;
}

/**
 * `strata lineage <key>`: what an asset is built from and what is built from it, as trees.
 *
 * @example
 * ```ts
 * await lineageCommand().parseAsync(["sales/orders", "--up", "2"], { from: "user" });
 * ```
 */
export function lineageCommand(): Command {
  const lineage = withServerOptions(new Command("lineage"))
    .description("Show what an asset is built from (upstream) and what is built from it (downstream), as trees.")
    .argument("<key>", "the asset's key")
    .option("--up <n>", "how many edges upstream to follow (default: all; 0: none)")
    .option("--down <n>", "how many edges downstream to follow (default: all; 0: none)")
    .option("--json", "print the nodes and edges as JSON")
    .addHelpText("after", "\nLineage crosses code locations: an asset another location defines shows its location's name.");
  return action(lineage, async (key: string, options: LineageOptions) => {
    const client = connect(options);
    const upstreamDepth = parseCount("--up", options.up) ?? null;
    const downstreamDepth = parseCount("--down", options.down) ?? null;
    const found = await client.lineage({ keys: [key], upstreamDepth, downstreamDepth });
    // The server walks from any key; one it has never seen comes back without a node.
    if (!found.nodes.some((n) => n.key === key)) throw new CliError(`No asset "${key}"`);
    if (options.json) return printJson(found);
    console.log(formatLineage(key, found, styleFor(process.stdout)));
    return 0;
  });
}

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
