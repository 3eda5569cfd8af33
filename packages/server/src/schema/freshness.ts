import { type FreshnessPolicy, freshnessPolicySchema } from "@strata/protocol";
import { builder } from "../builder.js";
import type { Sql } from "../db/sql.js";
import { describedEnum } from "./described-enum.js";
import { requireScope } from "../auth/principal.js";
import { assetEvents } from "./materialization.js";

export const FreshnessStateEnum = describedEnum("FreshnessState", {
  PASS: "Materialized recently enough.",
  WARN: "Older than the policy's warning age.",
  FAIL: "Older than the policy's failing age, or a cron deadline passed without a materialization.",
  UNKNOWN: "Never materialized, and no deadline has passed yet.",
});

interface FreshnessView {
  assetKey: string;
  state: "PASS" | "WARN" | "FAIL" | "UNKNOWN";
  since: Date;
  nextTransitionAt: Date | null;
  lastMaterializedAt: Date | null;
  /** Null in a change event for an asset whose policy has been removed since. */
  policy: FreshnessPolicy | null;
}

const FreshnessRef = builder.objectRef<FreshnessView>("AssetFreshness").implement({
  description: "An asset's freshness under its policy, kept as it changes (on materialization, and at the precomputed next transition).",
  fields: (t) => ({
    assetKey: t.exposeString("assetKey"),
    state: t.field({ type: FreshnessStateEnum, resolve: (f) => f.state }),
    since: t.expose("since", { type: "DateTime", description: "When it entered `state`." }),
    nextTransitionAt: t.expose("nextTransitionAt", {
      type: "DateTime",
      nullable: true,
      description: "When its state changes next if nothing is materialized; null: not before a materialization.",
    }),
    lastMaterializedAt: t.expose("lastMaterializedAt", { type: "DateTime", nullable: true }),
    policy: t.expose("policy", {
      type: "JSON",
      nullable: true,
      description: '{ kind: "time_window", failAfterMs, warnAfterMs } or { kind: "cron", cron, timezone, lowerBoundMs }.',
    }),
  }),
});

/** An asset's stored freshness, or null when it has none (no policy). */
async function readFreshness(sql: Sql, assetKey: string): Promise<FreshnessView | null> {
  const [row] = await sql.query<Omit<FreshnessView, "policy"> & { policy: unknown }>(
    `SELECT "assetKey", state, since, "nextTransitionAt", "lastMaterializedAt", policy FROM "AssetFreshness" WHERE "assetKey" = $1`,
    [assetKey],
  );
  return row ? { ...row, policy: freshnessPolicySchema.parse(row.policy) } : null;
}

builder.prismaObjectFields("Asset", (t) => ({
  freshness: t.field({
    type: FreshnessRef,
    nullable: true,
    description: "Null when its definition has no freshness policy.",
    resolve: async (asset, _args, ctx) => {
      requireScope(ctx.principal, "read");
      return readFreshness(ctx.db.sql, asset.key);
    },
  }),
}));

builder.subscriptionField("freshnessChanged", (t) =>
  t.field({
    type: FreshnessRef,
    description: "Each change of freshness state of the given assets (any asset when `assetKeys` is null).",
    args: { assetKeys: t.arg.stringList({ required: false }) },
    subscribe: (_root, args, ctx) => assetEvents(ctx, () => ctx.pubsub.subscribe("freshnessChanged"), args.assetKeys, "assetKeys"),
    resolve: async (event, _args, ctx) => {
      const { assetKey, state } = event as { assetKey: string; state: FreshnessView["state"] };
      const stored = await readFreshness(ctx.db.sql, assetKey);
      // The event's state is the change itself; the row may have moved on since.
      return stored
        ? { ...stored, state }
        : { assetKey, state, since: new Date(), nextTransitionAt: null, lastMaterializedAt: null, policy: null };
    },
  }),
);
