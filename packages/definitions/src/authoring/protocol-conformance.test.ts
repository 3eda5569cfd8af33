import { manifestSchema, parseRunEventPayload, RUN_EVENT_TYPES, type RunEvent } from "@strata/protocol";
import { describe, expect, it } from "vitest";
import { AssetOut } from "./asset-out.js";
import { asset } from "./asset.js";
import { Failure } from "./control-flow.js";
import { Definitions } from "./definitions.js";
import { graphAsset } from "./graph-asset.js";
import { materialize } from "../execution/materialize.js";
import { MetadataValue } from "./metadata.js";
import { multiAsset } from "./multi-asset.js";
import { op } from "./op.js";
import { output } from "./output.js";
import { VirtualClock } from "../testing/virtual-clock.js";

// What this package produces must be what @strata/protocol describes: the server parses exactly
// these schemas at its edge, so a drift here would be a refused registration or report.
describe("conformance to @strata/protocol", () => {
  const orders = asset("orders", { metadata: { source: MetadataValue.url("https://example.com") }, tags: { "team/area": "sales" } }, () => [
    1, 2, 3,
  ]);
  const split = multiAsset(
    { name: "split", outs: { big: new AssetOut(), maybe: new AssetOut({ isRequired: false }) }, ins: { orders } },
    ({ orders }) => ({
      big: output(
        orders.filter((n) => n > 1),
        { metadata: { rows: 2 } },
      ),
    }),
  );
  const usesMaybe = asset("uses_maybe", { ins: { maybe: split.out.maybe } }, ({ maybe }) => maybe);
  let attempts = 0;
  const flaky = asset("flaky", { retryPolicy: { maxRetries: 1, delay: 10 } }, (_, ctx) => {
    ctx.log.warning("trying", { attempt: ++attempts });
    if (attempts === 1) throw new Error("first try");
    throw new Failure({ description: "gave up", metadata: { attempts } });
  });
  const downstream = asset("after_flaky", { deps: [flaky] }, () => 1);
  const graph = graphAsset("graph_value", () => op("double", (n: number) => n * 2)(op("one", () => 1)()));
  const definitions = new Definitions({ assets: [orders, split, usesMaybe, flaky, downstream, graph] });

  it("a manifest parses with manifestSchema, unchanged", () => {
    const { manifest } = definitions.manifest();
    expect(manifestSchema.parse(manifest)).toEqual(manifest);
  });

  it("every event a run emits parses with its type's payload schema, unchanged", async () => {
    const result = await materialize(definitions, { clock: new VirtualClock() });
    const seen = new Set(result.events.map((e) => e.type));
    // The run covers most of the event types, failures and skips included.
    for (const type of [
      "RUN_START",
      "STEP_START",
      "STEP_OUTPUT",
      "ASSET_MATERIALIZATION",
      "STEP_UP_FOR_RETRY",
      "STEP_RESTARTED",
      "STEP_SUCCESS",
      "STEP_FAILURE",
      "STEP_SKIPPED",
      "LOG",
      "RUN_FAILURE",
    ]) {
      expect(seen, type).toContain(type);
    }
    for (const event of result.events as RunEvent[]) {
      expect(RUN_EVENT_TYPES).toContain(event.type);
      const parsed = parseRunEventPayload(event.type, event.payload);
      expect(parsed, `${event.type} #${event.seq}`).toEqual({ ok: true, payload: event.payload });
    }
  });
});
