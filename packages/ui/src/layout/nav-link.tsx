import type { ReactNode } from "react";
import { Link, useLocation } from "wouter";

/** A top-bar link, highlighted while its section is open. */
export function NavLink(props: { href: string; match?: (path: string) => boolean; children: ReactNode }) {
  const [path] = useLocation();
  const active = props.match ? props.match(path) : path === props.href || path.startsWith(`${props.href}/`);
  return (
    <Link href={props.href} className={active ? "nav-link active" : "nav-link"}>
      {props.children}
    </Link>
  );
}
