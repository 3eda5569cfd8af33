import { describe, expect, it } from "vitest";
import { logicalDataVersion } from "./hash.js";
import { type SyncAsset, syncResolver } from "./index.js";

const materialized = (dataVersion: string, codeVersion: string | null, inputs: Record<string, string | null> = {}) => ({
  dataVersion,
  codeVersion,
  inputs,
});

describe("sync status (Dagster's stale status)", () => {
  it("a (v1) → b: SYNCED; a at v2 is UNSYNCED and b stays SYNCED; a new data version of a makes b UNSYNCED with root cause a", () => {
    const a = (codeVersion: string, latest: SyncAsset["latest"]): SyncAsset => ({ key: "a", deps: [], codeVersion, latest });
    const b = (read: string): SyncAsset => ({ key: "b", deps: ["a"], codeVersion: null, latest: materialized("b1", null, { a: read }) });

    let r = syncResolver([a("v1", materialized("x", "v1")), b("x")]);
    expect([r.status("a").state, r.status("b").state]).toEqual(["SYNCED", "SYNCED"]);

    r = syncResolver([a("v2", materialized("x", "v1")), b("x")]);
    expect(r.status("a")).toMatchObject({ state: "UNSYNCED", causes: [{ category: "CODE", reason: "has a new code version" }] });
    expect(r.status("b").state).toBe("SYNCED");

    r = syncResolver([a("v2", materialized("x", "v2")), b("x")]);
    expect(r.status("b").state).toBe("SYNCED"); // the same data version (user-provided): nothing changed for b

    r = syncResolver([a("v2", materialized("y", "v2")), b("x")]);
    const status = r.status("b");
    expect(status.state).toBe("UNSYNCED");
    expect(status.causes).toMatchObject([{ category: "DATA", reason: "has a new dependency data version", dependency: "a" }]);
    expect(status.rootCauses).toMatchObject([{ assetKey: "a", reason: "has a new data version" }]);
  });

  it("propagates a DATA reason down the lineage as 'stale dependency', with root causes at the leaves", () => {
    const assets: SyncAsset[] = [
      { key: "a", deps: [], codeVersion: null, latest: materialized("a2", null) },
      { key: "b", deps: ["a"], codeVersion: null, latest: materialized("b1", null, { a: "a1" }) },
      { key: "c", deps: ["b"], codeVersion: null, latest: materialized("c1", null, { b: "b1" }) },
      { key: "d", deps: ["c"], codeVersion: null, latest: null },
    ];
    const r = syncResolver(assets);
    expect(r.status("c")).toMatchObject({
      state: "UNSYNCED",
      causes: [
        { reason: "stale dependency", dependency: "b", children: [{ reason: "has a new dependency data version", dependency: "a" }] },
      ],
      rootCauses: [{ assetKey: "a", reason: "has a new data version" }],
    });
    expect(r.status("d")).toEqual({ state: "MISSING", causes: [], rootCauses: [] });
  });

  it("names added and removed dependencies", () => {
    const r = syncResolver([
      { key: "x", deps: [], codeVersion: null, latest: materialized("x1", null) },
      { key: "y", deps: [], codeVersion: null, latest: materialized("y1", null) },
      { key: "z", deps: ["y"], codeVersion: null, latest: materialized("z1", null, { x: "x1" }) },
    ]);
    expect(r.status("z").causes.map((c) => [c.category, c.reason])).toEqual([
      ["DEPENDENCIES", "removed dependency on x"],
      ["DEPENDENCIES", "has a new dependency on y"],
    ]);
  });

  it("derives a default data version from the code version (or the run) and the inputs' versions", () => {
    expect(logicalDataVersion("v1", "run-1", { a: "x" })).toBe(logicalDataVersion("v1", "run-2", { a: "x" }));
    expect(logicalDataVersion("v1", "run-1", { a: "x" })).not.toBe(logicalDataVersion("v1", "run-1", { a: "y" }));
    expect(logicalDataVersion(null, "run-1", {})).not.toBe(logicalDataVersion(null, "run-2", {}));
    expect(logicalDataVersion("v1", "run-1", { a: null })).toBeNull();
  });
});
