import type { Command } from "commander";
import { withServerOptions, type ServerOptions } from "../server-target.js";

/** The options of the `strata runs` subcommands that queue or stop a run and can follow it. */
export interface FollowOptions extends ServerOptions {
  tag?: string[];
  wait?: boolean;
  json?: boolean;
}

/**
 * Adds `--tag` (repeatable), `--wait` and `--json`, with `--server` and `--token`.
 *
 * @example
 * ```ts
 * withFollowOptions(new Command("launch")).argument("<key...>");
 * ```
 */
export function withFollowOptions(command: Command, { tags = true } = {}): Command {
  withServerOptions(command);
  if (tags)
    command.option("--tag <name=value>", "a tag to add (repeatable)", (value: string, previous: string[] = []) => [...previous, value]);
  return command
    .option(
      "-w, --wait",
      "follow the run until it ends: exit 0 for SUCCESS, 1 for FAILURE or CANCELED (Ctrl-C stops waiting, not the run: exit 130)",
    )
    .option("--json", "print JSON for scripts (with --wait: event lines on stderr, the ended run on stdout)");
}
