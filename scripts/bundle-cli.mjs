#!/usr/bin/env node
// The CLI's `bundle` task (run by `npm start`), in one process:
//
// 1. Each Strata package's TypeScript in src/ → JavaScript in out/, file by file, same tree, no
//    type check (tsc's `build` does that, with declarations, in ~50 s; this takes well under a
//    second). Packages export out/ under the `strata-js` condition, which `npm start` sets, so
//    the location child loads @strata/* natively instead of compiling TypeScript through tsx's
//    loader hooks. Every source is written for isolatedModules and verbatimModuleSyntax, so
//    translating one file needs no other; out/ mirrors src/ at the same depth, so relative
//    paths (`new URL("./x.js", import.meta.url)`) hold.
// 2. The `strata` command and the server it starts, with their dependencies, as a few ES modules
//    in packages/cli/bundle/. A start that loads ~1,000 modules one by one (resolve, stat, read,
//    compile each; date-fns and @graphql-tools/utils alone were ~550) spent ~1.3 s importing the
//    server; the bundle loads in ~0.6 s.
//
// What stays outside, loaded from node_modules as usual: packages that find files next to their
// own code at run time (PGlite's wasm and data, Prisma's query compiler, pino's worker, the
// GraphiQL page imported on its first request), and optional native add-ons.
//
// Strata's own sources refer to files beside them through `import.meta.url` (the location
// child's entry, its import hooks, the lineage layout worker, the migrations, package.json). In
// a bundle that URL would be the bundle's, so each source's `import.meta.url` is rewritten to
// the URL of its transpiled twin in that package's out/ (step 1), relative to the bundle: every
// path resolves as it does from out/, and the processes those files start (the location child,
// the worker) run the transpiled modules.
import { readdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT_DIR = join(ROOT, "packages/cli/bundle");
const PACKAGES = ["protocol", "definitions", "sdk", "server", "cli"];
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

/** A source's transpiled twin: packages/<name>/src/a/b.ts → packages/<name>/out/a/b.js (step 1 writes it). */
const outTwin = (source) => source.replace(`${sep}src${sep}`, `${sep}out${sep}`).replace(/\.ts$/, ".js");

/** `import.meta.url` in a Strata source, as the URL of its out/ twin seen from the bundle. */
const importMetaUrlAsTranspiled = {
  name: "import-meta-url-as-transpiled",
  setup(build) {
    build.onLoad({ filter: STRATA_SOURCE }, async ({ path }) => {
      const text = await readFile(path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      const fromBundle = relative(OUT_DIR, outTwin(path)).split(sep).join("/");
      const url = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
      return { contents: text.replaceAll("import.meta.url", url), loader: "ts", resolveDir: dirname(path) };
    });
  },
};

/** A package's modules: every .ts under src/ but tests and declarations. */
function modules(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith(".ts") && !/\.(?:test|bench)\.ts$|\.d\.ts$/.test(entry.name) ? [path] : [];
  });
}

const transpiled = {};
for (const name of PACKAGES) {
  const pkg = join(ROOT, "packages", name);
  rmSync(join(pkg, "out"), { recursive: true, force: true });
  for (const file of modules(join(pkg, "src"))) {
    // esbuild names an entry's output after its key, adding .js.
    transpiled[relative(join(ROOT, "packages"), outTwin(file)).replace(/\.js$/, "")] = file;
  }
}
await build({
  entryPoints: transpiled,
  outdir: join(ROOT, "packages"),
  bundle: false,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
});

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
