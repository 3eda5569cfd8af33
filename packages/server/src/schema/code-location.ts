import { builder } from "../builder.js";
import { requireScope } from "../auth/principal.js";
import { requireLocationScope } from "../catalog/location-name.js";
import { readStoredManifest } from "../catalog/manifest-store.js";
import { confirmCurrentVersion, registerCodeLocation } from "../catalog/register.js";
import { manifestBases } from "../catalog/manifest-bases.js";
import type { ManifestBase } from "@strata/protocol";
import { publishSyncRefresh } from "../sync/sync-refresher.js";
import { AssetKeyCollisionError, InvalidManifestError, ManifestRequiredError, NotFoundError } from "../errors.js";
import { AssetRef } from "./asset.js";
import { readChanges } from "../pubsub/guarded-subscription.js";

const CodeLocationStatus = builder.enumType("CodeLocationStatus", {
  values: {
    LOADED: { description: "The latest manifest is registered and its assets are in the catalog." },
    LOAD_ERROR: { description: "The location reported that its definitions failed to load; its previous assets stay." },
  },
});

export const CodeLocationRef = builder.prismaObject("CodeLocation", {
  description: "A team's deployable set of definitions, known to the server through the manifests it registers.",
  fields: (t) => ({
    name: t.exposeString("name"),
    status: t.field({ type: CodeLocationStatus, resolve: (l) => l.status }),
    loadError: t.exposeString("loadError", { nullable: true }),
    lastHeartbeatAt: t.expose("lastHeartbeatAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    version: t.int({
      nullable: true,
      description: "1 for the first manifest registered, +1 for each change.",
      select: { currentVersion: { select: { version: true } } },
      resolve: (l) => l.currentVersion?.version ?? null,
    }),
    hash: t.string({
      nullable: true,
      description: "The current manifest's content hash.",
      select: { currentVersion: { select: { hash: true } } },
      resolve: (l) => l.currentVersion?.hash ?? null,
    }),
    registeredAt: t.field({
      type: "DateTime",
      nullable: true,
      select: { currentVersion: { select: { registeredAt: true } } },
      resolve: (l) => l.currentVersion?.registeredAt ?? null,
    }),
    manifest: t.field({
      type: "JSON",
      nullable: true,
      description: "The current manifest, as registered.",
      select: { currentVersionId: true },
      resolve: (l, _args, ctx) => (l.currentVersionId ? readStoredManifest(ctx.db.sql, l.currentVersionId) : null),
    }),
    assetCount: t.int({
      description: "How many assets the location defines (its current manifest's).",
      // Stored with the version (its nodes are exactly the current manifest's assets), not counted.
      select: { currentVersion: { select: { assetCount: true } } },
      resolve: (l) => l.currentVersion?.assetCount ?? 0,
    }),
    assets: t.field({
      type: [AssetRef],
      description: "The assets this location currently defines, by key.",
      select: (_args, _ctx, nested) => ({
        assetNodes: { select: { asset: nested(true) }, orderBy: { key: "asc" } },
      }),
      resolve: (l) => l.assetNodes.map((n) => n.asset),
    }),
  }),
});

builder.queryFields((t) => ({
  codeLocations: t.prismaField({
    type: ["CodeLocation"],
    description: "Every code location that has registered, by name.",
    resolve: (query, _root, _args, ctx) => {
      requireScope(ctx.principal, "read");
      return ctx.db.prisma.codeLocation.findMany({ ...query, orderBy: { name: "asc" } });
    },
  }),
  codeLocation: t.prismaField({
    type: "CodeLocation",
    errors: { types: [NotFoundError] },
    args: { name: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      requireScope(ctx.principal, "read");
      const location = await ctx.db.prisma.codeLocation.findUnique({ ...query, where: { name: args.name } });
      if (!location) throw new NotFoundError("code location", args.name);
      return location;
    },
  }),
}));

interface RegisterResult {
  name: string;
  changed: boolean;
  version: number;
  addedKeys: string[];
  removedKeys: string[];
}

const RegisterResultRef = builder.objectRef<RegisterResult>("RegisterCodeLocationSuccess").implement({
  fields: (t) => ({
    changed: t.exposeBoolean("changed", {
      description: "False when this hash was already the current version: nothing was written.",
    }),
    message: t.string({
      resolve: (r) =>
        r.changed
          ? `Registered version ${r.version} of ${r.name}: ${r.addedKeys.length} asset(s) added, ${r.removedKeys.length} removed.`
          : `${r.name} is already at this manifest (version ${r.version}); nothing changed.`,
    }),
    version: t.exposeInt("version"),
    addedKeys: t.exposeStringList("addedKeys"),
    removedKeys: t.exposeStringList("removedKeys", {
      description: "Keys no longer defined; their materialization history stays queryable.",
    }),
    location: t.prismaField({
      type: "CodeLocation",
      resolve: (query, r, _args, ctx) => ctx.db.prisma.codeLocation.findUniqueOrThrow({ ...query, where: { name: r.name } }),
    }),
  }),
});

