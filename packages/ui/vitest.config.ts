import { defineConfig } from "vitest/config";
import { strataVitest } from "../../vitest.shared.js";

// Browser tests: each file starts a real server and drives Debian's Chromium against the built
// bundle (turbo builds it before `test`). One file at a time: two Chromiums and two servers on
// two shared cores would blur the timing budgets the tests assert.
export default defineConfig(strataVitest({ fileParallelism: false }));
