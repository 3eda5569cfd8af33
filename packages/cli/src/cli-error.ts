/**
 * An error the CLI reports as one line on stderr ("strata: <message>"), exiting with
 * `exitCode`: 2 for a usage error, 1 otherwise.
 *
 * @example
 * ```ts
 * if (!values.name) throw new CliError("token create needs --name", 2);
 * ```
 */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
