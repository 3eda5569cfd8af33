import { DefinitionError } from "../authoring/definition-error.js";

/** The error of class `type` that `fn` throws (anything else thrown, or nothing, fails the test). */
export function thrownOf<E extends Error>(type: abstract new (...args: never[]) => E, fn: () => unknown): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name}; nothing was thrown`);
}

/** The DefinitionError `fn` throws (anything else thrown, or nothing, fails the test). */
export function thrown(fn: () => unknown): DefinitionError {
  return thrownOf(DefinitionError, fn);
}
