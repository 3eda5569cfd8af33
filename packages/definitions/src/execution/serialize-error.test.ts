import { describe, expect, it } from "vitest";
import { asset } from "../authoring/asset.js";
import type { RunEvent } from "./events.js";
import { InMemoryIOManager } from "../io/in-memory-io-manager.js";
import { materialize } from "./materialize.js";
import { relativeStack } from "./serialize-error.js";

describe("stack traces leaving the location", () => {
  it("name files relative to the working directory, keeping file:line:column", async () => {
    const broken = asset("broken", () => {
      throw new TypeError("boom");
    });
    const result = await materialize([broken], { ioManagers: { io_manager: new InMemoryIOManager() } });
    const failure = result.events.find((e): e is RunEvent<"STEP_FAILURE"> => e.type === "STEP_FAILURE")!;
    const stacks = [failure.payload.error.stack, failure.payload.error.cause?.stack];
    for (const stack of stacks) {
      expect(stack).toBeTruthy();
      expect(stack).not.toContain(process.cwd());
      expect(stack).not.toContain("file://");
    }
    // The user's own frame, as it reads from the location's directory.
    expect(failure.payload.error.cause!.stack).toMatch(/ src\/execution\/serialize-error\.test\.ts:\d+:\d+/);
  });

  it("rewrites bare and file-URL frames, and leaves node: frames alone", () => {
    const stack = [
      "Error: x",
      "    at fn (/srv/app/src/defs.ts:3:9)",
      "    at /srv/app/node_modules/lib/index.js:10:2",
      "    at load (file:///srv/app/src/load.ts:7:1)",
      "    at other (/opt/tools/x.js:1:1)",
      "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
    ].join("\n");
    expect(relativeStack(stack, "/srv/app").split("\n").slice(1)).toEqual([
      "    at fn (src/defs.ts:3:9)",
      "    at node_modules/lib/index.js:10:2",
      "    at load (src/load.ts:7:1)",
      "    at other (../../opt/tools/x.js:1:1)",
      "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
    ]);
  });
});
