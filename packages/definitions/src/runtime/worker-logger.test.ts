import { describe, expect, it } from "vitest";
import { logLevelFromEnv, pinoWorkerLogger } from "./worker-logger.js";

describe("the worker's default logger", () => {
  it("writes JSON lines with the location, at the level STRATA_LOG_LEVEL names", () => {
    const lines: string[] = [];
    const logger = pinoWorkerLogger("sales", logLevelFromEnv("warn"), { write: (line: string) => void lines.push(line) });
    logger.info("claimed run r1", { runId: "r1" });
    logger.warn("heartbeat of run r1 failed", { runId: "r1", error: "ECONNRESET" });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        level: "warn",
        location: "sales",
        message: "heartbeat of run r1 failed",
        runId: "r1",
        error: "ECONNRESET",
      }),
    ]);
  });

  it("falls back to info for an unknown or missing level", () => {
    expect(logLevelFromEnv(undefined)).toBe("info");
    expect(logLevelFromEnv("verbose")).toBe("info");
    expect(logLevelFromEnv("debug")).toBe("debug");
  });
});
