import { assetKeyToString, parseAssetKey } from "../authoring/asset-key.js";
import { CheckResult } from "../authoring/checks.js";
import { MaterializeResult, Output } from "../authoring/output.js";
import type { MetadataInput } from "../authoring/metadata.js";
import type { StepSpec } from "../authoring/step-spec.js";

/** One output as the user's function produced it. @internal */
export interface ProducedOutput {
  name: string;
  value: unknown;
  metadata: MetadataInput;
  dataVersion: string | null;
  /** False for a `MaterializeResult`: nothing goes to the IO manager. */
  store: boolean;
}

/** A mistake in what a step's function produced (not an exception it threw). @internal */
export class StepOutputError extends Error {
  override readonly name = "StepOutputError";
}

function isGenerator(value: unknown): value is Generator | AsyncGenerator {
  if (value === null || typeof value !== "object") return false;
  const tag = Object.prototype.toString.call(value);
  return tag === "[object Generator]" || tag === "[object AsyncGenerator]";
}

/** True when the step's function returns its one value directly rather than an object of outputs. */
function returnsSingleValue(step: StepSpec): boolean {
  return step.kind === "asset" || (step.kind === "op" && step.outputs.length === 1 && step.outputs[0]!.name === "result");
}

function fromItem(step: StepSpec, item: unknown, nameHint: string | null): ProducedOutput {
  const single = returnsSingleValue(step) ? step.outputs[0]!.name : null;
  if (Output.isOutput(item)) {
    const name = item.name ?? nameHint ?? single;
    if (name === null) throw new StepOutputError(`step "${step.key}" has several outputs: give each one a name, output(value, { name })`);
    if (nameHint !== null && item.name !== undefined && item.name !== nameHint) {
      throw new StepOutputError(`step "${step.key}" returned output "${item.name}" under the key "${nameHint}"`);
    }
    return { name, value: item.value, metadata: item.metadata, dataVersion: item.dataVersion, store: true };
  }
  if (MaterializeResult.isMaterializeResult(item)) {
    let name = nameHint ?? single;
    if (item.assetKey !== null) {
      const keyString = assetKeyToString(parseAssetKey(item.assetKey, `step "${step.key}"`));
      const match = step.outputs.find((o) => o.assetKeyString === keyString);
      if (!match)
        throw new StepOutputError(`step "${step.key}" reported a MaterializeResult for "${keyString}", which it does not produce`);
      name = match.name;
    }
    if (name === null) throw new StepOutputError(`step "${step.key}" has several outputs: give the MaterializeResult an assetKey`);
    return { name, value: undefined, metadata: item.metadata, dataVersion: item.dataVersion, store: false };
  }
  const name = nameHint ?? single;
  if (name === null) throw new StepOutputError(`step "${step.key}" has several outputs: yield output(value, { name }) for each`);
  return { name, value: item, metadata: {}, dataVersion: null, store: true };
}

/**
 * Turns what a step's function returned into outputs, handing each to `emit` as soon as it is
 * available: yielded outputs one by one (so earlier ones are stored even if the function throws
 * later), returned objects entry by entry. `next` advances a generator through the user-code
 * boundary.
 * @internal
 */
export async function emitOutputs(
  step: StepSpec,
  result: unknown,
  emit: (output: ProducedOutput) => Promise<void>,
  next: (generator: Generator | AsyncGenerator) => Promise<IteratorResult<unknown, unknown>>,
  emitCheck: (result: CheckResult) => void,
): Promise<void> {
  if (isGenerator(result)) {
    try {
      for (;;) {
        const item = await next(result);
        if (CheckResult.isCheckResult(item.value)) {
          emitCheck(item.value);
          if (item.done) return;
          continue;
        }
        if (item.done) {
          if (item.value !== undefined) await emit(fromItem(step, item.value, null));
          return;
        }
        await emit(fromItem(step, item.value, null));
      }
    } catch (error) {
      // When storing a yielded output fails, close the generator so its finally blocks run.
      await Promise.resolve(result.return(undefined)).catch(() => undefined);
      throw error;
    }
  }
  if (returnsSingleValue(step)) {
    await emit(fromItem(step, result, null));
    return;
  }
  if (result === undefined || result === null) return; // missing required outputs are reported by the caller
  if (typeof result !== "object" || Array.isArray(result)) {
    throw new StepOutputError(
      `step "${step.key}" must return an object with one value per output (${step.outputs.map((o) => o.name).join(", ")}), or yield output(value, { name })`,
    );
  }
  for (const [name, value] of Object.entries(result)) await emit(fromItem(step, value, name));
}
