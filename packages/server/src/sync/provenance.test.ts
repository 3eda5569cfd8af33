import { logicalDataVersion } from "@strata/protocol/hash";
import { expect, it } from "vitest";
import type { Sql } from "../db/sql.js";
import { type NodeRow, resolveProvenance } from "./provenance.js";

// Rows whose assets have no dependencies: nothing to read, so no statement (a query would throw).
const noDatabase = new Proxy({} as Sql, {
  get: () => () => {
    throw new Error("no statement expected");
  },
});
const node = (key: string, codeVersion: string | null): NodeRow => ({
  key,
  codeVersion,
  partitions: null,
  mappings: null,
  deps: [],
  hasDownstream: false,
  hasFreshness: false,
  syncState: null,
});

it("derives each version as logicalDataVersion does, shared across a run's rows without inputs", async () => {
  const nodes = new Map([
    ["a", node("a", null)],
    ["b", node("b", null)],
    ["v", node("v", "v1")],
  ]);
  const row = (assetKey: string, runId: string | null, dataVersion: string | null = null) => ({
    assetKey,
    runId,
    partition: null,
    codeVersion: null,
    dataVersion,
  });
  const rows = [
    row("a", "run-1"),
    row("b", "run-1"),
    row("a", "run-2"),
    row("v", "run-1"),
    row("v", "run-2"),
    row("b", "run-2", "given"),
    row("a", null),
    row("a", null),
  ];
  const versions = (await resolveProvenance(noDatabase, rows, nodes)).map((p) => p.dataVersion);
  const run1 = logicalDataVersion(null, "run-1", {});
  const run2 = logicalDataVersion(null, "run-2", {});
  const v1 = logicalDataVersion("v1", "run-1", {});
  expect(versions.slice(0, 6)).toEqual([run1, run1, run2, v1, v1, "given"]);
  expect(run1).not.toBe(run2);
  // A runless report without a version is new data each time.
  expect(versions[6]).toMatch(/^[0-9a-f]{32}$/);
  expect(versions[7]).toMatch(/^[0-9a-f]{32}$/);
  expect(versions[6]).not.toBe(versions[7]);
});
