import type { Workload } from "../harness.js";
import { w0Health } from "./w0-health.js";
import { w3Executor } from "./w3-executor.js";
import { w1w2Orchestration } from "./w1-w2-orchestration.js";
import { w4Registration } from "./w4-registration.js";
import { w5Http } from "./w5-http.js";
import { w6Search, w6SearchMillion } from "./w6-search.js";
import { w7Partitions } from "./w7-partitions.js";
import { w8Automation } from "./w8-automation.js";
import { w9Metrics } from "./w9-metrics.js";
import { w10FirstStart } from "./w10-first-start.js";
import { w17Lineage } from "./w17-lineage.js";

/** Every workload `npm run bench` knows, in the order it runs them. */
export const workloads: Workload[] = [
  w0Health,
  w1w2Orchestration,
  w3Executor,
  w4Registration,
  w5Http,
  w6Search,
  w6SearchMillion,
  w7Partitions,
  w8Automation,
  w9Metrics,
  w10FirstStart,
  w17Lineage,
];
