import type { ExecutionArgs, GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

/**
 * A plugin that runs `check` on each operation before it executes (queries and mutations) or
 * subscribes, and answers its error, if any, instead of executing.
 */
export function refuseBeforeExecution(check: (args: ExecutionArgs) => GraphQLError | null): Plugin {
  const refuse = (payload: { args: ExecutionArgs; setResultAndStopExecution: (result: { errors: GraphQLError[] }) => void }) => {
    const error = check(payload.args);
    if (error) payload.setResultAndStopExecution({ errors: [error] });
  };
  return { onExecute: refuse, onSubscribe: refuse };
}
