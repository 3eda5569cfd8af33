import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { useStrata } from "../api/strata-provider.js";
import { useSubscription } from "../api/use-subscription.js";
import { clockTime, timeAgo } from "../format/time.js";
import { ErrorNote } from "../layout/error-note.js";
import { StatusBadge } from "../layout/status-badge.js";

/** Every code location: status, version, assets, heartbeat, and its load error when it has one. */
export function CodeLocationsPage() {
  const { client } = useStrata();
  const queryClient = useQueryClient();
  const locations = useQuery({ queryKey: ["code-locations"], queryFn: () => client.codeLocations() });
  useSubscription(
    "code-locations",
    (c) => c.codeLocationChanged(),
    () => void queryClient.invalidateQueries({ queryKey: ["code-locations"] }),
  );
  return (
    <div className="page">
      <h1>Code locations</h1>
      <ErrorNote error={locations.error} />
      {locations.data?.length === 0 && (
        <p className="empty">
          No code location has registered yet: <code>strata dev defs.ts</code> loads one.
        </p>
      )}
      <div className="cards">
        {locations.data?.map((location) => (
          <section key={location.name} className="panel" data-testid="code-location" data-name={location.name}>
            <h2>
              {location.name} <StatusBadge status={location.status} />
            </h2>
            <dl className="facts">
              <dt>Assets</dt>
              <dd>
                <Link href={`/?location=${encodeURIComponent(location.name)}`}>{location.assetCount.toLocaleString()}</Link>
              </dd>
              <dt>Version</dt>
              <dd>
                {location.version ?? "—"} {location.hash && <span className="muted">({location.hash.slice(0, 12)})</span>}
              </dd>
              <dt>Registered</dt>
              <dd title={clockTime(location.registeredAt)}>{timeAgo(location.registeredAt)}</dd>
              <dt>Heartbeat</dt>
              <dd title={clockTime(location.lastHeartbeatAt)}>{timeAgo(location.lastHeartbeatAt)}</dd>
            </dl>
            {location.loadError && (
              <pre className="load-error" data-testid="load-error">
                {location.loadError}
              </pre>
            )}
          </section>
        ))}
      </div>
    </div>
  );
}
