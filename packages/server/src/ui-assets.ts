import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { gzipSync } from "node:zlib";
import type { FetchAPI, Plugin } from "graphql-yoga";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".json", ".map", ".svg", ".txt"]);
/** Where the UI's build puts its content-hashed files (vite.config.ts `assetsDir`). */
const HASHED_PREFIX = "/static/";
// Vite names every file under static/ by its content's hash: a changed file is a new URL.
const IMMUTABLE = "public, max-age=31536000, immutable";
// index.html names the current hashed files, so browsers revalidate it (a 304 while unchanged).
const REVALIDATE = "no-cache";
// The bundle talks to this server only; the browser refuses anything else, so a stray external
// request could not even be attempted.
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

interface Asset {
  body: Uint8Array;
  gzip: Uint8Array | null;
  etag: string;
  type: string;
  mtimeMs: number;
}

export interface UiAssetsOptions {
  /** The UI's built bundle (`@strata/ui`'s dist/): index.html and static/. */
  dir: string;
  /** Paths the UI must leave alone (the GraphQL endpoint, /metrics). */
  reserved: readonly string[];
}

/**
 * Serves the web UI's static bundle at `/`, beside `/graphql`: hashed files under /static/ with a
 * year-long immutable cache, other files of the bundle with no-cache, and index.html (no-cache,
 * with an ETag) for every other path, so the UI's own routes (/runs/<id>) survive a reload. Files are read once and kept in memory with
 * their gzip; index.html is read again when it changes on disk (a rebuild while serving).
 *
 * The assets carry no data and need no token: the UI asks for one when /graphql refuses it.
 * Without a built bundle, `/` answers 404 with the command that builds it.
 */
export function useUiAssets(options: UiAssetsOptions): Plugin {
  const root = resolve(options.dir);
  const cache = new Map<string, Asset>();

  function load(file: string): Asset | null {
    let mtimeMs: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) return null;
      mtimeMs = stat.mtimeMs;
    } catch {
      return null;
    }
    const cached = cache.get(file);
    if (cached && cached.mtimeMs === mtimeMs) return cached;
    const body = readFileSync(file);
    const ext = extname(file);
    const asset: Asset = {
      body,
      gzip: COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body) : null,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
      type: TYPES[ext] ?? "application/octet-stream",
      mtimeMs,
    };
    cache.set(file, asset);
    return asset;
  }

  function respond(api: FetchAPI, request: Request, asset: Asset, cacheControl: string): Response {
    const headers: Record<string, string> = {
      "content-type": asset.type,
      "cache-control": cacheControl,
      etag: asset.etag,
      vary: "accept-encoding",
      "x-content-type-options": "nosniff",
    };
    if (asset.type.startsWith("text/html")) headers["content-security-policy"] = CSP;
    if (request.headers.get("if-none-match") === asset.etag) return new api.Response(null, { status: 304, headers });
    const gzip = asset.gzip && /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
    if (gzip) headers["content-encoding"] = "gzip";
    const body = request.method === "HEAD" ? null : gzip ? asset.gzip : asset.body;
    return new api.Response(body as BodyInit | null, { status: 200, headers });
  }

  const notFound = (api: FetchAPI, message: string) =>
    new api.Response(`${message}\n`, { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });

  return {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (request.method !== "GET" && request.method !== "HEAD") return;
      const path = url.pathname;
      if (options.reserved.some((reserved) => path === reserved || path.startsWith(`${reserved}/`))) return;
      let decoded: string;
      try {
        decoded = decodeURIComponent(path);
      } catch {
        endResponse(notFound(fetchAPI, "Not found"));
        return;
      }
      const file = resolve(join(root, decoded));
      const hashed = decoded.startsWith(HASHED_PREFIX);
      const asset = file.startsWith(`${root}${sep}`) && extname(file) !== "" ? load(file) : null;
      if (asset) {
        endResponse(respond(fetchAPI, request, asset, hashed ? IMMUTABLE : REVALIDATE));
        return;
      }
      if (hashed) {
        endResponse(notFound(fetchAPI, "Not found"));
        return;
      }
      // Any other path is one of the UI's own routes (/runs/<id>, /assets/<key>): the app reads it.
      const index = load(join(root, "index.html"));
      endResponse(
        index
          ? respond(fetchAPI, request, index, REVALIDATE)
          : notFound(fetchAPI, `The web UI is not built (no index.html in ${root}): run \`npm run build\`. GraphQL answers at /graphql.`),
      );
    },
  };
}
