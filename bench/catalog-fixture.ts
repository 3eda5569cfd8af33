import { manifestHash } from "@strata/server";

const GROUPS = ["finance", "marketing", "ops", "product", "growth"];
const KINDS = ["postgres", "dbt", "s3", "python"];

/** An hourly deadline: an asset with it that was never materialized is FAIL from registration on. */
const HOURLY = { kind: "cron", cron: "0 * * * *", timezone: "UTC", lowerBoundMs: 3_600_000 } as const;

export interface SyntheticOptions {
  /** Every `checkEvery`th asset has a check "valid" its own step evaluates (`<key>#valid`). */
  checkEvery?: number;
  /** Every `freshnessEvery`th asset (from the fifth) must be materialized hourly (a cron policy). */
  freshnessEvery?: number;
  /** The code version of asset `n` ("1" unless given). */
  codeVersion?: (n: number) => string;
}

/** The key of asset `n` of a synthetic location. */
export function syntheticKey(location: string, n: number): string {
  return `${location}/asset_${String(n).padStart(6, "0")}`;
}

/**
 * A synthetic location of `count` assets named `<location>/asset_<n>`; each depends on up to
 * three of the previous 50 (deterministic), with groups, tags, kinds and a description.
 */
export function syntheticManifest(
  location: string,
  count: number,
  { checkEvery = 0, freshnessEvery = 0, codeVersion }: SyntheticOptions = {},
) {
  const key = (n: number) => syntheticKey(location, n);
  const assets = Array.from({ length: count }, (_, n) => ({
    key: key(n),
    deps: [...new Set([n - 1, n - 7, n - 50].filter((d) => d >= 0 && n % 3 !== 0).map(key))].sort(),
    group: GROUPS[n % GROUPS.length]!,
    description: `Synthetic ${GROUPS[n % GROUPS.length]} table number ${n} of ${location}`,
    owners: [`team:${GROUPS[(n >> 2) % GROUPS.length]}`],
    tags: { tier: n % 10 === 0 ? "gold" : "bronze", domain: location },
    kinds: [KINDS[n % KINDS.length]!],
    metadata: { rows: { type: "int", value: n * 10 } },
    codeVersion: codeVersion?.(n) ?? "1",
    stepKey: key(n).replaceAll("/", "__"),
    multiAsset: null,
    graphAsset: null,
    ioManagerKey: "io_manager",
    ...(freshnessEvery ? { freshness: n % freshnessEvery === 5 % freshnessEvery ? HOURLY : null } : {}),
  }));
  const checked = checkEvery ? assets.filter((_, n) => n % checkEvery === 0) : [];
  const manifest = {
    manifestVersion: checked.length || freshnessEvery ? 3 : 1,
    assets,
    steps: assets.map((a) => assetStep(a, (d) => d.replaceAll("/", "__"))),
    ...(checked.length
      ? {
          checks: checked.map((a) => ({
            key: `${a.key}#valid`,
            assetKey: a.key,
            name: "valid",
            description: null,
            blocking: false,
            stepKey: a.stepKey,
          })),
        }
      : {}),
  };
  return { manifest, hash: manifestHash(manifest) };
}

/**
 * The manifest step that materializes one asset: its one output, its deps' outputs as inputs
 * (the step keys of deps from `stepOf`), no retry policy, graph or resources.
 */
export function assetStep(asset: { key: string; stepKey: string; deps: string[] }, stepOf: (assetKey: string) => string) {
  return {
    key: asset.stepKey,
    kind: "asset",
    inputs: [],
    outputs: [{ name: "result", assetKey: asset.key }],
    retryPolicy: null,
    deps: asset.deps.map((d) => ({ stepKey: stepOf(d), output: "result", assetKey: d })),
    externalInputs: [],
    canSubset: true,
    graph: null,
    requiredResourceKeys: [],
  };
}

export const REGISTER = `mutation($name: String!, $manifest: JSON!, $hash: String!) {
  registerCodeLocation(name: $name, manifest: $manifest, hash: $hash) { __typename ... on Error { message } ... on RegisterCodeLocationSuccess { version } }
}`;
