import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** The committed bin npm links as `strata`, run as a shell runs it: through its `#!` line. */
const BIN = fileURLToPath(new URL("../bin/strata.js", import.meta.url));

describe("the strata bin", () => {
  it("runs through its #! line with a 64 MB young generation (the server's registrations depend on it)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "strata-bin-"));
    try {
      // A module loaded first, reporting the flags the process runs with.
      const probe = join(dir, "probe.mjs");
      await writeFile(probe, `process.on("exit", () => process.stderr.write("EXEC_ARGV " + JSON.stringify(process.execArgv) + "\\n"));\n`);
      const child = spawn(BIN, ["--version"], {
        env: { ...process.env, NODE_OPTIONS: `--import=${probe}` },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
      const line = stderr.split("\n").find((l) => l.startsWith("EXEC_ARGV "));
      expect(JSON.parse(line!.slice("EXEC_ARGV ".length))).toContain("--max-semi-space-size=64");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
