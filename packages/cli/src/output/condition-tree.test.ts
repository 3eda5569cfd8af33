import { describe, expect, it } from "vitest";
import { conditionRows } from "./condition-tree.js";

describe("conditionRows", () => {
  it("indents each node under its parent and names it by label and operator", () => {
    expect(
      conditionRows([
        { id: "r", parentId: null, op: "and", label: "eager", trueCount: 0, candidateCount: 1 },
        { id: "s", parentId: "r", op: "since", label: "since_last_handled", trueCount: 0, candidateCount: 1 },
        { id: "m", parentId: "s", op: "missing", label: null, trueCount: 1, candidateCount: 1 },
        { id: "d", parentId: "r", op: "anyDepsMatch", label: null, trueCount: 0, candidateCount: 2 },
      ]),
    ).toEqual([
      ["eager (and)", "0", "1"],
      ["  since_last_handled (since)", "0", "1"],
      ["    missing", "1", "1"],
      ["  anyDepsMatch", "0", "2"],
    ]);
  });
});
