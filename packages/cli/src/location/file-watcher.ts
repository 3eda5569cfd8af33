import { watch, type FSWatcher } from "node:fs";
import { basename } from "node:path";

/** Files whose change cannot alter definitions: editors' swap and backup files, dotfiles. */
const IGNORED = /^\.|~$|\.swp$|\.swx$|^4913$/;

/**
 * Watches the files of one directory (not its subdirectories: node_modules and `.strata`
 * churn there) and calls `onChange` once per burst of changes, `debounceMs` after the last,
 * with the names that changed. Editors save in several writes; one reload per save is enough.
 *
 * @example
 * ```ts
 * const watcher = watchDirectory("examples/quickstart", (files) => reload(files));
 * watcher.close();
 * ```
 */
export function watchDirectory(dir: string, onChange: (files: string[]) => void, debounceMs = 150): { close(): void } {
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dir, { persistent: true }, (_event, file) => {
    const name = file ? basename(file.toString()) : "";
    if (name && IGNORED.test(name)) return;
    if (name) changed.add(name);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...changed].sort();
      changed.clear();
      onChange(files);
    }, debounceMs);
  });
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
