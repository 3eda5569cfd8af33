import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { fixture } from "./harness.js";

it("without OTEL_EXPORTER_OTLP_ENDPOINT, a server and a location run a three-step run without loading any @opentelemetry module", async () => {
  const dir = await mkdtemp(join(tmpdir(), "strata-untraced-"));
  try {
    const watchFile = join(dir, "otel-modules.txt");
    const env: Record<string, string | undefined> = { ...process.env, OTEL_WATCH_FILE: watchFile };
    for (const key of Object.keys(env)) if (key.startsWith("OTEL_") && key !== "OTEL_WATCH_FILE") delete env[key];
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "--conditions=strata-source",
        "--import",
        import.meta.resolve("tsx"),
        "--import",
        fixture("otel-watch.mjs"),
        fixture("untraced-probe.ts"),
      ],
      { cwd: dir, env, timeout: 110_000 },
    );
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({ status: "SUCCESS" });
    const loaded = (await readFile(watchFile, "utf8").catch(() => "")).split("\n").filter(Boolean);
    // prom-client (the /metrics endpoint) requires @opentelemetry/api, the no-op API facade, for
    // exemplars; that is all. Neither the SDK nor an exporter nor anything of ours is loaded.
    expect(loaded.filter((line) => !/^require @opentelemetry\/api from .*\/prom-client\//.test(line))).toEqual([]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
