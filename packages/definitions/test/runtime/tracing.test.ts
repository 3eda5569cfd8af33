/**
 * OpenTelemetry end to end: a loopback OTLP/HTTP receiver (JSON bodies, as
 * @opentelemetry/exporter-trace-otlp-http posts them), a server exporting to it and a real
 * location process exporting to it. This file's server traces (tracing is per process).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2eSuite, fixture, waitFor } from "./harness.js";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
  links?: { traceId: string; spanId: string }[];
}

const spans: OtlpSpan[] = [];
let receiver: Server;
let endpoint = "";

// Before the suite's server starts: its tracing reads these once.
process.env.OTEL_BSP_SCHEDULE_DELAY = "100";
const receiving = new Promise<void>((resolve) => {
  receiver = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      const payload = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const resource of payload.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  }).listen(0, "127.0.0.1", () => {
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    resolve();
  });
});
await receiving;

const suite = e2eSuite({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
beforeAll(() => receiving);
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const attribute = (span: OtlpSpan, key: string) => span.attributes.find((a) => a.key === key)?.value.stringValue;

describe("a run's trace", () => {
  it("is one trace: a run span with a span per step and per materialization, linked to the launch request's span", async () => {
    await suite.startWorker(fixture("traced-defs.ts"), "traced", {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: "100" },
    });
    const runId = await suite.strata.launch(["raw", "sorted", "total"]);
    expect((await suite.strata.waitForRun(runId)).status).toBe("SUCCESS");

    const run = await waitFor(
      async () => spans.find((s) => s.name === "run" && attribute(s, "strata.run_id") === runId) ?? null,
      30_000,
      () => `no run span among ${spans.map((s) => s.name).join(", ")}`,
    );
    const inTrace = () => spans.filter((s) => s.traceId === run.traceId);
    await waitFor(
      async () => inTrace().filter((s) => s.name === "asset.materialize").length === 3,
      30_000,
      () => "spans missing",
    );

    const steps = inTrace().filter((s) => s.name === "step");
    expect(steps.map((s) => attribute(s, "strata.step_key")).sort()).toEqual(["raw", "sorted", "total"]);
    expect(steps.every((s) => s.parentSpanId === run.spanId && attribute(s, "strata.location") === "traced")).toBe(true);
    const materializations = inTrace().filter((s) => s.name === "asset.materialize");
    for (const m of materializations) {
      const step = steps.find((s) => s.spanId === m.parentSpanId)!;
      expect(attribute(m, "strata.asset_key")).toBe(attribute(step, "strata.step_key"));
      expect(attribute(m, "strata.run_id")).toBe(runId);
    }
    // ctx.span in the middle step's function.
    const sort = inTrace().find((s) => s.name === "sort rows")!;
    expect(steps.find((s) => s.spanId === sort.parentSpanId)?.attributes).toContainEqual({
      key: "strata.step_key",
      value: { stringValue: "sorted" },
    });

    // The link: the server's launch span, inside the launchRun request's operation span.
    expect(run.links).toHaveLength(1);
    const launch = await waitFor(
      async () => spans.find((s) => s.spanId === run.links![0]!.spanId) ?? null,
      30_000,
      () => "the launch span was not exported",
    );
    expect(launch).toMatchObject({ name: "strata.run.launch", traceId: run.links![0]!.traceId });
    expect(attribute(launch, "strata.run_id")).toBe(runId);
    const operation = spans.find((s) => s.spanId === launch.parentSpanId)!;
    expect(operation.name).toBe("graphql.mutation anonymous");
    expect(operation.attributes).toContainEqual({ key: "graphql.root_fields", value: expect.anything() });
    expect(launch.traceId).not.toBe(run.traceId);

    // The server traced the worker's claim and reports too (exported in the server's own batches,
    // which may come after the worker's: waited for like the launch span).
    for (const name of ["strata.run.claim", "strata.run.report"])
      await waitFor(
        async () => spans.some((s) => s.name === name && attribute(s, "strata.run_id") === runId),
        30_000,
        () => `no ${name} span for the run was exported`,
      );
  });
});
