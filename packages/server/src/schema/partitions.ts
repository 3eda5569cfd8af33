import { isValidName, type PartitionSpace, type PartitionsDefinition } from "@strata/protocol";
import { builder } from "../builder.js";
import { describedEnum } from "./described-enum.js";
import { requireScope } from "../auth/principal.js";
import { InvalidArgumentError, PartitionInUseError, PartitionKeysNotFoundError } from "../errors.js";
import { addDynamicPartitions, deleteDynamicPartitions } from "../partitions/dynamic.js";
import { loadSpace } from "../partitions/space.js";
import { statusRanges, type StatusRange } from "../partitions/status.js";

const PartitionsKindEnum = describedEnum("PartitionsKind", {
  TIME_WINDOW: "Windows of time on a cron schedule (hourly, daily, weekly, monthly, custom).",
  STATIC: "A fixed list of keys.",
  DYNAMIC: "Keys added and deleted at run time (addDynamicPartitions), by name.",
  MULTI: "The cross product of 2 to 4 dimensions; keys join the dimensions' keys with |.",
});

const PartitionStatusEnum = describedEnum("PartitionStatus", {
  MATERIALIZED: "Its latest attempt materialized it (or it was materialized and no attempt is running).",
  FAILED: "Its latest attempt, a run that failed, did not materialize it.",
  IN_PROGRESS: "A run that will materialize it is queued or running.",
  MISSING: "Never materialized, and nothing is running for it.",
});

export const PartitionKeyRangeRef = builder.objectRef<{ from: string; to: string }>("PartitionKeyRange").implement({
  description: "The first and last partition keys of an inclusive range.",
  fields: (t) => ({ from: t.exposeString("from"), to: t.exposeString("to") }),
});

export const PartitionKeyRangeInput = builder.inputType("PartitionKeyRangeInput", {
  description: "An inclusive range of partitions, by its first and last keys.",
  fields: (t) => ({ from: t.string({ required: true }), to: t.string({ required: true }) }),
});

const KIND = { time_window: "TIME_WINDOW", static: "STATIC", dynamic: "DYNAMIC", multi: "MULTI" } as const;

interface DimensionView {
  name: string;
  partitions: PartitionsDefinition;
}

export const PartitionsDefinitionRef = builder.objectRef<PartitionsDefinition>("PartitionsDefinition");
const PartitionDimensionRef = builder.objectRef<DimensionView>("PartitionDimension");

PartitionsDefinitionRef.implement({
  description: "How an asset is partitioned: data from its code location's manifest, evaluated by the server.",
  fields: (t) => ({
    kind: t.field({ type: PartitionsKindEnum, resolve: (d) => KIND[d.kind] }),
    count: t.int({
      description: "How many partitions exist now.",
      resolve: async (d, _args, ctx) => (await loadSpace(ctx.db.sql, d)).count,
    }),
    cron: t.string({ nullable: true, resolve: (d) => (d.kind === "time_window" ? d.cron : null) }),
    timezone: t.string({ nullable: true, resolve: (d) => (d.kind === "time_window" ? d.timezone : null) }),
    start: t.string({
      nullable: true,
      description: "Local wall-clock time in `timezone` from which windows start.",
      resolve: (d) => (d.kind === "time_window" ? d.start : null),
    }),
    end: t.string({ nullable: true, description: "Exclusive; null for none.", resolve: (d) => (d.kind === "time_window" ? d.end : null) }),
    format: t.string({
      nullable: true,
      description: "The key format, in date-fns tokens.",
      resolve: (d) => (d.kind === "time_window" ? d.format : null),
    }),
    endOffset: t.int({ nullable: true, resolve: (d) => (d.kind === "time_window" ? d.endOffset : null) }),
    dynamicName: t.string({ nullable: true, resolve: (d) => (d.kind === "dynamic" ? d.name : null) }),
    dimensions: t.field({
      type: [PartitionDimensionRef],
      description: "For MULTI: its dimensions, in key order.",
      resolve: (d) => (d.kind === "multi" ? d.dimensions : []),
    }),
    definition: t.field({ type: "JSON", description: "The definition as the manifest carries it.", resolve: (d) => d }),
  }),
});

PartitionDimensionRef.implement({
  fields: (t) => ({
    name: t.exposeString("name"),
    partitions: t.field({ type: PartitionsDefinitionRef, resolve: (d) => d.partitions }),
  }),
});

