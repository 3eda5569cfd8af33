import type { Workload } from "../harness.js";
import { w0Health } from "./w0-health.js";

/** Every workload `npm run bench` knows, in the order it runs them. */
export const workloads: Workload[] = [w0Health];
