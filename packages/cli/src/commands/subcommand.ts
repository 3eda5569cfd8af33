/**
 * One subcommand of a command with several (`strata runs launch`): its usage line, the lines
 * `--help` prints under it, and what it does.
 *
 * @example
 * ```ts
 * const hello: Subcommand = { name: "hello", usage: "runs hello", help: ["  Greets."], run: async () => 0 };
 * ```
 */
export interface Subcommand {
  name: string;
  usage: string;
  help: string[];
  /** Resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/**
 * What `strata <command> <subcommand> --help` prints: the usage line, the notes, and the
 * options shared by the command's subcommands.
 *
 * @example
 * ```ts
 * if (values.help) return subcommandHelp(this, RUNS_OPTIONS_HELP);
 * ```
 */
export function subcommandHelp(sub: Pick<Subcommand, "usage" | "help">, optionsHelp: string): number {
  console.log(`Usage: strata ${sub.usage}\n\n${sub.help.map((line) => line.replace(/^ {2}/, "")).join("\n")}\n\nOptions:\n${optionsHelp}`);
  return 0;
}
