import { useCallback, useState } from "react";

/**
 * A set of picked keys (assets in the catalog, steps on a run's chart): `toggle` adds or removes
 * one, keeping its identity across renders so memoized rows do not re-render; `clear` empties it.
 */
export function useSelection() {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const toggle = useCallback(
    (key: string) =>
      setSelected((current) => {
        const next = new Set(current);
        if (!next.delete(key)) next.add(key);
        return next;
      }),
    [],
  );
  const clear = useCallback(() => setSelected(new Set()), []);
  return { selected, toggle, clear };
}
