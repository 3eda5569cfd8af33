// The delta entry point, not the package's root: the root builds zod schemas, which the web UI's
// bundle (it imports this SDK) must not (a browser's Content-Security-Policy reports zod's eval probe).
import { type ManifestBase, type ManifestDigests, manifestDelta } from "@strata/protocol/delta";
import { type ClientConnection, JsonText } from "./client-connection.js";
import { StrataError } from "./errors.js";
import type { CodeLocationFieldsFragment, CodeLocationQuery, RegisterCodeLocationMutation } from "./generated/graphql.js";
import { unwrapResult, type Unwrapped } from "./result-union.js";

/**
 * A code location as the server knows it: status, current manifest version, heartbeat.
 *
 * @example
 * ```ts
 * const broken = (await client.codeLocations()).filter((l: CodeLocation) => l.status === "LOAD_ERROR");
 * ```
 */
export type CodeLocation = CodeLocationFieldsFragment;

/**
 * One code location with the keys of its assets, and its manifest when asked for.
 *
 * @example
 * ```ts
 * const sales: CodeLocationDetail = await client.codeLocation("sales");
 * console.log(sales.assets.map((a) => a.key));
 * ```
 */
export type CodeLocationDetail = Unwrapped<CodeLocationQuery["codeLocation"], "CodeLocation">;

/**
 * What a registration did: whether anything changed, the new version, keys added and removed.
 *
 * @example
 * ```ts
 * const result: RegisterCodeLocationResult = await client.registerCodeLocation({ name: "sales", ...defs.manifest() });
 * if (result.changed) console.log(result.addedKeys);
 * ```
 */
export type RegisterCodeLocationResult = RegisterCodeLocationSummary & { addedKeys: string[]; removedKeys: string[] };

/**
 * What a registration did, without the keys added and removed: `registerCodeLocation`'s answer
 * when asked `withKeys: false` (a location's runtime, which logs `message`, for 100,000 assets
 * spares the server ~0.3 s of writing the list).
 *
 * @example
 * ```ts
 * const summary: RegisterCodeLocationSummary = await client.registerCodeLocation({ name: "sales", ...defs.manifest(), withKeys: false });
 * console.log(summary.message);
 * ```
 */
export type RegisterCodeLocationSummary = Omit<
  Unwrapped<RegisterCodeLocationMutation["registerCodeLocation"], "RegisterCodeLocationSuccess">,
  "addedKeys" | "removedKeys"
>;

/**
 * A manifest to register, as `Definitions#manifest()` returns it.
 *
 * @example
 * ```ts
 * const input: RegisterCodeLocationInput = { name: "sales", ...defs.manifest() };
 * ```
 */
export interface RegisterCodeLocationInput {
  /** The location's name: letters, digits, `_` and `-`. */
  name: string;
  /** The manifest JSON. */
  manifest: unknown;
  /**
   * The manifest's canonical JSON text (`Definitions#manifestText`), sent as the manifest as it
   * is instead of serializing `manifest` again (~0.4 s for 100,000 assets). It must be the text
   * of `manifest`: the server registers the text, and checks it against `hash`.
   */
  manifestText?: string;
  /** Its content hash; the same hash again is a no-op. */
  hash: string;
  /**
   * Its items' digests (`Definitions#digests`; `manifestHashAndDigests` in
   * `@strata/protocol/hash`). With them, a location the server has an earlier version of sends
   * only the items that changed; without, the whole manifest.
   */
  digests?: ManifestDigests;
  /** False: the answer leaves out `addedKeys` and `removedKeys` (a RegisterCodeLocationSummary). */
  withKeys?: boolean;
}

/**
 * The code-location methods of {@link StrataClient}.
 *
 * @example
 * ```ts
 * const locations: CodeLocationMethods = createClient({ url, token });
 * await locations.reportCodeLocationHeartbeat("sales");
 * ```
 */
export interface CodeLocationMethods {
  /**
   * Every code location that has registered, by name. Requires `read`.
   *
   * @example
   * ```ts
   * for (const l of await client.codeLocations()) console.log(l.name, l.status, l.assetCount);
   * ```
   */
  codeLocations(): Promise<CodeLocation[]>;

  /**
   * One code location; throws `NotFoundError` for an unknown name. Requires `read`.
   *
   * @example
   * ```ts
   * const sales = await client.codeLocation("sales", { withManifest: true });
   * console.log(sales.version, sales.assets.map((a) => a.key));
   * ```
   */
  codeLocation(name: string, options?: { withManifest?: boolean }): Promise<CodeLocationDetail>;

  /**
   * Registers a location's manifest, replacing its assets in one transaction. It first sends the
   * hash alone: a location whose server already has this manifest as its current version uploads
   * nothing (one small round trip, however large the manifest). Otherwise, when the server has an
   * earlier version, only what changed follows (a delta: the items that server lacks, the others
   * referred to by position); else, or if the delta is refused, the whole manifest (as to a server
   * older than deltas, which refuses the document naming them).
   * Throws `InvalidManifestError` (with `problems`) or `AssetKeyCollisionError` (with
   * `collisions`), and nothing is registered. Requires `location:<name>` or `admin`.
   *
   * @example
   * ```ts
   * const { manifest, hash } = defs.manifest();
   * const result = await client.registerCodeLocation({ name: "sales", manifest, hash });
   * console.log(result.message); // "Registered version 2 of sales: 1 asset(s) added, 0 removed."
   * ```
   */
  registerCodeLocation(input: RegisterCodeLocationInput & { withKeys?: true }): Promise<RegisterCodeLocationResult>;
  registerCodeLocation(input: RegisterCodeLocationInput & { withKeys: false }): Promise<RegisterCodeLocationSummary>;
  registerCodeLocation(input: RegisterCodeLocationInput): Promise<RegisterCodeLocationSummary>;

