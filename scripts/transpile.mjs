#!/usr/bin/env node
// Each package's `transpile` task (run by `npm start`): its TypeScript in src/ → JavaScript in
// out/, file by file, same tree, no bundling and no type check (tsc's `build` does that, with
// declarations, in ~50 s; this takes well under a second). `npm start` runs the CLI from out/
// under the `strata-js` export condition, so Node loads plain JavaScript natively instead of
// compiling TypeScript through tsx's loader hooks on every start (~2 s of a second start).
// Every src/ file is ESM written for isolatedModules and verbatimModuleSyntax, so translating
// one file needs no other; relative paths (`new URL("./x.js", import.meta.url)`) hold because
// out/ mirrors src/ at the same depth.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const SRC = "src";
const OUT = "out";

/** The package's modules: every .ts under src/ but tests and declarations. */
function modules(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return /\.(?:m|c)?ts$/.test(entry.name) && !/\.(?:test|bench)\.ts$|\.d\.(?:m|c)?ts$/.test(entry.name) ? [path] : [];
  });
}

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: modules(SRC),
  outdir: OUT,
  outbase: SRC,
  bundle: false,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
});