interface RangeView extends StatusRange {
  space: PartitionSpace;
}

const PartitionRangeRef = builder.objectRef<RangeView>("PartitionRange").implement({
  description: "Consecutive partitions (in the definition's order) with one status.",
  fields: (t) => ({
    status: t.field({ type: PartitionStatusEnum, resolve: (r) => r.status }),
    startKey: t.string({ resolve: (r) => r.space.keyAt(r.startIndex) }),
    endKey: t.string({ resolve: (r) => r.space.keyAt(r.endIndex) }),
    startIndex: t.exposeInt("startIndex"),
    endIndex: t.exposeInt("endIndex"),
    count: t.int({ resolve: (r) => r.endIndex - r.startIndex + 1 }),
    start: t.field({
      type: "DateTime",
      nullable: true,
      description: "For time windows: when the first window starts.",
      resolve: (r) => r.space.timeWindow(r.startIndex)?.start ?? null,
    }),
    end: t.field({
      type: "DateTime",
      nullable: true,
      description: "For time windows: when the last window ends (exclusive).",
      resolve: (r) => r.space.timeWindow(r.endIndex)?.end ?? null,
    }),
  }),
});

interface StatusView {
  ranges: RangeView[];
}

const PartitionCountsRef = builder.objectRef<RangeView[]>("PartitionCounts").implement({
  description: "How many partitions of the asked range have each status.",
  fields: (t) => {
    const count = (status: StatusRange["status"]) => (ranges: RangeView[]) =>
      ranges.filter((r) => r.status === status).reduce((n, r) => n + r.endIndex - r.startIndex + 1, 0);
    return {
      materialized: t.int({ resolve: count("MATERIALIZED") }),
      failed: t.int({ resolve: count("FAILED") }),
      inProgress: t.int({ resolve: count("IN_PROGRESS") }),
      missing: t.int({ resolve: count("MISSING") }),
      total: t.int({ resolve: (ranges) => ranges.reduce((n, r) => n + r.endIndex - r.startIndex + 1, 0) }),
    };
  },
});

const PartitionStatusRangesRef = builder.objectRef<StatusView>("PartitionStatusRanges").implement({
  description: "An asset's partitions by status, as ranges: a handful of rows for any number of partitions.",
  fields: (t) => ({
    ranges: t.field({ type: [PartitionRangeRef], resolve: (v) => v.ranges }),
    counts: t.field({ type: PartitionCountsRef, resolve: (v) => v.ranges }),
  }),
});

/** The asset's partitions definition, from its current definition row. */
async function definitionOf(ctx: { db: { sql: import("../db/sql.js").Sql } }, assetKey: string): Promise<PartitionsDefinition | null> {
  const [row] = await ctx.db.sql.query<{ partitions: PartitionsDefinition | null }>(`SELECT partitions FROM "AssetNode" WHERE key = $1`, [
    assetKey,
  ]);
  return row?.partitions ?? null;
}

function indexOfArgument(space: PartitionSpace, key: string | null | undefined, argument: string, fallback: number): number {
  if (key == null) return fallback;
  const index = space.indexOf(key);
  if (index === null)
    throw new PartitionKeysNotFoundError({ keys: [key] }, `${argument}: partition "${key}" does not exist (${space.count} partitions now)`);
  return index;
}

builder.prismaObjectFields("AssetNode", (t) => ({
  partitions: t.field({
    type: PartitionsDefinitionRef,
    nullable: true,
    description: "How the asset is partitioned; null when it is not.",
    select: { partitions: true },
    resolve: (node) => (node.partitions as PartitionsDefinition | null) ?? null,
  }),
}));

