/** The options of `strata runs` subcommands, for their `--help`. */
export const RUNS_OPTIONS_HELP = [
  "  --wait, -w        follow the run until it ends: exit 0 for SUCCESS, 1 for FAILURE or CANCELED",
  "                    (Ctrl-C stops waiting, not the run: exit 130)",
  "  --tag name=value  a tag to add (repeatable); on `runs list`, a filter",
  "  --server URL      the server's GraphQL endpoint (env STRATA_SERVER; default http://localhost:4000/graphql)",
  "  --token T         an API token (env STRATA_TOKEN)",
  "  --json            print JSON for scripts (with --wait: event lines on stderr, the ended run on stdout)",
].join("\n");
