import { describe, expect, it } from "vitest";
import { lineageTree } from "./lineage-tree.js";

// revenue <- clean <- orders, revenue <- clean <- customers, revenue <- customers (a diamond).
const edges = [
  { upstream: "clean", downstream: "revenue" },
  { upstream: "orders", downstream: "clean" },
  { upstream: "customers", downstream: "clean" },
  { upstream: "customers", downstream: "revenue" },
];

describe("lineageTree", () => {
  it("draws the upstream tree, sorted, with an asset reached twice drawn once", () => {
    expect(lineageTree("revenue", edges, "upstream")).toEqual([
      "revenue",
      "├── clean",
      "│   ├── customers",
      "│   └── orders",
      "└── customers  (see above)",
    ]);
  });

  it("draws the downstream tree with each asset's note", () => {
    expect(lineageTree("orders", edges, "downstream", (key) => (key === "revenue" ? "[finance]" : ""))).toEqual([
      "orders",
      "└── clean",
      "    └── revenue  [finance]",
    ]);
  });

  it("is the root alone when nothing is connected", () => {
    expect(lineageTree("lonely", edges, "upstream")).toEqual(["lonely"]);
  });
});
