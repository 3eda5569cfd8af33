import { createHash, randomBytes } from "node:crypto";
import type { Sql } from "../db/sql.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import type { Principal } from "./principal.js";
import { parseScope } from "./scopes.js";

/** Tokens read `strata_<43 base64url characters>`: 256 random bits. Only their hash is stored. */
const TOKEN_PREFIX = "strata_";
const SHOWN_PREFIX_LENGTH = TOKEN_PREFIX.length + 6;
const TOKEN_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export interface CreatedToken {
  /** The secret: shown once, never stored. */
  token: string;
  id: string;
  name: string;
  scopes: string[];
  prefix: string;
}

/**
 * Creates a token. Used by the `createToken` mutation and, for bootstrapping a server that
 * requires auth, by `strata token create` directly against the database.
 */
export async function createToken(
  prisma: PrismaClient,
  input: { name: string; scopes: readonly string[]; expiresAt?: Date | null },
): Promise<CreatedToken> {
  if (!TOKEN_NAME.test(input.name)) {
    throw new InvalidArgumentError("name", `"${input.name}" is not a token name: use 1-100 of [A-Za-z0-9_.:-]`);
  }
  if (input.scopes.length === 0) throw new InvalidArgumentError("scopes", "give at least one scope");
  const scopes = [...new Set(input.scopes.map(parseScope))].sort();
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const existing = await prisma.apiToken.findUnique({ where: { name: input.name } });
  if (existing) throw new InvalidArgumentError("name", `a token named "${input.name}" already exists`);
  const record = await prisma.apiToken.create({
    data: {
      name: input.name,
      tokenHash: hashToken(token),
      prefix: token.slice(0, SHOWN_PREFIX_LENGTH),
      scopes,
      expiresAt: input.expiresAt ?? null,
    },
  });
  return { token, id: record.id, name: record.name, scopes, prefix: record.prefix };
}

/**
 * Bumped by every revocation this process makes: the tokens `authenticate` remembers are read
 * again after one (see TOKEN_CACHE_MS for revocations made elsewhere).
 */
let revocations = 0;
export function revocationEpoch(): number {
  return revocations;
}

export async function revokeToken(prisma: PrismaClient, name: string) {
  revocations++;
  const record = await prisma.apiToken.findUnique({ where: { name } });
  if (!record) throw new NotFoundError("token", name);
  if (record.revokedAt) return record;
  const revoked = await prisma.apiToken.update({ where: { name }, data: { revokedAt: new Date() } });
  // Again once it is stored: a check made meanwhile, which still found the token valid, is not trusted.
  revocations++;
  return revoked;
}

export function listTokens(prisma: PrismaClient) {
  return prisma.apiToken.findMany({ orderBy: { createdAt: "asc" } });
}

export class InvalidTokenError extends Error {
  override readonly name = "InvalidTokenError";
}

/** How often a token's `lastUsedAt` is written at most (a write per request would be waste). */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Resolves a bearer token to its principal; throws InvalidTokenError for an unknown, revoked or
 * expired one. Every request of every worker passes here, so it is one indexed statement on the
 * same connection pool, not a trip through the query compiler.
 */
export async function authenticateToken(sql: Sql, token: string, now = new Date()): Promise<Principal> {
  const [record] = await sql.query<{
    id: string;
    name: string;
    scopes: string[];
    revokedAt: Date | null;
    expiresAt: Date | null;
    lastUsedAt: Date | null;
  }>(`SELECT id, name, scopes, "revokedAt", "expiresAt", "lastUsedAt" FROM "ApiToken" WHERE "tokenHash" = $1`, [hashToken(token)]);
  if (!record) throw new InvalidTokenError("Invalid API token");
  if (record.revokedAt) throw new InvalidTokenError(`API token "${record.name}" was revoked`);
  if (record.expiresAt && record.expiresAt <= now) throw new InvalidTokenError(`API token "${record.name}" has expired`);
  if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await sql.query(`UPDATE "ApiToken" SET "lastUsedAt" = $2 WHERE id = $1`, [record.id, now]);
  }
  return { kind: "token", id: record.id, name: record.name, scopes: new Set(record.scopes), expiresAt: record.expiresAt };
}
