import { isTagKey, TAG_KEY_CHARACTERS } from "@strata/protocol";
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
}

/** Attributes after validation, as they appear in the manifest. @internal */
export interface NormalizedAttributes {
  description: string | null;
  metadata: Record<string, MetadataEntry>;
  group: string;
  owners: string[];
  tags: Record<string, string>;
  kinds: string[];
  codeVersion: string | null;
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
  };
}
