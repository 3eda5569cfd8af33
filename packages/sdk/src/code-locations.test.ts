import { describe, expect, it } from "vitest";
import { AssetKeyCollisionError, InvalidArgumentError, InvalidManifestError, NotFoundError, UnauthorizedError } from "./errors.js";
import { testManifest, useTestServer } from "./testing/test-server.js";

const t = useTestServer();

describe("registerCodeLocation", () => {
  it("registers a manifest, reports what changed, and treats the same hash again as a no-op", async () => {
    const client = t().client();
    const v1 = await client.registerCodeLocation({ name: "reg", ...testManifest([{ key: "reg/a" }, { key: "reg/b" }]) });
    expect(v1).toMatchObject({
      changed: true,
      version: 1,
      addedKeys: ["reg/a", "reg/b"],
      removedKeys: [],
      location: { name: "reg", status: "LOADED", assetCount: 2 },
    });
    const again = await client.registerCodeLocation({ name: "reg", ...testManifest([{ key: "reg/b" }, { key: "reg/a" }].reverse()) });
    expect(again).toMatchObject({ changed: false, version: 1 });
    expect(again.message).toContain("nothing changed");
    const v2 = await client.registerCodeLocation({ name: "reg", ...testManifest([{ key: "reg/a" }, { key: "reg/c" }]) });
    expect(v2).toMatchObject({ changed: true, version: 2, addedKeys: ["reg/c"], removedKeys: ["reg/b"] });
    // The count is the current manifest's, whichever version wrote each asset's row.
    expect(v2.location.assetCount).toBe(2);
    const v3 = await client.registerCodeLocation({ name: "reg", ...testManifest(["a", "c", "d", "e"].map((k) => ({ key: `reg/${k}` }))) });
    expect(v3.location.assetCount).toBe(4);
    expect((await client.codeLocations()).find((l) => l.name === "reg")?.assetCount).toBe(4);
  });

  it("uploads the manifest only when the server does not have it", async () => {
    const bodies: string[] = [];
    const counting: typeof fetch = (input, init) => {
      bodies.push(String(init?.body ?? ""));
      return fetch(input, init);
    };
    const client = t().client({ fetch: counting });
    const input = { name: "upload", ...testManifest([{ key: "upload/a", description: "x".repeat(5_000) }]) };
    await client.registerCodeLocation(input);
    expect(bodies.filter((b) => b.includes("x".repeat(5_000)))).toHaveLength(1);
    bodies.length = 0;
    const again = await client.registerCodeLocation(input);
    expect(again).toMatchObject({ changed: false, version: 1 });
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.length).toBeLessThan(2_000);
  });

  it("sends a large manifest gzipped: one over the server's body limit as JSON registers", async () => {
    const sent: Array<{ encoding: string | null; bytes: number }> = [];
    const recording: typeof fetch = (input, init) => {
      const body = init?.body;
      sent.push({
        encoding: new Headers(init?.headers).get("content-encoding"),
        bytes: typeof body === "string" ? body.length : body instanceof ArrayBuffer ? body.byteLength : 0,
      });
      return fetch(input, init);
    };
    // ~30 MB of JSON, past the server's 25 MB limit, compressing to well under it.
    const assets = Array.from({ length: 300 }, (_, i) => ({ key: `big/a${i}`, description: `${i} `.repeat(90_000 / `${i} `.length) }));
    const input = { name: "big", ...testManifest(assets) };
    expect(JSON.stringify(input.manifest).length).toBeGreaterThan(25_000_000);
    const result = await t().client({ fetch: recording }).registerCodeLocation(input);
    expect(result).toMatchObject({ changed: true, version: 1 });
    const upload = sent.at(-1)!;
    expect(upload.encoding).toBe("gzip");
    expect(upload.bytes).toBeLessThan(25_000_000);
  });

  it("throws InvalidManifestError listing every problem, and registers nothing", async () => {
    const { manifest } = testManifest([{ key: "bad/a" }]);
    const error = await t()
      .client()
      .registerCodeLocation({ name: "bad", manifest, hash: "0".repeat(64) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect((error as InvalidManifestError).problems).toEqual([expect.objectContaining({ path: "hash" })]);
    await expect(t().client().codeLocation("bad")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("throws AssetKeyCollisionError naming the keys and the location that owns them", async () => {
    const client = t().client();
    await client.registerCodeLocation({ name: "owner", ...testManifest([{ key: "shared/x" }]) });
    const error = await client.registerCodeLocation({ name: "intruder", ...testManifest([{ key: "shared/x" }]) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssetKeyCollisionError);
    expect(error).toMatchObject({
      code: "ASSET_KEY_COLLISION",
      locationName: "intruder",
      collisions: [{ key: "shared/x", definedBy: "owner" }],
    });
  });

  it("lets a location token register only its own location", async () => {
    const token = await t().token("location:own");
    const client = t().client({ token });
    await expect(client.registerCodeLocation({ name: "own", ...testManifest([{ key: "own/a" }]) })).resolves.toMatchObject({ version: 1 });
    const error = await client.registerCodeLocation({ name: "other", ...testManifest([{ key: "other/a" }]) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ requiredScope: "location:other" });
  });

  it("throws InvalidArgumentError for a location name the server refuses", async () => {
    const error = await t()
      .client()
      .registerCodeLocation({ name: "has space", ...testManifest([]) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ argument: "name" });
  });
});

describe("codeLocations and codeLocation", () => {
  it("lists locations by name and shows one with its assets, and its manifest on request", async () => {
    const client = t().client();
    const registered = testManifest([{ key: "listed/one" }]);
    await client.registerCodeLocation({ name: "listed", ...registered });
    const names = (await client.codeLocations()).map((l) => l.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain("listed");
    const plain = await client.codeLocation("listed");
    expect(plain).toMatchObject({ name: "listed", status: "LOADED", version: 1, hash: registered.hash, assets: [{ key: "listed/one" }] });
    expect(plain).not.toHaveProperty("manifest");
    expect((await client.codeLocation("listed", { withManifest: true })).manifest).toEqual(registered.manifest);
  });

  it("throws NotFoundError for an unknown location", async () => {
    await expect(t().client().codeLocation("nowhere")).rejects.toMatchObject({ kind: "code location", key: "nowhere" });
  });
});

describe("heartbeats and load errors", () => {
  it("records a heartbeat, and refuses one from a location that never registered", async () => {
    const client = t().client();
    await client.registerCodeLocation({ name: "beating", ...testManifest([{ key: "beating/a" }]) });
    const before = Date.now();
    const location = await client.reportCodeLocationHeartbeat("beating");
    expect(Date.parse(location.lastHeartbeatAt!)).toBeGreaterThanOrEqual(before - 1_000);
    await expect(client.reportCodeLocationHeartbeat("ghost")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("shows LOAD_ERROR with the reported error and keeps the previous assets", async () => {
    const client = t().client();
    await client.registerCodeLocation({ name: "broken", ...testManifest([{ key: "broken/a" }]) });
    const reported = await client.reportCodeLocationLoadError({ name: "broken", error: "SyntaxError: Unexpected token" });
    expect(reported).toMatchObject({ status: "LOAD_ERROR", loadError: "SyntaxError: Unexpected token", assetCount: 1 });
  });
});
