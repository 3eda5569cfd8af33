import { canonicalJson, type PartitionMapping } from "@strata/protocol";
import { assetKeyToString } from "./asset-key.js";
import type { AssetProducer } from "./build-steps.js";
import type { UpstreamRef } from "./blueprint.js";
import { DefinitionError } from "./definition-error.js";

/** Mappings an unpartitioned asset can use: they do not depend on a downstream partition. */
const READ_WHOLE = new Set<PartitionMapping["kind"]>(["all", "last", "specific"]);

/**
 * The partition mappings an asset gives explicitly, by upstream asset key, for the manifest
 * (inferred ones are left out: the server infers them the same way). Throws a `DefinitionError`
 * when one asset reads the same upstream through two different mappings, gives a mapping for an
 * upstream of this location that is not partitioned, or maps from partitions it does not have.
 * @internal
 */
export function explicitMappings(producer: AssetProducer, producers: ReadonlyMap<string, AssetProducer>): Record<string, PartitionMapping> {
  const { asset, blueprint } = producer;
  const refs: UpstreamRef[] = asset.internalDeps ?? [...blueprint.inputs.map((i) => i.upstream), ...blueprint.deps];
  const mappings: Record<string, PartitionMapping> = {};
  for (const ref of refs) {
    if (!ref.mapping) continue;
    const key = assetKeyToString(ref.key);
    const existing = mappings[key];
    if (existing && canonicalJson(existing) !== canonicalJson(ref.mapping)) {
      throw new DefinitionError(
        "invalid_partitions",
        blueprint.culprit,
        `reads "${key}" through two different partition mappings; use one`,
      );
    }
    const upstream = producers.get(key);
    if (upstream && upstream.blueprint.partitions === null && ref.mapping.kind !== "all") {
      throw new DefinitionError(
        "invalid_partitions",
        blueprint.culprit,
        `gives a ${ref.mapping.kind} partition mapping for "${key}", which is not partitioned; drop the mapping`,
      );
    }
    if (blueprint.partitions === null && !READ_WHOLE.has(ref.mapping.kind)) {
      throw new DefinitionError(
        "invalid_partitions",
        blueprint.culprit,
        `is not partitioned, so its ${ref.mapping.kind} partition mapping for "${key}" has no partition to map from; ` +
          "partition it, or use allPartitionsMapping(), lastPartitionMapping() or specificPartitionsMapping()",
      );
    }
    mappings[key] = ref.mapping;
  }
  return mappings;
}
