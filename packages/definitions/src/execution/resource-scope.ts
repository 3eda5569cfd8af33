import { ResourceDefinition, type ResourceBinding, type ResourceContext } from "../authoring/resource.js";
import { callUserCode } from "./user-code-error.js";

/**
 * The resources of one run: set up before the first step, torn down (in reverse order) after
 * the last. Only resources some selected step needs are set up.
 * @internal
 */
export class ResourceScope {
  readonly values: Record<string, unknown> = {};
  readonly #torndown: { key: string; teardown: () => void | Promise<void> }[] = [];

  async setup(bindings: Readonly<Record<string, ResourceBinding>>, keys: Iterable<string>, ctx: ResourceContext): Promise<void> {
    for (const key of keys) {
      const binding = bindings[key];
      if (ResourceDefinition.isResourceDefinition(binding)) {
        const value = await callUserCode({ kind: "resource", name: key }, () => binding.setup(ctx));
        this.values[key] = value;
        const teardown = binding.teardown;
        if (teardown) this.#torndown.push({ key, teardown: () => teardown(value) });
      } else {
        this.values[key] = binding;
      }
    }
  }

  /** Tears everything down, even when some teardowns fail; returns those failures. */
  async teardown(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const { key, teardown } of this.#torndown.reverse()) {
      try {
        await callUserCode({ kind: "resource", name: key }, teardown);
      } catch (error) {
        errors.push(error);
      }
    }
    this.#torndown.length = 0;
    return errors;
  }
}
