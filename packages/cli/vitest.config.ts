import { defineConfig } from "vitest/config";
import { strataVitest } from "../../vitest.shared.js";

export default defineConfig(
  strataVitest({
    globalSetup: ["src/testing/build-cli.ts"],
    // Each file starts real servers and CLI processes; on two cores, one file at a time.
    fileParallelism: false,
  }),
);
