import { UnauthorizedError } from "../errors.js";
import { scopeCovers, type Scope } from "./scopes.js";

/** Who is asking. */
export type Principal =
  | { readonly kind: "dev" }
  | { readonly kind: "anonymous" }
  | {
      readonly kind: "token";
      readonly id: string;
      readonly name: string;
      readonly scopes: ReadonlySet<string>;
      /** When the token stops being accepted (null: never), as read when it was checked. */
      readonly expiresAt?: Date | null;
    };

/** Who a run, backfill or cancellation records as its author: the token's name, else "dev" or "anonymous". */
export function principalName(principal: Principal): string {
  return principal.kind === "token" ? principal.name : principal.kind;
}

export function can(principal: Principal, scope: Scope): boolean {
  if (principal.kind === "dev") return true;
  if (principal.kind === "anonymous") return false;
  return scopeCovers(principal.scopes, scope);
}

/** Throws an UnauthorizedError unless `principal` holds one of `scopes`. */
export function requireScope(principal: Principal, ...scopes: Scope[]): void {
  if (scopes.some((scope) => can(principal, scope))) return;
  const wanted = scopes.map((s) => `"${s}"`).join(" or ");
  throw new UnauthorizedError(
    principal.kind === "anonymous"
      ? `This requires a token with the ${wanted} scope; send one as "Authorization: Bearer <token>"`
      : `Token "${(principal as { name: string }).name}" lacks the ${wanted} scope`,
    scopes[0]!,
  );
}
