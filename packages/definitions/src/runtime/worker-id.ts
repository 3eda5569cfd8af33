import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/**
 * A worker id that says where the worker runs, `<host>:<pid>:<random>`, unique even for two
 * replicas in containers that share a host name and pid.
 * @internal
 */
export function defaultWorkerId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9_.-]/g, "-")
      .slice(0, 100) || "worker";
  return `${host}:${process.pid}:${randomBytes(4).toString("hex")}`;
}
