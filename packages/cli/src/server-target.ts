import { createClient, type StrataClient } from "@strata/sdk";
import { Command } from "commander";

/** Where the CLI sends API requests: `--server`/`--token`, else STRATA_SERVER/STRATA_TOKEN, else the local default. */
export interface ServerTarget {
  url: string;
  token: string | undefined;
}

export const DEFAULT_SERVER = "http://localhost:4000/graphql";

/** The `--server` and `--token` values of a command that talks to a server. */
export interface ServerOptions {
  server?: string;
  token?: string;
}

/**
 * Adds the `--server` and `--token` options every API command accepts.
 *
 * @example
 * ```ts
 * withServerOptions(new Command("lineage")).option("--json", "print JSON");
 * ```
 */
export function withServerOptions(command: Command): Command {
  return command
    .option("--server <url>", `the server's GraphQL endpoint (env STRATA_SERVER; default ${DEFAULT_SERVER})`)
    .option("--token <token>", "an API token (env STRATA_TOKEN)");
}

/**
 * A subcommand that talks to a server: `--server` and `--token` (withServerOptions), the one-line
 * summary its parent's help lists, and the description its own `--help` shows (lines of an array
 * are joined with spaces).
 *
 * @example
 * ```ts
 * serverCommand("show", "one asset", ["One asset by key,", "with its history."]).argument("<key>");
 * ```
 */
export function serverCommand(name: string, summary: string, description: string | readonly string[]): Command {
  return withServerOptions(new Command(name))
    .summary(summary)
    .description(typeof description === "string" ? description : description.join(" "));
}

/**
 * Resolves the target from flags, then the environment, then the default. A URL without a path
 * gets `/graphql`, so `--server http://strata:4000` works.
 *
 * @example
 * ```ts
 * resolveTarget({ server: "http://strata:4000" }, {}); // { url: "http://strata:4000/graphql", token: undefined }
 * ```
 */
export function resolveTarget(
  values: { server?: string | undefined; token?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): ServerTarget {
  const raw = values.server ?? (env.STRATA_SERVER || undefined) ?? DEFAULT_SERVER;
  return { url: withGraphqlPath(raw), token: values.token ?? (env.STRATA_TOKEN || undefined) };
}

/** Whether the user named a server (flag or environment), as opposed to the default. */
export function serverNamed(values: { server?: string | undefined }, env: NodeJS.ProcessEnv = process.env): boolean {
  return values.server !== undefined || Boolean(env.STRATA_SERVER);
}

/** A client of the resolved target. */
export function connect(values: { server?: string | undefined; token?: string | undefined }): StrataClient {
  const target = resolveTarget(values);
  return createClient({ url: target.url, token: target.token });
}

function withGraphqlPath(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.pathname === "/" || url.pathname === "") url.pathname = "/graphql";
    return url.toString();
  } catch {
    return raw;
  }
}