builder.mutationFields((t) => ({
  registerCodeLocation: t.field({
    type: RegisterResultRef,
    description:
      "Registers a code location's manifest (JSON from `Definitions#manifest()`) and replaces its assets in one transaction. The same hash again is a no-op. Without `manifest`, asks whether the location is already at `hash`: success with `changed: false` if so, ManifestRequiredError if not (then send the manifest, or a `delta` against the error's `base`) — a location restarting with unchanged definitions uploads nothing, and one whose definitions changed uploads what changed. Requires `location:<name>` or `admin`.",
    errors: { types: [InvalidManifestError, AssetKeyCollisionError, ManifestRequiredError] },
    args: {
      name: t.arg.string({ required: true }),
      manifest: t.arg({ type: "JSON", required: false }),
      delta: t.arg({
        type: "JSON",
        required: false,
        description:
          "Instead of `manifest`: the manifest as a delta of the location's registered version (ManifestRequiredError's `base`), each list's items sent in full or referred to by index range in the base (@strata/protocol's manifestDelta). Registered only if the manifest it rebuilds has `hash`; a base that is no longer the registered version answers ManifestRequiredError.",
      }),
      hash: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const name = requireLocationScope(ctx.principal, args.name);
      const registration =
        args.manifest == null && args.delta == null
          ? await confirmCurrentVersion(ctx.db.sql, name, args.hash)
          : await registerCodeLocation(ctx.db.sql, { name, manifest: args.manifest, delta: args.delta, hash: args.hash });
      if (registration.registered) ctx.runs.manifests.prime(registration.registered.versionId, registration.registered.manifest);
      if (registration.changed) {
        ctx.pubsub.publish("codeLocationChanged", { name, change: registration.version === 1 ? "REGISTERED" : "UPDATED" });
        publishSyncRefresh(ctx.pubsub, true);
      }
      return {
        name,
        changed: registration.changed,
        version: registration.version,
        addedKeys: registration.added,
        removedKeys: registration.removed,
      };
    },
  }),
  reportCodeLocationHeartbeat: t.prismaField({
    type: "CodeLocation",
    description: "A running location says it is alive. Requires `location:<name>`.",
    errors: { types: [NotFoundError] },
    args: { name: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const name = requireLocationScope(ctx.principal, args.name);
      const found = await ctx.db.prisma.codeLocation.updateMany({ where: { name }, data: { lastHeartbeatAt: new Date() } });
      if (found.count === 0) throw new NotFoundError("code location", name);
      return ctx.db.prisma.codeLocation.findUniqueOrThrow({ ...query, where: { name } });
    },
  }),
  reportCodeLocationLoadError: t.prismaField({
    type: "CodeLocation",
    errors: {},
    description:
      "A location whose definitions failed to load reports why; the location shows LOAD_ERROR and keeps its previous assets. Requires `location:<name>`.",
    args: { name: t.arg.string({ required: true }), error: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const name = requireLocationScope(ctx.principal, args.name);
      const loadError = args.error.slice(0, 100_000);
      const location = await ctx.db.prisma.codeLocation.upsert({
        ...query,
        where: { name },
        create: { name, status: "LOAD_ERROR", loadError },
        update: { status: "LOAD_ERROR", loadError },
      });
      ctx.pubsub.publish("codeLocationChanged", { name, change: "LOAD_ERROR" });
      return location;
    },
  }),
}));

const CodeLocationChangeKind = builder.enumType("CodeLocationChangeKind", {
  values: ["REGISTERED", "UPDATED", "LOAD_ERROR"] as const,
});

interface CodeLocationChange {
  name: string;
  change: "REGISTERED" | "UPDATED" | "LOAD_ERROR";
}

const CodeLocationChangeRef = builder.objectRef<CodeLocationChange>("CodeLocationChange").implement({
  fields: (t) => ({
    name: t.exposeString("name"),
    change: t.field({ type: CodeLocationChangeKind, resolve: (c) => c.change }),
    location: t.prismaField({
      type: "CodeLocation",
      resolve: (query, c, _args, ctx) => ctx.db.prisma.codeLocation.findUniqueOrThrow({ ...query, where: { name: c.name } }),
    }),
  }),
});

builder.subscriptionField("codeLocationChanged", (t) =>
  t.field({
    type: CodeLocationChangeRef,
    description: "A code location registered a new manifest or reported a load error.",
    subscribe: (_root, _args, ctx) => readChanges(ctx, "codeLocationChanged"),
    resolve: (change) => change,
  }),
);

const ManifestBaseRef = builder.objectRef<ManifestBase>("ManifestBase").implement({
  description: "A location's registered manifest version, as a delta registration refers to it.",
  fields: (t) => ({
    hash: t.exposeString("hash"),
    digests: t.field({
      type: "JSON",
      description:
        "Per list of the manifest (assets, steps, checks…), each item's digest in order (@strata/protocol's itemDigest of its canonical JSON): what a delta's ranges refer to.",
      resolve: (base) => base.digests,
    }),
  }),
});

builder.objectField(ManifestRequiredError, "base", (t) =>
  t.field({
    type: ManifestBaseRef,
    nullable: true,
    description:
      "The version the location is registered at, to send a delta against (registerCodeLocation's `delta`); null when it has none. Its digests are computed only when asked for.",
    resolve: (error, _args, ctx) => manifestBases(ctx.db.sql).base(ctx.db.sql, error.location),
  }),
);
