import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { styleFor } from "../output/style.js";
import { watchDirectory } from "./file-watcher.js";
import { LocationExit, type LocationConfig } from "./location-config.js";
import { startLocationProcess, type LocationProcess } from "./location-process.js";

/**
 * `strata dev`'s code location: a child process for the definitions file, replaced by a fresh
 * one (a fresh module graph, so every edit counts) whenever a file in its directory or below
 * changes (not those in `ignore`, such as the embedded database), or a file of its project it
 * imported from elsewhere. A file that fails to load leaves no process running until the next
 * change; the server keeps running throughout. `onLoaded` hears each process's manifest hash once its file has loaded.
 *
 * @example
 * ```ts
 * const location = superviseDevLocation(config);
 * await untilSignal();
 * await location.close();
 * ```
 */
export function superviseDevLocation(
  config: LocationConfig,
  {
    stdout = process.stdout,
    onLoaded,
    onRunLog,
    ignore = [],
  }: {
    stdout?: NodeJS.WriteStream;
    onLoaded?: (hash: string) => void;
    onRunLog?: (runId: string, line: string) => void;
    ignore?: readonly string[];
  } = {},
): { close(): Promise<void> } {
  const style = styleFor(stdout);
  const project = projectRoot(config.defsPath);
  let current: LocationProcess | undefined;
  let closed = false;
  // Restarts run one after another, so a burst of saves never leaves two locations running.
  let queue: Promise<void> = Promise.resolve();

  const start = () => {
    const location = startLocationProcess(config, {
      ...(onLoaded && { onLoaded }),
      onRunLog: onRunLog ?? ((_runId, line) => stdout.write(line)),
      // Files under the directory are watched already; those it imports from elsewhere in its
      // project join them. Only its project's: a workspace package also resolves outside
      // node_modules, and changes by a build, not an edit.
      onImported: (file) => {
        if (isInside(project, file)) watcher.add(file);
      },
    });
    current = location;
    void location.exited.then((code) => {
      if (closed || current !== location) return;
      if (code !== LocationExit.loadError && code !== LocationExit.stopped) {
        stdout.write(`${style.yellow("!")} ${config.name}: the location process exited with code ${code}; waiting for changes\n`);
      }
    });
  };

  const reload = (files: string[]) => {
    queue = queue.then(async () => {
      if (closed) return;
      const shown = files.length ? files.join(", ") : relative(process.cwd(), config.defsPath);
      stdout.write(`${style.cyan("↻")} ${shown} changed: reloading ${config.name}\n`);
      const previous = current;
      current = undefined;
      await previous?.stop();
      if (!closed) start();
    });
  };
  const watcher = watchDirectory(dirname(config.defsPath), reload, { ignore });

  start();
  return {
    async close() {
      closed = true;
      await watcher.close();
      await queue;
      await current?.stop();
    },
  };
}

/** The nearest directory above the definitions file with a package.json: the user's project. */
function projectRoot(defsPath: string): string {
  for (let dir = dirname(defsPath); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return dirname(defsPath);
  }
}

function isInside(dir: string, file: string): boolean {
  const inside = relative(dir, file);
  return inside !== "" && !inside.startsWith("..");
}
