import type { ReactNode } from "react";
import { useLocation, useSearch } from "wouter";
import { ErrorNote } from "./error-note.js";
import { ListTable } from "./list-table.js";
import { ListEnd, type usePagedList } from "./paged-list.js";

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
  return { statuses, selected, params, toggle };
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

/**
 * A list page filtered by status (`filter`, from {@link useStatusFilter}): its title, a chip per
 * status, the list's error, the table of its `rows` loaded so far, and its end, where an empty
 * list says "No <noun>" (with these statuses).
 */
export function StatusFilteredList<S extends string, T>(props: {
  title: ReactNode;
  noun: string;
  filter: ReturnType<typeof useStatusFilter<S>>;
  list: ReturnType<typeof usePagedList<T>>;
  columns: readonly string[];
  testId: string;
  children: ReactNode;
}) {
  const { filter, list } = props;
  return (
    <div className="page">
      <h1>{props.title}</h1>
      <StatusFilterBar statuses={filter.statuses} selected={filter.selected} onToggle={filter.toggle} />
      <ErrorNote error={list.query.error} />
      <ListTable columns={props.columns} testId={props.testId}>
        {props.children}
      </ListTable>
      <ListEnd
        list={list.query}
        count={list.items.length}
        empty={`No ${props.noun}${filter.selected.length ? " with these statuses" : ""}.`}
      />
    </div>
  );
}
