import {
  AutomationCondition,
  type AutomationConditionNode,
  freshnessPolicySchema,
  isTagKey,
  TAG_KEY_CHARACTERS,
  type FreshnessPolicy,
} from "@strata/protocol";
import { checkName } from "./asset-key.js";
import { DefinitionError } from "./definition-error.js";
import { normalizeMetadata, type MetadataEntry, type MetadataInput } from "./metadata.js";
import { checkOwners } from "./owners.js";

/**
 * The catalog attributes any asset may carry; they end up in the manifest, not in execution.
 *
 * @example
 * ```ts
 * const orders = asset("orders", {
 *   description: "Orders placed on the web shop, one row per order.",
 *   group: "sales",
 *   owners: ["ana@example.com", "team:data-eng"],
 *   tags: { tier: "gold" },
 *   kinds: ["postgres"],
 *   codeVersion: "2",
 *   metadata: { source: MetadataValue.url("https://shop.example.com") },
 * }, loadOrders);
 * ```
 */
export interface AssetAttributes {
  description?: string;
  metadata?: MetadataInput;
  /** Defaults to "default". */
  group?: string;
  /** Email addresses or `team:<name>`. */
  owners?: readonly string[];
  tags?: Readonly<Record<string, string>>;
  /** Technologies the asset involves, e.g. "postgres", "s3"; shown as badges. */
  kinds?: readonly string[];
  /** Change it when the code's logic changes, so the catalog can tell stale assets apart. */
  codeVersion?: string;
  /**
   * How fresh the asset must be kept, evaluated by the server: at most `failAfterMs` old
   * (WARN after `warnAfterMs`), or materialized in the `lowerBoundMs` before each tick of
   * `cron` in `timezone` (default "UTC").
   */
  freshness?: FreshnessInput;
  /**
   * When the server materializes the asset by itself: `AutomationCondition.eager()`,
   * `.onCron(cron, timezone)`, `.onMissing()` or a composition of operands.
   */
  automation?: AutomationCondition;
}

/**
 * A freshness policy as an asset declares it.
 *
 * @example
 * ```ts
 * const hourly: FreshnessInput = { failAfterMs: 60 * 60_000, warnAfterMs: 30 * 60_000 };
 * const byNine: FreshnessInput = { cron: "0 9 * * *", timezone: "Europe/Berlin", lowerBoundMs: 2 * 60 * 60_000 };
 * ```
 */
export type FreshnessInput = { failAfterMs: number; warnAfterMs?: number } | { cron: string; timezone?: string; lowerBoundMs: number };

/** Attributes after validation, as they appear in the manifest. @internal */
export interface NormalizedAttributes {
  description: string | null;
  metadata: Record<string, MetadataEntry>;
  group: string;
  owners: string[];
  tags: Record<string, string>;
  kinds: string[];
  codeVersion: string | null;
  freshness: FreshnessPolicy | null;
  automation: AutomationConditionNode | null;
}

function checkTags(tags: Readonly<Record<string, string>> | undefined, culprit: string): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (!isTagKey(key))
      throw new DefinitionError("invalid_tag", culprit, `tag key ${JSON.stringify(key)} must be 1-255 of ${TAG_KEY_CHARACTERS}`);
    if (typeof value !== "string") throw new DefinitionError("invalid_tag", culprit, `tag ${JSON.stringify(key)} must have a string value`);
    checked[key] = value;
  }
  return checked;
}

/** Validates and normalizes the catalog attributes of one asset. @internal */
export function normalizeAttributes(
  input: AssetAttributes,
  culprit: string,
  inherited: Partial<AssetAttributes> = {},
): NormalizedAttributes {
  const kinds = input.kinds ?? inherited.kinds ?? [];
  for (const kind of kinds) {
    if (typeof kind !== "string" || kind.length === 0)
      throw new DefinitionError("invalid_option", culprit, "kinds must be non-empty strings");
  }
  const description = input.description ?? inherited.description;
  const codeVersion = input.codeVersion ?? inherited.codeVersion;
  return {
    description: description ?? null,
    metadata: normalizeMetadata(input.metadata ?? inherited.metadata, culprit),
    group: checkName(input.group ?? inherited.group ?? "default", "group", culprit),
    owners: checkOwners(input.owners ?? inherited.owners, culprit),
    tags: checkTags({ ...inherited.tags, ...input.tags }, culprit),
    kinds: [...new Set(kinds)].sort(),
    codeVersion: codeVersion ?? null,
    freshness: normalizeFreshness(input.freshness ?? inherited.freshness, culprit),
    automation: normalizeAutomation(input.automation ?? inherited.automation, culprit),
  };
}

function normalizeAutomation(input: AutomationCondition | undefined, culprit: string): AutomationConditionNode | null {
  if (input === undefined) return null;
  if (!(input instanceof AutomationCondition)) {
    throw new DefinitionError("invalid_option", culprit, "automation must be an AutomationCondition, e.g. AutomationCondition.eager()");
  }
  return input.node;
}

function normalizeFreshness(input: FreshnessInput | undefined, culprit: string): FreshnessPolicy | null {
  if (input === undefined) return null;
  const parsed = freshnessPolicySchema.safeParse(
    typeof input === "object" && input !== null && "cron" in input ? { kind: "cron", ...input } : { kind: "time_window", ...input },
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DefinitionError(
      "invalid_option",
      culprit,
      `freshness${issue.path.length ? `.${issue.path.join(".")}` : ""}: ${issue.message}`,
    );
  }
  return parsed.data;
}
