import { manifestSchema } from "@strata/protocol";
import { describe, expect, it } from "vitest";
import { InvalidManifestError } from "../errors.js";
import { manifestOf } from "../testing/manifests.js";
import { parseManifestInParts, zodProblems } from "./manifest.js";

/** What a whole-manifest parse refuses `input` with. */
const wholeProblems = (input: unknown) => {
  const parsed = manifestSchema.safeParse(input);
  expect(parsed.success).toBe(false);
  return zodProblems(parsed.error!.issues);
};

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidManifestError);
    return (error as InvalidManifestError).problems;
  }
  throw new Error("expected an InvalidManifestError");
};

describe("a manifest's schema a part at a time (parseManifestInParts)", () => {
  const { manifest, hash } = manifestOf([
    { key: "sales/orders", description: "Ünïcode ✓", tags: { tier: "gold" } },
    { key: "sales/revenue", deps: ["sales/orders"] },
  ]);

  it("gives what the whole schema gives: its assets first, then the whole manifest, then the checked one", async () => {
    const whole = manifestSchema.parse(manifest);
    const parts = parseManifestInParts(manifest, hash);
    expect(parts.assets()).toEqual(whole.assets);
    expect(parts.manifest()).toEqual(whole);
    expect((await parts.verify()).manifest).toEqual(whole);
  });

  it("refuses an invalid asset with every problem of the manifest, its steps' included, as the whole schema lists them", () => {
    const broken = {
      ...manifest,
      assets: [{ ...manifest.assets[0]!, group: 7 }, manifest.assets[1]!],
      steps: [{ ...manifest.steps[0]!, kind: "nonsense" }, manifest.steps[1]!],
    };
    const problems = refusal(() => parseManifestInParts(broken, hash).assets());
    expect(problems).toEqual(wholeProblems(broken));
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(["assets.0.group", "steps.0.kind"]));
  });

  it("takes valid assets and refuses the manifest when its steps or its lists' rules fail", () => {
    const broken = { ...manifest, steps: [{ ...manifest.steps[0]!, kind: "nonsense" }, manifest.steps[1]!] };
    const parts = parseManifestInParts(broken, hash);
    expect(parts.assets().map((a) => a.key)).toEqual(["sales/orders", "sales/revenue"]);
    expect(refusal(() => parts.manifest())).toEqual(wholeProblems(broken));
    const noList = { ...manifest, steps: "none" };
    expect(refusal(() => parseManifestInParts(noList, hash).manifest())).toEqual(wholeProblems(noList));
  });

  it("refuses at once what has no list of assets", () => {
    for (const input of [null, "manifest", [1, 2], { ...manifest, assets: { 0: manifest.assets[0] } }]) {
      expect(refusal(() => parseManifestInParts(input, hash))).toEqual(wholeProblems(input));
    }
  });
});
