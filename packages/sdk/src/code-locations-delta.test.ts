import { DIGEST_LENGTH } from "@strata/protocol";
import { manifestHashAndDigests, manifestTextAndHash } from "@strata/protocol/hash";
import { schema } from "@strata/server";
import { buildASTSchema, type GraphQLError, parse, printSchema, validate, visit } from "graphql";
import { describe, expect, it } from "vitest";
import { InvalidManifestError } from "./errors.js";
import { testManifest, type TestAsset, useTestServer } from "./testing/test-server.js";

const server = useTestServer();

/** A client whose registration requests are recorded: the variables each one sent. */
function recordingClient() {
  const sent: Array<Record<string, unknown>> = [];
  const client = server().client({
    fetch: async (url, init) => {
      const body = JSON.parse(String(init?.body)) as { operationName?: string; variables?: Record<string, unknown> };
      if (body.operationName === "RegisterCodeLocation") sent.push(body.variables ?? {});
      return fetch(url, init);
    },
  });
  return { client, sent };
}

const assets = (n: number, changed = -1): TestAsset[] =>
  Array.from({ length: n }, (_, i) => ({
    key: key(i),
    description: i === changed ? "changed" : `asset ${i}`,
    deps: i ? [key(i - 1)] : [],
  }));
const key = (i: number) => `big/a${String(i).padStart(3, "0")}`;
const withDigests = (list: TestAsset[]) => {
  const { manifest, hash } = testManifest(list);
  return { manifest, hash, digests: manifestHashAndDigests(manifest).digests };
};

describe("registerCodeLocation with the manifest's digests", () => {
  it("sends only what changed once the server has a version, and the whole manifest otherwise", async () => {
    const { client, sent } = recordingClient();
    const first = await client.registerCodeLocation({ name: "big", ...withDigests(assets(200)) });
    expect(first.version).toBe(1);
    // No version yet: asked by hash, then sent whole.
    expect(sent.map((v) => [v.manifest !== undefined, v.delta !== undefined])).toEqual([
      [false, false],
      [true, false],
    ]);

    sent.length = 0;
    const next = withDigests(assets(200, 120));
    const second = await client.registerCodeLocation({ name: "big", ...next });
    expect(second).toMatchObject({ changed: true, version: 2, addedKeys: [], removedKeys: [] });
    expect(sent).toHaveLength(2);
    expect(sent[1]!.manifest).toBeUndefined();
    const delta = sent[1]!.delta as { manifest: { assets: unknown[] } };
    expect(delta.manifest.assets).toEqual([[0, 120], (next.manifest as { assets: unknown[] }).assets[120], [121, 200]]);
    expect(JSON.stringify(delta).length).toBeLessThan(JSON.stringify(next.manifest).length / 20);
    const stored = await client.codeLocation("big", { withManifest: true });
    expect(stored).toMatchObject({ hash: next.hash, manifest: next.manifest });
  });

  it("sends the whole manifest when a delta does not rebuild it (digests of another manifest)", async () => {
    const { client, sent } = recordingClient();
    const v1 = withDigests(assets(30, 1));
    const first = await client.registerCodeLocation({ name: "big", ...v1 });
    sent.length = 0;
    const v2 = withDigests(assets(30, 2));
    // v1's digests claim item 1 is unchanged and item 2 too: the rebuilt manifest is not v2.
    const result = await client.registerCodeLocation({ name: "big", manifest: v2.manifest, hash: v2.hash, digests: v1.digests });
    expect(result).toMatchObject({ changed: true, version: first.version + 1 });
    expect(sent.map((v) => (v.delta ? "delta" : v.manifest ? "whole" : "hash"))).toEqual(["hash", "delta", "whole"]);
    expect(await client.codeLocation("big", { withManifest: true })).toMatchObject({ hash: v2.hash, manifest: v2.manifest });
  });

  it("sends the whole manifest without digests, and reports a manifest's own problems from a delta", async () => {
    const { client, sent } = recordingClient();
    const { digests, ...plain } = withDigests(assets(20, 3));
    await client.registerCodeLocation({ name: "big", ...plain });
    expect(sent.at(-1)!.manifest).toBeDefined();
    expect(digests.assets).toHaveLength(20 * DIGEST_LENGTH);

    sent.length = 0;
    const broken = withDigests(assets(20, 4));
    (broken.manifest as { assets: Array<{ owners: unknown }> }).assets[4]!.owners = "not a list";
    broken.digests = manifestHashAndDigests(broken.manifest).digests;
    const refused = await client.registerCodeLocation({ name: "big", ...broken }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidManifestError);
    expect((refused as InvalidManifestError).problems.map((p) => p.path)).toEqual(["assets.4.owners"]);
    // Refused as a delta: not sent again whole.
    expect(sent.map((v) => v.delta !== undefined)).toEqual([false, true]);
  });

  it("registers with a server older than deltas: the hash, then the whole manifest", async () => {
    // That server's schema: this one without registerCodeLocation's `delta` and the error's `base`.
    const older = buildASTSchema(
      visit(parse(printSchema(schema)), {
        FieldDefinition: (field) => (field.name.value === "base" ? null : undefined),
        InputValueDefinition: (arg) => (arg.name.value === "delta" ? null : undefined),
      }),
    );
    const operations: string[] = [];
    const client = server().client({
      fetch: async (url, init) => {
        const body = JSON.parse(String(init?.body)) as { query: string; operationName?: string };
        operations.push(body.operationName ?? "");
        // Refused as that server's yoga refuses a document its schema does not validate.
        const errors: readonly GraphQLError[] = validate(older, parse(body.query));
        if (errors.length === 0) return fetch(url, init);
        const refusal = errors.map((e) => ({ message: e.message, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }));
        return new Response(JSON.stringify({ errors: refusal }), { status: 400, headers: { "content-type": "application/json" } });
      },
    });
    // The location the other tests registered, now talking to the older server.
    const first = await client.registerCodeLocation({ name: "big", ...withDigests(assets(10)) });
    expect(first.changed).toBe(true);
    const v2 = withDigests(assets(10, 4));
    const version = first.version + 1;
    expect(await client.registerCodeLocation({ name: "big", ...v2 })).toMatchObject({ changed: true, version });
    expect(await client.registerCodeLocation({ name: "big", ...v2 })).toMatchObject({ changed: false, version });
    expect(operations).toEqual([
      ...["RegisterCodeLocation", "RegisterCodeLocationWhole", "RegisterCodeLocationWhole"],
      ...["RegisterCodeLocation", "RegisterCodeLocationWhole", "RegisterCodeLocationWhole"],
      ...["RegisterCodeLocation", "RegisterCodeLocationWhole"],
    ]);
    expect(await client.codeLocation("big", { withManifest: true })).toMatchObject({ hash: v2.hash, manifest: v2.manifest });
  });
});

