import { createClient } from "@strata/sdk";
import { CliError } from "../cli-error.js";
import { expectPositionals, helpText, parseOptions, printJson, type Command } from "../command.js";
import { relativeTime } from "../output/relative-time.js";
import { styleFor } from "../output/style.js";
import { formatTable } from "../output/table.js";
import { resolveTarget, serverNamed, serverOptions } from "../server-target.js";
import { apiTokenStore, type TokenStore } from "../token-store.js";

const CREATE_USAGE = "token create --name NAME --scopes read,launch,admin,location:NAME [--expires DATE] [--json]";

export const tokenCommand: Command = {
  name: "token",
  usage: "token create | list | revoke <name>",
  summary: "Create, list and revoke API tokens.",
  help: [
    `strata ${CREATE_USAGE}`,
    "  Prints the new token's secret once; only its hash is stored.",
    "  Scopes: read (catalog, lineage, runs), launch (also launch runs, report materializations),",
    "  location:NAME (register and serve that code location), admin (everything, tokens included).",
    "strata token list [--json]",
    "strata token revoke <name> [--json]",
    "",
    "Where:",
    "  --server URL --token T   through a running server's API; T needs the admin scope",
    "                           (or env STRATA_SERVER / STRATA_TOKEN)",
    "  (neither)                straight in the database: DATABASE_URL, else PGlite in",
    "                           $STRATA_HOME/db. This is how a server that requires tokens",
    "                           gets its first admin token: `strata token create --name admin --scopes admin`",
  ].join("\n"),
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "--help" || sub === "-h") {
      console.log(helpText(this));
      return sub === undefined ? 2 : 0;
    }
    const { values, positionals } = parseOptions(`token ${sub}`, rest, {
      ...serverOptions,
      json: { type: "boolean" },
      name: { type: "string" },
      scopes: { type: "string" },
      expires: { type: "string" },
    });
    if (values.help) {
      console.log(helpText(this));
      return 0;
    }
    if (sub !== "create" && sub !== "list" && sub !== "revoke") {
      throw new CliError(`unknown subcommand "token ${sub}": use create, list or revoke`, 2);
    }
    const input = sub === "create" ? createInput(values, positionals) : undefined;
    const revokeName = sub === "revoke" ? expectPositionals("token revoke <name>", positionals, 1)[0]! : undefined;
    if (sub === "list") expectPositionals("token list", positionals, 0);

    const store = await openStore(values, `token ${sub}`);
    try {
      if (input) {
        const { secret, token } = await store.create(input);
        if (values.json) return printJson({ secret, ...token });
        console.log(`Created token "${token.name}" with scopes ${token.scopes.join(", ")} in ${store.describe}.`);
        console.log("Its secret, shown only this once:\n");
        console.log(`  ${secret}\n`);
        return 0;
      }
      if (revokeName) {
        const token = await store.revoke(revokeName);
        if (values.json) return printJson(token);
        console.log(`Revoked token "${token.name}": requests with it now fail.`);
        return 0;
      }
      const tokens = await store.list();
      if (values.json) return printJson(tokens);
      if (tokens.length === 0) {
        console.log(`No tokens in ${store.describe}.`);
        return 0;
      }
      const style = styleFor(process.stdout);
      const now = Date.now();
      const state = (t: (typeof tokens)[number]) =>
        t.revokedAt ? style.red("revoked") : t.expiresAt && Date.parse(t.expiresAt) <= now ? style.yellow("expired") : style.green("active");
      const rows = tokens.map((t) => [t.name, `${t.prefix}…`, t.scopes.join(","), state(t), relativeTime(t.createdAt, now), relativeTime(t.lastUsedAt, now), t.expiresAt ?? "never"]);
      console.log(formatTable(["NAME", "PREFIX", "SCOPES", "STATE", "CREATED", "LAST USED", "EXPIRES"], rows));
      return 0;
    } finally {
      await store.close();
    }
  },
};

function createInput(values: { name?: string; scopes?: string; expires?: string }, positionals: string[]) {
  expectPositionals(CREATE_USAGE, positionals, 0);
  if (!values.name) throw new CliError(`token create needs --name. Usage: strata ${CREATE_USAGE}`, 2);
  const scopes = (values.scopes ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (scopes.length === 0) throw new CliError(`token create needs --scopes. Usage: strata ${CREATE_USAGE}`, 2);
  let expiresAt: Date | null = null;
  if (values.expires !== undefined) {
    expiresAt = new Date(values.expires);
    if (Number.isNaN(expiresAt.getTime())) throw new CliError(`--expires must be a date such as 2030-01-31, not "${values.expires}"`, 2);
  }
  return { name: values.name, scopes, expiresAt };
}

async function openStore(values: { server?: string; token?: string }, command: string): Promise<TokenStore> {
  if (!serverNamed(values)) return (await import("../database-token-store.js")).databaseTokenStore(command);
  const target = resolveTarget(values);
  return apiTokenStore(createClient({ url: target.url, token: target.token }), target.url);
}
