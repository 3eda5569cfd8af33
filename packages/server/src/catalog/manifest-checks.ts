import { checkKey, type ManifestCheck } from "@strata/protocol";
import type { ManifestProblem } from "../errors.js";

/** The parts of a manifest its checks are checked against (see manifest.ts for the full shape). */
interface ManifestWithChecks {
  assets: ReadonlyArray<{ key: string; stepKey: string }>;
  steps: ReadonlyArray<{
    key: string;
    kind: string;
    inputs: ReadonlyArray<{ assetKey: string | null }>;
    deps: ReadonlyArray<{ assetKey: string }>;
  }>;
  checks: readonly ManifestCheck[];
}

/**
 * A manifest's checks must name what the server plans runs with: each check belongs to an asset
 * of this manifest (a location checks only its own assets), its key is `<asset key>#<name>` and
 * unique, and the step that evaluates it is the asset's own step (a result the asset yields) or a
 * check step that reads the asset. Anything else would plan runs whose results the server then
 * could not place.
 */
export function manifestCheckProblems(manifest: ManifestWithChecks): ManifestProblem[] {
  // Without checks there is nothing to look up: no maps of every asset and step.
  if (manifest.checks.length === 0) return [];
  const problems: ManifestProblem[] = [];
  const assets = new Map(manifest.assets.map((a) => [a.key, a]));
  const steps = new Map(manifest.steps.map((s) => [s.key, s]));
  const seen = new Set<string>();
  manifest.checks.forEach((check, i) => {
    const path = `checks.${i}`;
    if (seen.has(check.key)) problems.push({ path: `${path}.key`, code: "duplicate_key", message: `duplicate check key "${check.key}"` });
    seen.add(check.key);
    if (check.key !== checkKey(check.assetKey, check.name)) {
      problems.push({
        path: `${path}.key`,
        code: "inconsistent",
        message: `check key "${check.key}" is not "${checkKey(check.assetKey, check.name)}" (its asset key and name)`,
      });
    }
    const asset = assets.get(check.assetKey);
    if (!asset) {
      problems.push({
        path: `${path}.assetKey`,
        code: "missing_upstream",
        message: `check "${check.key}" checks asset "${check.assetKey}", which the manifest's assets do not list`,
      });
      return;
    }
    const step = steps.get(check.stepKey);
    if (!step) {
      problems.push({
        path: `${path}.stepKey`,
        code: "missing_upstream",
        message: `check "${check.key}" names step "${check.stepKey}", which the manifest does not define`,
      });
    } else if (step.key !== asset.stepKey && !(step.kind === "check" && reads(step, check.assetKey))) {
      problems.push({
        path: `${path}.stepKey`,
        code: "inconsistent",
        message: `check "${check.key}" names step "${check.stepKey}", which is neither asset "${check.assetKey}"'s own step nor a check step reading it`,
      });
    }
  });
  return problems;
}

function reads(step: ManifestWithChecks["steps"][number], assetKey: string): boolean {
  return step.inputs.some((input) => input.assetKey === assetKey) || step.deps.some((dep) => dep.assetKey === assetKey);
}
