import { type Manifest, parseCheckKey, type RunSelection, resolveSelection, SelectionError, selectChecks } from "@strata/protocol";
import { InvalidArgumentError, InvalidSelectionError, type SelectionProblem } from "../errors.js";

/** What a launch selects: assets (with their checks unless `includeChecks` is false) and/or checks. */
export interface LaunchSelection {
  assetKeys: readonly string[];
  checkKeys?: readonly string[] | null;
  includeChecks?: boolean | null;
}

/** The assets of these check keys (each validated: `<asset key>#<name>`), without repeats. */
export function assetsOfChecks(checkKeys: readonly string[] | null | undefined): string[] {
  if (!checkKeys) return [];
  if (checkKeys.length > 10_000) throw new InvalidArgumentError("checkKeys", "select at most 10,000 checks");
  const assets = checkKeys.map((key, i) => {
    const parsed = parseCheckKey(key);
    if (!parsed) throw new InvalidArgumentError(`checkKeys.${i}`, `"${key.slice(0, 80)}" is not a check key ("<asset key>#<name>")`);
    return parsed.assetKey;
  });
  return [...new Set(assets)];
}

const REASONS: Record<string, SelectionProblem> = {
  partial_multi_asset: "PARTIAL_MULTI_ASSET",
  empty_selection: "EMPTY_SELECTION",
  unknown_check: "UNKNOWN_CHECKS",
  check_requires_materialization: "CHECK_REQUIRES_MATERIALIZATION",
};

/**
 * A launch's selection through the shared planner: assets alone (`resolveSelection`, checks
 * included by default), checks alone (`selectChecks`: check steps, reading the assets' stored
 * values), or both: the assets without their check steps, plus the check steps named. A check the
 * asset evaluates in its own step runs only with the asset; naming one without its asset is
 * refused (CHECK_REQUIRES_MATERIALIZATION), as is an unknown check (UNKNOWN_CHECKS).
 */
export function resolveLaunchSelection(manifest: Manifest, input: LaunchSelection): RunSelection {
  const checkKeys = input.checkKeys ?? [];
  try {
    if (checkKeys.length === 0) return resolveSelection(manifest, input.assetKeys, { includeChecks: input.includeChecks !== false });
    if (input.assetKeys.length === 0) return selectChecks(manifest, checkKeys);
    const assets = resolveSelection(manifest, input.assetKeys, { includeChecks: false });
    const selected = new Set(assets.assetKeys);
    const checks = new Map(manifest.checks.map((c) => [c.key, c]));
    // Checks of selected assets run with them; the others go through selectChecks' rules.
    const alone = checkKeys.filter((key) => !selected.has(checks.get(key)?.assetKey ?? ""));
    const steps = new Set([
      ...assets.stepKeys,
      ...checkKeys.flatMap((key) => {
        const check = checks.get(key);
        return check && selected.has(check.assetKey) ? [check.stepKey] : [];
      }),
      ...(alone.length ? selectChecks(manifest, alone).stepKeys : []),
    ]);
    return { stepKeys: manifest.steps.filter((s) => steps.has(s.key)).map((s) => s.key), assetKeys: assets.assetKeys };
  } catch (error) {
    if (error instanceof SelectionError) {
      const reason = REASONS[error.code] ?? "UNKNOWN_ASSETS";
      throw new InvalidSelectionError(reason, error.message, keysAtFault(manifest, reason, input.assetKeys, checkKeys));
    }
    throw error;
  }
}

function keysAtFault(manifest: Manifest, reason: SelectionProblem, assetKeys: readonly string[], checkKeys: readonly string[]): string[] {
  const checks = new Map(manifest.checks.map((c) => [c.key, c]));
  const steps = new Map(manifest.steps.map((s) => [s.key, s]));
  if (reason === "UNKNOWN_CHECKS") return checkKeys.filter((key) => !checks.has(key));
  if (reason === "CHECK_REQUIRES_MATERIALIZATION") {
    return checkKeys.filter((key) => {
      const check = checks.get(key);
      return check && steps.get(check.stepKey)?.kind !== "check" && !assetKeys.includes(check.assetKey);
    });
  }
  return [...assetKeys];
}