  /**
   * Tells the server the location is alive. Throws `NotFoundError` before the first
   * registration. Requires `location:<name>`.
   *
   * @example
   * ```ts
   * setInterval(() => client.reportCodeLocationHeartbeat("sales").catch(console.error), 10_000);
   * ```
   */
  reportCodeLocationHeartbeat(name: string): Promise<CodeLocation>;

  /**
   * Reports that the location's definitions failed to load: it shows LOAD_ERROR and keeps its
   * previous assets. Requires `location:<name>`.
   *
   * @example
   * ```ts
   * await client.reportCodeLocationLoadError({ name: "sales", error: String(error.stack) });
   * ```
   */
  reportCodeLocationLoadError(input: { name: string; error: string }): Promise<CodeLocation>;
}

export function codeLocationMethods({ sdk }: ClientConnection): CodeLocationMethods {
  return {
    async codeLocations() {
      return (await sdk.CodeLocations()).codeLocations;
    },
    async codeLocation(name, options = {}) {
      const { codeLocation } = await sdk.CodeLocation({ name, withManifest: options.withManifest === true });
      return unwrapResult(codeLocation, "CodeLocation");
    },
    registerCodeLocation: (async (input: RegisterCodeLocationInput): Promise<RegisterCodeLocationSummary> => {
      const { name, hash } = input;
      const withKeys = input.withKeys !== false;
      let known: RegisterCodeLocationMutation["registerCodeLocation"];
      try {
        known = (await sdk.RegisterCodeLocation({ name, hash, withBase: true, withKeys })).registerCodeLocation;
      } catch (error) {
        if (!isOlderServer(error)) throw error;
        // It registers as it did before deltas: the hash alone, then the whole manifest.
        const asked = (await sdk.RegisterCodeLocationWhole({ name, hash, withKeys })).registerCodeLocation;
        if (asked.__typename !== "ManifestRequiredError") return unwrapResult(asked, "RegisterCodeLocationSuccess");
        const { registerCodeLocation } = await sdk.RegisterCodeLocationWhole({ name, hash, manifest: wholeManifest(input), withKeys });
        return unwrapResult(registerCodeLocation, "RegisterCodeLocationSuccess");
      }
      if (known.__typename !== "ManifestRequiredError") return unwrapResult(known, "RegisterCodeLocationSuccess");
      const found = known.base && input.digests ? manifestDelta(input.manifest, input.digests, known.base as ManifestBase) : null;
      if (found) {
        const { registerCodeLocation } = await sdk.RegisterCodeLocation({ name, hash, delta: found.delta, withKeys });
        // The base moved on meanwhile, or the rebuilt manifest did not hash as this one (a digest
        // collision): the whole manifest settles it. Any other refusal is the manifest's own.
        if (registerCodeLocation.__typename !== "ManifestRequiredError" && !isHashMismatch(registerCodeLocation))
          return unwrapResult(registerCodeLocation, "RegisterCodeLocationSuccess");
      }
      const { registerCodeLocation } = await sdk.RegisterCodeLocation({ name, manifest: wholeManifest(input), hash, withKeys });
      return unwrapResult(registerCodeLocation, "RegisterCodeLocationSuccess");
    }) as CodeLocationMethods["registerCodeLocation"],
    async reportCodeLocationHeartbeat(name) {
      const { reportCodeLocationHeartbeat } = await sdk.ReportCodeLocationHeartbeat({ name });
      return unwrapResult(reportCodeLocationHeartbeat, "CodeLocation");
    },
    async reportCodeLocationLoadError(input) {
      const { reportCodeLocationLoadError } = await sdk.ReportCodeLocationLoadError(input);
      return unwrapResult(reportCodeLocationLoadError, "CodeLocation");
    },
  };
}

/** The manifest as a request carries it: its text as it is, when the caller has it. */
function wholeManifest(input: RegisterCodeLocationInput): unknown {
  return input.manifestText === undefined ? input.manifest : new JsonText(input.manifestText);
}

/**
 * A server older than delta registration refuses the document naming `delta` and `base`: a
 * validation error (`Unknown argument "delta"…`, `Cannot query field "base"…`), before anything runs.
 */
function isOlderServer(error: unknown): boolean {
  return error instanceof StrataError && error.code === "GRAPHQL_VALIDATION_FAILED" && /"(delta|base)"/.test(error.message);
}

function isHashMismatch(result: { __typename?: string; problems?: readonly { code: string }[] }): boolean {
  return result.__typename === "InvalidManifestError" && (result.problems ?? []).some((p) => p.code === "hash_mismatch");
}
