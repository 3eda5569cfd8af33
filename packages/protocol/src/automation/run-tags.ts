/**
 * The tag every run an automation tick creates carries, with the tick's id as its value: the
 * server writes it, clients (the UI, `strata dev`) recognise automation runs by it.
 *
 * @example
 * ```ts
 * const automated = (run: { tags: Record<string, string> }) => AUTOMATION_TICK_TAG in run.tags;
 * ```
 */
export const AUTOMATION_TICK_TAG = "strata/automation_tick";
