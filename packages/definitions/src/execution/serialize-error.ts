import { isAbsolute, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { SerializedError } from "./events.js";

// A stack frame's location: an absolute path or file URL, then :line:column. Node prints it
// bare ("at /srv/app/defs.ts:12:5") or in parentheses ("at fn (file:///srv/app/defs.ts:12:5)").
const FRAME_LOCATION = /(^|[\s(])(file:\/\/\/[^\s()]+|\/[^\s()]+):(\d+):(\d+)/gm;

/**
 * A stack trace with every absolute path made relative to `cwd` (the location's working
 * directory), so stored traces keep `file:line:column` without telling the server, or anyone
 * reading the run, how the location's host is laid out. `node:` frames are left as they are.
 * @internal
 */
export function relativeStack(stack: string, cwd: string = process.cwd()): string {
  return stack.replace(FRAME_LOCATION, (match, before: string, location: string, line: string, column: string) => {
    let path = location;
    if (location.startsWith("file://")) {
      try {
        path = fileURLToPath(location);
      } catch {
        return match;
      }
    }
    if (!isAbsolute(path)) return match;
    return `${before}${relative(cwd, path).split(sep).join("/") || "."}:${line}:${column}`;
  });
}

/** Turns anything thrown into plain data, its stack relative to the working directory. @internal */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      stack: error.stack === undefined ? null : relativeStack(error.stack),
      cause: error.cause !== undefined && depth < 5 ? serializeError(error.cause, depth + 1) : null,
    };
  }
  return { name: typeof error, message: String(error), stack: null, cause: null };
}