/** A client whose request bodies are recorded as sent. */
function bodyRecordingClient() {
  const bodies: string[] = [];
  const client = server().client({
    fetch: async (url, init) => {
      bodies.push(String(init?.body));
      return fetch(url, init);
    },
  });
  return { client, bodies };
}

describe("registerCodeLocation with the manifest's text", () => {
  it("sends the text as the manifest, as it is, and the server checks it against the hash", async () => {
    const { client, bodies } = bodyRecordingClient();
    const { manifest } = testManifest([
      { key: "texted/a", description: 'quotes " and \\ and\ttabs, é' },
      { key: "texted/b", deps: ["texted/a"] },
    ]);
    const { text, hash } = manifestTextAndHash(manifest);
    // `manifest` stands unused here: the whole manifest goes as its text.
    const result = await client.registerCodeLocation({ name: "texted", manifest: { unused: true }, manifestText: text, hash });
    expect(result).toMatchObject({ changed: true, version: 1, addedKeys: ["texted/a", "texted/b"] });
    const whole = bodies.at(-1)!;
    expect(whole).toContain(`"manifest":${text}`);
    expect(JSON.parse(whole).variables).toEqual({ name: "texted", hash, manifest, withKeys: true });
    expect(await client.codeLocation("texted", { withManifest: true })).toMatchObject({ hash, manifest });

    // A text that is not the hashed manifest's is refused as such, and nothing is registered.
    const other = testManifest([{ key: "texted/c" }]);
    const refused = await client
      .registerCodeLocation({
        name: "texted",
        manifest: other.manifest,
        manifestText: text.replace("texted/b", "texted/x"),
        hash: other.hash,
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidManifestError);
    expect((refused as InvalidManifestError).problems.map((p) => p.code)).toContain("hash_mismatch");
    expect((await client.codeLocation("texted")).version).toBe(1);
  });

  it("leaves the keys added and removed out of its answer when asked withKeys: false", async () => {
    const { client, bodies } = bodyRecordingClient();
    const v1 = testManifest([{ key: "quiet/a" }]);
    const summary = await client.registerCodeLocation({ name: "quiet", ...v1, withKeys: false });
    expect(summary).toMatchObject({ changed: true, version: 1, message: expect.stringContaining("1 asset(s) added") });
    expect(summary).not.toHaveProperty("addedKeys");
    expect(bodies.every((body) => JSON.parse(body).variables.withKeys === false)).toBe(true);
    const v2 = testManifest([{ key: "quiet/b" }]);
    expect(await client.registerCodeLocation({ name: "quiet", ...v2 })).toMatchObject({
      version: 2,
      addedKeys: ["quiet/b"],
      removedKeys: ["quiet/a"],
    });
  });
});
