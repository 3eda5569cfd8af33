/**
 * The checks schedules and sensors make alike: their targets, tags, default status and times in
 * milliseconds, and their manifest entries against the manifest's assets. Each fails with a
 * DefinitionError naming `culprit` (`schedule "daily"`); `code` says which kind of definition
 * was wrong.
 */
import { isTagKey, TAG_KEY_CHARACTERS } from "@strata/protocol";
import { assetKeyToString, type AssetKeyInput, parseAssetKey } from "./asset-key.js";
import { AssetsDefinition } from "./assets-definition.js";
import { DefinitionError, type DefinitionErrorCode } from "./definition-error.js";

/** What schedules and sensors declare alike, as their manifest entries have it. */
export interface InstigatorFields {
  readonly name: string;
  /** Slash-joined asset keys, sorted. */
  readonly targets: readonly string[];
  readonly description: string | null;
  readonly defaultStatus: "RUNNING" | "STOPPED";
}

/** The manifest fields of a schedule or sensor that both have (the targets copied). */
export function instigatorManifest({ name, targets, description, defaultStatus }: InstigatorFields): InstigatorFields & {
  targets: string[];
} {
  return { name, targets: [...targets], description, defaultStatus };
}

/**
 * The manifest entries of the schedules or sensors (`kind`), sorted by name, once `problems`
 * finds none against the manifest's `assets`; else a DefinitionError (invalid_schedule or
 * invalid_sensor) naming the first culprit.
 */
export function checkedManifests<Spec extends { name: string }, Assets>(
  kind: "schedule" | "sensor",
  definitions: readonly { toManifest(): Spec }[],
  problems: (specs: Spec[], assets: Assets) => readonly { path: string; message: string }[],
  assets: Assets,
): Spec[] {
  const specs = definitions.map((d) => d.toManifest()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const problem = problems(specs, assets)[0];
  if (problem) {
    const spec = specs[Number(problem.path.split(".")[0])]!;
    throw new DefinitionError(`invalid_${kind}`, `${kind} "${spec.name}"`, problem.message);
  }
  return specs;
}

/** The slash-joined keys of these assets and asset keys, without repeats, sorted. */
export function targetKeys(targets: readonly (AssetsDefinition | AssetKeyInput)[], culprit: string): string[] {
  const keys = targets.flatMap((t: AssetsDefinition | AssetKeyInput) =>
    t instanceof AssetsDefinition ? t.keys : [assetKeyToString(parseAssetKey(t, culprit))],
  );
  return [...new Set(keys)].sort();
}

/** A copy of `tags`, once every key is a tag key and every value a string. */
export function checkedTags(tags: Readonly<Record<string, string>> | undefined, culprit: string): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (!isTagKey(key) || typeof value !== "string")
      throw new DefinitionError(
        "invalid_tag",
        culprit,
        `tag ${JSON.stringify(key)} needs a key of 1-255 ${TAG_KEY_CHARACTERS} and a string value`,
      );
    checked[key] = value;
  }
  return checked;
}

/**
 * The checks of one schedule's or sensor's options that fail with `code`, naming `culprit`.
 *
 * @example
 * ```ts
 * const check = optionChecks("invalid_sensor", 'sensor "new_files"');
 * check.milliseconds(30_000, "minimumIntervalMs", 100, 86_400_000); // 30000
 * ```
 */
export function optionChecks(code: DefinitionErrorCode, culprit: string) {
  return {
    /** `value`, once it is a whole number of milliseconds from `min` to `max`. */
    milliseconds(value: number, name: string, min: number, max: number): number {
      if (!Number.isInteger(value) || value < min || value > max)
        throw new DefinitionError(code, culprit, `${name} must be a whole number of milliseconds from ${min} to ${max}`);
      return value;
    },
    /** `status`, RUNNING when not given. */
    defaultStatus(status: unknown): "RUNNING" | "STOPPED" {
      const given = status ?? "RUNNING";
      if (given !== "RUNNING" && given !== "STOPPED")
        throw new DefinitionError(code, culprit, `defaultStatus must be "RUNNING" or "STOPPED", not ${JSON.stringify(given)}`);
      return given;
    },
  };
}
