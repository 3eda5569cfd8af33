#!/usr/bin/env -S node --max-semi-space-size=64
// A 64 MB young generation (V8's default semi-space is 16 MB; it cannot be changed once the
// process runs, so it is set here): `strata server` and `strata dev` hold a registration's parsed
// manifest while building its rows, which a small nursery copies again and again (a 10,000-asset
// registration ran ~80-100 ms faster with it). Memory grows into it only as it is used. `env -S`
// splits the line on Linux and macOS; npm's Windows shims read it too.
// The `strata` bin. npm links bins while it installs, before anything is built, and links none
// whose file is missing, so the bin is this committed file rather than dist/bin.js. In a fresh
// clone dist/ does not exist yet: build the CLI and what it depends on once (turbo; a cache hit
// afterwards), on stderr so stdout stays the command's own, then run it.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = new URL("../dist/bin.js", import.meta.url);
if (!existsSync(built)) {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  process.stderr.write("strata: building the packages first (once after a fresh install)...\n");
  const npx = process.platform === "win32" ? "npx.cmd" : "npx";
  const build = spawnSync(npx, ["--no-install", "turbo", "run", "build", "--filter=@strata/cli...", "--output-logs=errors-only"], {
    cwd: root,
    stdio: ["ignore", process.stderr, process.stderr],
  });
  if (build.status !== 0 || !existsSync(built)) {
    process.stderr.write(
      `strata: the build failed (${build.error?.message ?? `exit ${build.status}`}); run \`npm run build\` at ${root} to see why\n`,
    );
    process.exit(1);
  }
}
await import(built.href);