builder.prismaObjectFields("Asset", (t) => ({
  partitionStatus: t.field({
    type: PartitionStatusRangesRef,
    nullable: true,
    description:
      "Each partition's status between `from` and `to` (keys, inclusive; default: all), as ranges. Null when the asset is not partitioned.",
    args: { from: t.arg.string({ required: false }), to: t.arg.string({ required: false }) },
    resolve: async (asset, args, ctx) => {
      requireScope(ctx.principal, "read");
      const def = await definitionOf(ctx, asset.key);
      if (!def) return null;
      const space = await loadSpace(ctx.db.sql, def);
      const start = indexOfArgument(space, args.from, "from", 0);
      const end = indexOfArgument(space, args.to, "to", space.count - 1);
      // Dynamic partitions before their first key: nothing to report (a key given was refused above).
      if (space.count === 0) return { ranges: [] };
      if (end < start) throw new InvalidArgumentError("to", `"${args.to}" comes before "${args.from}"`);
      const ranges = await statusRanges(ctx.db.sql, asset.key, space, { start, end });
      return { ranges: ranges.map((r) => ({ ...r, space })) };
    },
  }),
  partitionKeys: t.connection({
    type: "String",
    description: "The asset's partition keys now, in the definition's order (empty when it is not partitioned).",
    resolve: async (asset, args, ctx) => {
      requireScope(ctx.principal, "read");
      if (args.before || args.last) throw new InvalidArgumentError("last", "partition keys page forwards only: use first and after");
      const def = await definitionOf(ctx, asset.key);
      const space = def ? await loadSpace(ctx.db.sql, def) : null;
      const count = space?.count ?? 0;
      const offset = args.after ? Number.parseInt(Buffer.from(args.after, "base64url").toString(), 10) + 1 : 0;
      if (!Number.isInteger(offset) || offset < 0) throw new InvalidArgumentError("after", "is not a cursor of this connection");
      const first = Math.min(args.first ?? 100, 10_000);
      const end = Math.min(count, offset + first) - 1;
      const keys = space && offset <= end ? space.keys({ start: offset, end }) : [];
      const cursor = (i: number) => Buffer.from(String(i)).toString("base64url");
      return {
        edges: keys.map((key, i) => ({ cursor: cursor(offset + i), node: key })),
        pageInfo: {
          hasNextPage: end + 1 < count,
          hasPreviousPage: offset > 0,
          startCursor: keys.length ? cursor(offset) : null,
          endCursor: keys.length ? cursor(offset + keys.length - 1) : null,
        },
      };
    },
  }),
}));

builder.prismaObjectFields("Run", (t) => ({
  partitionKey: t.exposeString("partitionKey", {
    nullable: true,
    description: "The partition it materializes, for a single-partition run.",
  }),
  partitionRange: t.field({
    type: PartitionKeyRangeRef,
    nullable: true,
    description: "The first and last partitions it materializes, for a range run.",
    select: { partitionRangeStart: true, partitionRangeEnd: true },
    resolve: (run) =>
      run.partitionRangeStart !== null && run.partitionRangeEnd !== null
        ? { from: run.partitionRangeStart, to: run.partitionRangeEnd }
        : null,
  }),
}));

const DynamicPartitionsRef = builder.objectRef<{ name: string; keys: string[] }>("DynamicPartitions").implement({
  description: "A dynamic partitions definition's keys, in the order they were added.",
  fields: (t) => ({ name: t.exposeString("name"), keys: t.exposeStringList("keys") }),
});

function checkName(name: string): string {
  if (!isValidName(name))
    throw new InvalidArgumentError("name", `"${name.slice(0, 100)}" is not a dynamic partitions name: use [A-Za-z0-9_-]`);
  return name;
}

builder.mutationFields((t) => ({
  addDynamicPartitions: t.field({
    type: DynamicPartitionsRef,
    description: "Adds keys to a dynamic partitions definition (keys it has already are kept). Requires `launch`.",
    errors: {},
    args: { name: t.arg.string({ required: true }), keys: t.arg.stringList({ required: true }) },
    resolve: async (_root, args, ctx) => {
      requireScope(ctx.principal, "launch");
      return addDynamicPartitions(ctx.db.sql, checkName(args.name), args.keys);
    },
  }),
  deleteDynamicPartitions: t.field({
    type: DynamicPartitionsRef,
    description:
      "Deletes keys of a dynamic partitions definition; their materializations stay in history. Refused while a run that has not ended uses one. Requires `launch`.",
    errors: { types: [PartitionKeysNotFoundError, PartitionInUseError] },
    args: { name: t.arg.string({ required: true }), keys: t.arg.stringList({ required: true }) },
    resolve: async (_root, args, ctx) => {
      requireScope(ctx.principal, "launch");
      return deleteDynamicPartitions(ctx.db.sql, checkName(args.name), args.keys);
    },
  }),
}));
