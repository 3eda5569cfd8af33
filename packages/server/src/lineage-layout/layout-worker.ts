import { parentPort } from "node:worker_threads";
import { type LayoutInput, layoutLineage } from "./layout.js";

/** The layout thread: one request at a time, answered with its id; the arrays are transferred, not copied. */
parentPort?.on("message", (request: { id: number; input: LayoutInput }) => {
  try {
    const result = layoutLineage(request.input);
    const transfer = Object.values(result).map((array: Int32Array) => array.buffer as ArrayBuffer);
    parentPort?.postMessage({ id: request.id, result }, transfer);
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
