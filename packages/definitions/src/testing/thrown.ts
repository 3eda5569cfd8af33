import { DefinitionError } from "../authoring/definition-error.js";

/** The DefinitionError `fn` throws (anything else thrown, or nothing, fails the test). */
export function thrown(fn: () => unknown): DefinitionError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DefinitionError) return error;
    throw error;
  }
  throw new Error("nothing was thrown");
}
