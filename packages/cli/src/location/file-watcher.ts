import { relative, sep } from "node:path";
import { watch } from "chokidar";

/** Folders whose files cannot alter definitions, and that churn: installs, builds, Strata's own data. */
const IGNORED_FOLDERS = new Set(["node_modules", ".git", ".strata", "dist"]);
/** Editors' swap and backup files, and dotfiles. */
const IGNORED_NAMES = /^\.|~$|\.swp$|\.swx$|^4913$/;

/**
 * Watches a directory and everything under it (with chokidar: Node's own recursive `fs.watch`
 * misses files on some platforms and gives no ignores), so a definitions file reloads when any
 * local file it imports changes, in a subfolder too. Skips node_modules, .git, .strata, dist,
 * dotfiles, editors' swap files and the paths in `ignore` (e.g. the embedded database).
 * Calls `onChange` once per burst of changes, `debounceMs` after the last, with the changed
 * paths relative to `dir`: editors save in several writes, and one reload per save is enough.
 *
 * @example
 * ```ts
 * const watcher = watchDirectory("examples/quickstart", (files) => reload(files));
 * await watcher.close();
 * ```
 */
export function watchDirectory(
  dir: string,
  onChange: (files: string[]) => void,
  { ignore = [], debounceMs = 150 }: { ignore?: readonly string[]; debounceMs?: number } = {},
): { add(path: string): void; close(): Promise<void> } {
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, {
    ignoreInitial: true,
    // Only the part under `dir` counts: the directory itself may sit inside a dot-folder.
    ignored: (path) => {
      const inside = relative(dir, path);
      if (inside === "" || inside.startsWith("..")) return false;
      if (ignore.some((skipped) => path === skipped || path.startsWith(`${skipped}${sep}`))) return true;
      return inside.split(sep).some((part) => IGNORED_FOLDERS.has(part) || IGNORED_NAMES.test(part));
    },
  });
  watcher.on("all", (_event, path) => {
    changed.add(relative(dir, path).split(sep).join("/"));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...changed].sort();
      changed.clear();
      onChange(files);
    }, debounceMs);
  });
  const added = new Set<string>();
  return {
    /** Watches one more file or directory; paths under `dir` are watched already. */
    add(path) {
      const inside = relative(dir, path);
      if (added.has(path) || (inside && !inside.startsWith(".."))) return;
      added.add(path);
      watcher.add(path);
    },
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
