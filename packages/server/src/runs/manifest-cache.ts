import { manifestSchema, type Manifest } from "@strata/protocol";
import { readStoredManifest } from "../catalog/manifest-store.js";
import type { Sql } from "../db/sql.js";

/**
 * Parsed manifests by version id (stored as the location sent them; parsing fills the defaults
 * of fields an older manifest version lacks). A version never changes once stored, so entries never go
 * stale; the cache only bounds how many stay in memory.
 */
export class ManifestCache {
  private readonly entries = new Map<string, Manifest>();
  constructor(private readonly capacity = 32) {}

  /**
   * Puts a version's manifest in, as registration parsed it: the first launch or tick after a
   * registration does not read and parse it again (~250 ms for 10,000 assets).
   */
  prime(versionId: string, manifest: Manifest): void {
    this.entries.delete(versionId);
    this.entries.set(versionId, manifest);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  async get(sql: Sql, versionId: string): Promise<Manifest> {
    const hit = this.entries.get(versionId);
    if (hit) {
      this.entries.delete(versionId);
      this.entries.set(versionId, hit);
      return hit;
    }
    const stored = await readStoredManifest(sql, versionId);
    if (stored === null) throw new Error(`manifest version ${versionId} is missing`);
    const manifest = manifestSchema.parse(stored);
    this.entries.set(versionId, manifest);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return manifest;
  }
}
