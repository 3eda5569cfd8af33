import { createClient } from "@strata/sdk";
import { CliError } from "../cli-error.js";
import { Command } from "commander";
import { action, printJson } from "../command.js";
import { relativeTime } from "../output/relative-time.js";
import { styleFor } from "../output/style.js";
import { formatTable } from "../output/table.js";
import { resolveTarget, serverNamed, withServerOptions, type ServerOptions } from "../server-target.js";
import { apiTokenStore, type TokenStore } from "../token-store.js";

const WHERE_HELP = [
  "",
  "Where:",
  "  --server URL --token T   through a running server's API; T needs the admin scope",
  "                           (or env STRATA_SERVER / STRATA_TOKEN)",
  "  (neither)                straight in the database: DATABASE_URL, else PGlite in",
  "                           $STRATA_HOME/db. This is how a server that requires tokens",
  "                           gets its first admin token: `strata token create --name admin --scopes admin`",
].join("\n");

interface CreateOptions extends ServerOptions {
  name?: string;
  scopes?: string;
  expires?: string;
  json?: boolean;
}

/**
 * `strata token create|list|revoke`: API tokens, through a server's API or straight in its database.
 *
 * @example
 * ```ts
 * await tokenCommand().parseAsync(["create", "--name", "ci", "--scopes", "read,launch"], { from: "user" });
 * ```
 */
export function tokenCommand(): Command {
  const token = new Command("token").description("Create, list and revoke API tokens.").addHelpText("after", WHERE_HELP);
  const create = withServerOptions(new Command("create"))
    .description("Create a token and print its secret once; only its hash is stored.")
    .option("--name <name>", "the token's name")
    .option(
      "--scopes <scopes>",
      "comma-separated: read (catalog, lineage, runs), launch (also launch runs, report materializations), location:NAME (register and serve that code location), admin (everything, tokens included)",
    )
    .option("--expires <date>", "when it stops working, e.g. 2030-01-31 (default: never)")
    .option("--json", "print JSON for scripts")
    .addHelpText("after", WHERE_HELP);
  action(create, async (options: CreateOptions) => {
    const input = createInput(options);
    return withStore(options, "token create", async (store) => {
      const { secret, token } = await store.create(input);
      if (options.json) return printJson({ secret, ...token });
      console.log(`Created token "${token.name}" with scopes ${token.scopes.join(", ")} in ${store.describe}.`);
      console.log("Its secret, shown only this once:\n");
      console.log(`  ${secret}\n`);
      return 0;
    });
  });
  const list = withServerOptions(new Command("list"))
    .description("List the tokens: scopes, state, when created, last used and expiring.")
    .option("--json", "print JSON for scripts")
    .addHelpText("after", WHERE_HELP);
  action(list, (options: ServerOptions & { json?: boolean }) => withStore(options, "token list", (store) => listTokens(store, options)));
  const revoke = withServerOptions(new Command("revoke"))
    .description("Revoke a token: requests with it fail from then on.")
    .argument("<name>", "the token's name")
    .option("--json", "print JSON for scripts")
    .addHelpText("after", WHERE_HELP);
  action(revoke, (name: string, options: ServerOptions & { json?: boolean }) =>
    withStore(options, "token revoke", async (store) => {
      const revoked = await store.revoke(name);
      if (options.json) return printJson(revoked);
      console.log(`Revoked token "${revoked.name}": requests with it now fail.`);
      return 0;
    }),
  );
  return token.addCommand(create).addCommand(list).addCommand(revoke);
}

async function listTokens(store: TokenStore, options: { json?: boolean }): Promise<number> {
  const tokens = await store.list();
  if (options.json) return printJson(tokens);
  if (tokens.length === 0) {
    console.log(`No tokens in ${store.describe}.`);
    return 0;
  }
  const style = styleFor(process.stdout);
  const now = Date.now();
  const state = (t: (typeof tokens)[number]) =>
    t.revokedAt ? style.red("revoked") : t.expiresAt && Date.parse(t.expiresAt) <= now ? style.yellow("expired") : style.green("active");
  const rows = tokens.map((t) => [
    t.name,
    `${t.prefix}…`,
    t.scopes.join(","),
    state(t),
    relativeTime(t.createdAt, now),
    relativeTime(t.lastUsedAt, now),
    t.expiresAt ?? "never",
  ]);
  console.log(formatTable(["NAME", "PREFIX", "SCOPES", "STATE", "CREATED", "LAST USED", "EXPIRES"], rows));
  return 0;
}

/** Opens the token store `options` point at, runs `work` with it, and closes it. */
async function withStore(options: ServerOptions, command: string, work: (store: TokenStore) => Promise<number>): Promise<number> {
  const store = await openStore(options, command);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

const CREATE_USAGE = "token create --name NAME --scopes read,launch,admin,location:NAME [--expires DATE] [--json]";

function createInput(values: { name?: string; scopes?: string; expires?: string }) {
  // Checked here rather than as commander's required options, to say what a scope is.
  if (!values.name) throw new CliError(`token create needs --name. Usage: strata ${CREATE_USAGE}`, 2);
  const scopes = (values.scopes ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (scopes.length === 0) throw new CliError(`token create needs --scopes. Usage: strata ${CREATE_USAGE}`, 2);
  let expiresAt: Date | null = null;
  if (values.expires !== undefined) {
    expiresAt = new Date(values.expires);
    if (Number.isNaN(expiresAt.getTime())) throw new CliError(`--expires must be a date such as 2030-01-31, not "${values.expires}"`, 2);
  }
  return { name: values.name, scopes, expiresAt };
}

async function openStore(values: ServerOptions, command: string): Promise<TokenStore> {
  if (!serverNamed(values)) return (await import("../database-token-store.js")).databaseTokenStore(command);
  const target = resolveTarget(values);
  return apiTokenStore(createClient({ url: target.url, token: target.token }), target.url);
}
