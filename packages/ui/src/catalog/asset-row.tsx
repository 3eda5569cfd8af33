import type { AssetSummary } from "@strata/sdk";
import { memo } from "react";
import { Link } from "wouter";
import { clockTime, timeAgo } from "../format/time.js";
import { StatusBadge } from "../layout/status-badge.js";
import type { CatalogFilters, FilterField } from "./catalog-filters.js";

export const ROW_HEIGHT = 40;

/** An asset key as a link to its page; keys keep their slashes in the path. */
export function assetHref(key: string): string {
  return `/assets/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * One catalog row; its labels are buttons that filter the catalog by them. Memoized: a keystroke
 * in the search box re-renders the page, and the rows on screen stay as they are until the
 * results change.
 */
export const AssetRow = memo(function AssetRow(props: {
  asset: AssetSummary;
  top: number;
  selected: boolean;
  onToggle(key: string): void;
  onFilter(change: Partial<CatalogFilters>): void;
}) {
  const { asset } = props;
  const definition = asset.definition;
  const tags = Object.entries((definition?.tags ?? {}) as Record<string, string>);
  const chip = (field: FilterField, value: string, label = value) => (
    <button
      type="button"
      key={`${field}:${value}`}
      className="chip"
      title={`Filter by ${field} ${value}`}
      onClick={() => props.onFilter({ [field]: value })}
    >
      {label}
    </button>
  );
  return (
    <div
      className={props.selected ? "row catalog-grid selected" : "row catalog-grid"}
      data-testid="asset-row"
      data-key={asset.key}
      style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${props.top}px)` }}
    >
      <input type="checkbox" aria-label={`Select ${asset.key}`} checked={props.selected} onChange={() => props.onToggle(asset.key)} />
      <span className="cell key" title={definition?.description ?? asset.key}>
        <Link href={assetHref(asset.key)}>{asset.key}</Link>
        {definition?.description && <span className="muted description"> {definition.description}</span>}
      </span>
      <span className="cell">{definition && chip("group", definition.group)}</span>
      <span className="cell">{definition?.kinds.map((kind) => chip("kind", kind))}</span>
      <span className="cell">{definition?.owners.map((owner) => chip("owner", owner))}</span>
      <span className="cell">{tags.map(([name, value]) => chip("tag", `${name}=${value}`))}</span>
      <span className="cell">{definition && chip("location", definition.location.name)}</span>
      <span className="cell" data-testid="check-health">
        {asset.checkHealth && (
          <button
            type="button"
            className="badge-button"
            title={`Checks ${asset.checkHealth.toLowerCase().replace("_", " ")}: show every asset whose checks are`}
            onClick={() => props.onFilter({ checkHealth: asset.checkHealth ?? undefined })}
          >
            <StatusBadge status={asset.checkHealth} />
          </button>
        )}
      </span>
      <span className="cell" data-testid="sync-state">
        {asset.syncState && (
          <button
            type="button"
            className="badge-button"
            title={`${asset.syncState.toLowerCase()}: show every asset that is`}
            onClick={() => props.onFilter({ syncStatus: asset.syncState ?? undefined })}
          >
            <StatusBadge status={asset.syncState} />
          </button>
        )}
      </span>
      <span className="cell muted" title={clockTime(asset.lastMaterializedAt)}>
        {timeAgo(asset.lastMaterializedAt)}
      </span>
    </div>
  );
});
