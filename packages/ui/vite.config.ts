import { defineConfig } from "vite";

/**
 * The UI's production bundle: dist/index.html plus content-hashed files under dist/static, which
 * the server serves with a long cache (index.html with no-cache). The SDK is compiled from its
 * TypeScript sources (the `strata-source` condition, as the tests import it), so the bundle never
 * depends on a stale dist of another package. `npm run dev -w @strata/ui` proxies /graphql to a
 * server on :4000 for working on the UI with hot reload.
 */
export default defineConfig({
  base: "/",
  resolve: { conditions: ["strata-source", "module", "browser", "development|production"] },
  oxc: { jsx: { runtime: "automatic" } },
  build: {
    outDir: "dist",
    // Not "assets": /assets/<key> is the UI's page of an asset.
    assetsDir: "static",
    emptyOutDir: true,
    sourcemap: true,
    target: "es2022",
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      // TanStack Query marks its modules "use client" for React Server Components; a client-only
      // bundle has nothing to preserve, so the warning for each module is noise.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  server: { proxy: { "/graphql": { target: process.env.STRATA_URL ?? "http://localhost:4000", ws: true } } },
});
