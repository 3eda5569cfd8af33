/**
 * "just now", "5 min ago", "3 h ago", "2 days ago", or "never" for null: how long since an
 * ISO timestamp, for tables a person scans.
 *
 * @example
 * ```ts
 * relativeTime(asset.lastMaterializedAt); // "5 min ago"
 * ```
 */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const seconds = Math.round((now - Date.parse(iso)) / 1_000);
  if (seconds < 45) return "just now";
  if (seconds < 3_600) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3_600)} h ago`;
  const days = Math.round(seconds / 86_400);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}
