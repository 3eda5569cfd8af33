import { GraphQLError, Kind, type ValueNode } from "graphql";
import { builder } from "../builder.js";

builder.scalarType("DateTime", {
  description: "An instant, as an ISO-8601 string in UTC.",
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()),
  parseValue: (value) => {
    const date = typeof value === "string" ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(date.getTime())) throw new GraphQLError("DateTime must be an ISO-8601 string");
    return date;
  },
});

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literal(field.value)]));
    default:
      throw new GraphQLError("JSON literals cannot contain variables");
  }
}

/** How a JSON scalar crosses the wire: values as they are, literals through `literal`. */
const AS_JSON = { serialize: (value: unknown) => value, parseValue: (value: unknown) => value, parseLiteral: literal };

builder.scalarType("JSON", { description: "Any JSON value.", ...AS_JSON });

builder.scalarType("RunEventPayload", {
  description:
    "A run event's payload, JSON whose shape its event `type` defines: the schemas of @strata/protocol (`runEventPayloadSchemas`), which the server validates every report against. The SDK types it by `type`.",
  ...AS_JSON,
});

builder.scalarType("IntArray", {
  description:
    "A list of 32-bit integers sent as one JSON array. A scalar, not `[Int!]`, so that a list of 100,000 coordinates is one value to serialize rather than 100,000 (the lineage layout's arrays).",
  serialize: (value) => (Array.isArray(value) ? value : Array.from(value as Int32Array)),
  parseValue: (value) => {
    if (!Array.isArray(value) || !value.every((n) => Number.isInteger(n) && Math.abs(n) <= 2 ** 31)) {
      throw new GraphQLError("IntArray must be an array of 32-bit integers");
    }
    return value as number[];
  },
});

builder.scalarType("RunEventBatch", {
  description:
    "A report's run events as one JSON array, each an object with RunEventInput's fields (seq, type, timestamp; stepKey, assetKey, level, message, payload optional). The server validates it exactly as it validates `[RunEventInput!]`, unknown fields refused. A scalar so that a report of 5,000 events is one value to check once, not 40,000 fields GraphQL coerces and copies one by one first (a fifth of such a report's time).",
  serialize: (value) => value as unknown[],
  parseValue: (value) => {
    if (!Array.isArray(value)) throw new GraphQLError("RunEventBatch must be a JSON array of run events");
    return value;
  },
  parseLiteral: (node) => {
    const value = literal(node);
    if (!Array.isArray(value)) throw new GraphQLError("RunEventBatch must be a JSON array of run events");
    return value;
  },
});
