import { lazy, Suspense } from "react";
import { Link, Route, Switch } from "wouter";
import { StrataProvider } from "./api/strata-provider.js";
import { AssetPage } from "./asset/asset-page.js";
import { BackfillsPage } from "./backfills/backfills-page.js";
import { CatalogPage } from "./catalog/catalog-page.js";
import { NavLink } from "./layout/nav-link.js";
import { LineagePage } from "./lineage/lineage-page.js";
import { CodeLocationsPage } from "./locations/code-locations-page.js";
import { RunPage } from "./runs/run-page.js";
import { RunsPage } from "./runs/runs-page.js";

// Loaded on first visit: the catalog, the first page most open, does not wait for it.
const AutomationPage = lazy(async () => ({ default: (await import("./automation/automation-page.js")).AutomationPage }));

export function App() {
  return (
    <StrataProvider>
      <div className="shell">
        <header className="topbar">
          <Link href="/" className="brand">
            Strata
          </Link>
          <nav>
            <NavLink href="/" match={(path) => path === "/" || path.startsWith("/assets")}>
              Catalog
            </NavLink>
            <NavLink href="/lineage">Lineage</NavLink>
            <NavLink href="/runs">Runs</NavLink>
            <NavLink href="/backfills">Backfills</NavLink>
            <NavLink href="/automation">Automation</NavLink>
            <NavLink href="/locations">Code locations</NavLink>
            <a href="/graphql" className="nav-link">
              GraphiQL
            </a>
          </nav>
        </header>
        <main>
          <Switch>
            <Route path="/" component={CatalogPage} />
            <Route path="/assets/*">{(params) => <AssetPage assetKey={decodeURIComponent(params["*"])} />}</Route>
            <Route path="/lineage" component={LineagePage} />
            <Route path="/runs" component={RunsPage} />
            <Route path="/runs/:id">{(params) => <RunPage runId={params.id} />}</Route>
            <Route path="/backfills" component={BackfillsPage} />
            <Route path="/locations" component={CodeLocationsPage} />
            <Route path="/automation">
              <Suspense fallback={<p className="page muted">Loading…</p>}>
                <AutomationPage />
              </Suspense>
            </Route>
            <Route>
              <div className="page">
                <h1>Not found</h1>
                <p>
                  Nothing lives at this address. <Link href="/">Back to the catalog</Link>
                </p>
              </div>
            </Route>
          </Switch>
        </main>
      </div>
    </StrataProvider>
  );
}
