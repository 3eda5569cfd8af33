#!/usr/bin/env node
// The CLI's `bundle` task (run by `npm start`): the `strata` command and the server it starts,
// with their dependencies, as a few ES modules in packages/cli/bundle/. A start that loads ~1,000
// modules one by one (resolve, stat, read, compile each; date-fns and @graphql-tools/utils alone
// are ~550) spent ~1.3 s importing the server; the bundle loads in ~0.6 s.
//
// What stays outside, loaded from node_modules as usual: packages that find files next to their
// own code at run time (PGlite's wasm and data, Prisma's query compiler, pino's worker, the
// GraphiQL page imported on its first request), and optional native add-ons.
//
// Strata's own sources refer to files beside them through `import.meta.url` (the location
// child's entry, its import hooks, the lineage layout worker, the migrations, package.json). In
// a bundle that URL would be the bundle's, so each source's `import.meta.url` is rewritten to
// the URL of its transpiled twin in that package's out/ (the `transpile` task), relative to the
// bundle: every path resolves as it does from out/, and the processes those files start (the
// location child, the worker) run the transpiled modules.
import { rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT_DIR = join(ROOT, "packages/cli/bundle");
const STRATA_SOURCE = /[\\/]packages[\\/][^\\/]+[\\/]src[\\/].*\.ts$/;

const EXTERNAL = [
  "@electric-sql/pglite",
  "@electric-sql/pglite/*",
  "@prisma/client",
  "@prisma/client/*",
  "@graphql-yoga/render-graphiql",
  "pino",
  "pino-pretty",
  "thread-stream",
  "tsx",
  "esbuild",
  "fsevents",
  "bufferutil",
  "utf-8-validate",
  "node-libcurl",
];

/** `import.meta.url` in a Strata source, as the URL of its out/ twin seen from the bundle. */
const importMetaUrlAsTranspiled = {
  name: "import-meta-url-as-transpiled",
  setup(build) {
    build.onLoad({ filter: STRATA_SOURCE }, async ({ path }) => {
      const text = await readFile(path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const twin = path.replace(`${sep}src${sep}`, `${sep}out${sep}`).replace(/\.ts$/, ".js");
      const fromBundle = relative(OUT_DIR, twin).split(sep).join("/");
      const url = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      return { contents: text.replaceAll("import.meta.url", url), loader: "ts", resolveDir: dirname(path) };
    });
  },
};

// Chunks are named by content hash: an earlier bundle's would pile up beside the new ones.
rmSync(OUT_DIR, { recursive: true, force: true });
await build({
  entryPoints: { bin: join(ROOT, "packages/cli/src/bin.ts") },
  outdir: OUT_DIR,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  conditions: ["strata-source"],
  external: EXTERNAL,
  // CommonJS dependencies call require() for Node's built-ins; an ES module has none of its own.
  banner: {
    js: 'import { createRequire as __strataCreateRequire } from "node:module"; const require = __strataCreateRequire(import.meta.url);',
  },
  plugins: [importMetaUrlAsTranspiled],
  sourcemap: "linked",
  logLevel: "warning",
});
