import { useLocation, useSearch } from "wouter";

/**
 * The statuses a list page is filtered by (`?status=FAILURE,CANCELED`, unknown ones dropped) and
 * a toggle for one of them; the page's other parameters named in `keep` stay in its address.
 */
export function useStatusFilter<S extends string>(statuses: readonly S[], path: string, keep: readonly string[] = []) {
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const selected = (params
    .get("status")
    ?.split(",")
    .filter((s) => statuses.includes(s as S)) ?? []) as S[];
  const toggle = (s: S) => {
    const next = selected.includes(s) ? selected.filter((x) => x !== s) : [...selected, s];
    const query = new URLSearchParams();
    if (next.length) query.set("status", next.join(","));
    for (const name of keep) {
      const value = params.get(name);
      if (value) query.set(name, value);
    }
    navigate(query.size ? `${path}?${query}` : path, { replace: true });
  };
  return { selected, params, toggle };
}

/** One chip per status, pressed when the list shows it. */
export function StatusFilterBar<S extends string>({
  statuses,
  selected,
  onToggle,
}: {
  statuses: readonly S[];
  selected: readonly S[];
  onToggle: (status: S) => void;
}) {
  return (
    <div className="filter-bar">
      {statuses.map((s) => (
        <button
          type="button"
          key={s}
          className={selected.includes(s) ? "chip on" : "chip"}
          aria-pressed={selected.includes(s)}
          onClick={() => onToggle(s)}
        >
          {s.toLowerCase().replaceAll("_", " ")}
        </button>
      ))}
    </div>
  );
}
