import { z } from "zod";

/** A delta (manifest-delta.ts) as the server receives it: its shape only; its items are checked once rebuilt. */
export const manifestDeltaSchema = z.strictObject({
  base: z.string().min(1),
  manifest: z.record(z.string(), z.unknown()),
});
