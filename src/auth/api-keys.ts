import { createHash, randomBytes, randomUUID } from 'node:crypto';

import type { Prisma, PrismaClient } from '../../prisma/generated/client/client.ts';
import { bearerCredential, isPermission, type Permission, type Principal } from './principal.ts';

/** Keys look like `sgw_<43 base64url characters>`: 256 random bits, recognisable in secret scanners. */
const KEY_PREFIX = 'sgw_';
const KEY_PATTERN = /^sgw_[A-Za-z0-9_-]{43}$/;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** Reads the key from an `Authorization: Bearer <key>` header value; undefined when absent or malformed. */
export function keyFromAuthorization(header: string | null): string | undefined {
  const key = bearerCredential(header);
  return key !== undefined && KEY_PATTERN.test(key) ? key : undefined;
}

/** A live key's principal and when it expires (undefined: never). */
export interface LiveKey extends Principal {
  expiresAt: Date | undefined;
}

/** The keys that work at `now`: not revoked, not expired. Every check of a key applies this rule. */
const live = (now: Date): Prisma.GatewayApiKeyWhereInput => ({ revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] });

/** The principal of the live key that `where` names, or undefined for an unknown, revoked or expired one. One indexed lookup. */
async function liveKey(prisma: PrismaClient, where: Prisma.GatewayApiKeyWhereInput, now: Date): Promise<LiveKey | undefined> {
  // findFirst, not findUnique: Prisma batches findUnique calls of one tick into one statement across
  // requests, which would tie one request's lookup to another's deadline.
  const row = await prisma.gatewayApiKey.findFirst({
    where: { AND: [where, live(now)] },
    select: { id: true, organizationId: true, name: true, permissions: true, expiresAt: true },
  });
  if (row === null) return undefined;
  return {
    apiKeyId: row.id,
    organizationId: row.organizationId,
    keyName: row.name,
    permissions: row.permissions.filter(isPermission),
    expiresAt: row.expiresAt ?? undefined,
  };
}

/** The principal of a live key, or undefined for an unknown, revoked or expired one. */
export const authenticate = (prisma: PrismaClient, key: string, now = new Date()) => liveKey(prisma, { keyHash: hashKey(key) }, now);

/** Which of some keys (by id) are live now, in one statement: what ends the subscriptions of a revoked or expired key. */
export async function liveKeyIds(prisma: PrismaClient, ids: readonly string[], now = new Date()): Promise<Set<string>> {
  const rows = await prisma.gatewayApiKey.findMany({ where: { id: { in: [...ids] }, ...live(now) }, select: { id: true } });
  return new Set(rows.map((row) => row.id));
}

/**
 * Checks keys, remembering each live key for `ttlMs` so that a busy client does not cost a database round
 * trip per request. A revoked key therefore stops working within `ttlMs` on every replica, with nothing to
 * broadcast; an expiring key is never trusted past its expiry. Only live keys are remembered, so unknown
 * keys cannot fill the cache, and it holds at most `maxEntries`.
 */
export function createKeyVerifier(prisma: PrismaClient, ttlMs: number, maxEntries = 10_000) {
  const cache = new Map<string, { principal: Principal; until: number }>();
  /**
   * Lookups under way, by key hash: when a busy key's entry expires, the requests that arrive meanwhile wait
   * for the one lookup rather than each sending their own. A waiter whose shared lookup fails (its request
   * ended and cancelled it) looks the key up itself.
   */
  const inflight = new Map<string, Promise<LiveKey | undefined>>();
  const cached = async (cacheKey: string, lookup: (now: Date) => Promise<LiveKey | undefined>): Promise<Principal | undefined> => {
    const now = Date.now();
    const hit = cache.get(cacheKey);
    if (hit !== undefined) {
      if (hit.until > now) return hit.principal;
      cache.delete(cacheKey);
    }
    let live: LiveKey | undefined;
    const shared = ttlMs > 0 ? inflight.get(cacheKey) : undefined;
    if (shared !== undefined) {
      live = await shared.catch(() => lookup(new Date()));
    } else {
      const looking = lookup(new Date(now));
      if (ttlMs > 0) {
        inflight.set(cacheKey, looking);
        void looking.then(
          () => inflight.delete(cacheKey),
          () => inflight.delete(cacheKey),
        );
      }
      live = await looking;
    }
    if (live === undefined) return undefined;
    const { expiresAt, ...principal } = live;
    if (ttlMs > 0) {
      // Oldest entries first out: a Map iterates in insertion order.
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(cacheKey, { principal, until: Math.min(now + ttlMs, expiresAt?.getTime() ?? Infinity) });
    }
    return principal;
  };
  return {
    /** The principal of a key, as the client sent it. */
    verify: (key: string) => {
      const hash = hashKey(key);
      return cached(hash, (now) => liveKey(prisma, { keyHash: hash }, now));
    },
    /** The principal of a key by its id, while it is live: a feedback token works only as long as the key that made it. */
    verifyId: (id: string) => cached(`id:${id}`, (now) => liveKey(prisma, { id }, now)),
  };
}

export interface CreatedKey {
  id: string;
  key: string;
  organizationId: string;
  name: string | null;
  expiresAt: Date | null;
  permissions: Permission[];
  /** Whether the organization was created with the key (`createOrganization`). */
  organizationCreated: boolean;
}

export class UnknownOrganizationError extends Error {
  override name = 'UnknownOrganizationError';
}

export interface KeyOptions {
  name?: string | undefined;
  expiresAt?: Date | undefined;
  permissions?: readonly Permission[];
  /** Creates the organization, with this name, when it does not exist. */
  createOrganization?: { name: string } | undefined;
}

/**
 * Creates a key for an organization. The key itself is returned once and never stored. An organization that
 * does not exist is created when `createOrganization` says with which name (the gateway's own database starts
 * with none; a Letta server's database has its own); otherwise it is refused, naming some that exist.
 */
export async function createKey(prisma: PrismaClient, organizationId: string, options: KeyOptions = {}): Promise<CreatedKey> {
  const { name, expiresAt, permissions = [], createOrganization } = options;
  const organization = await prisma.organization.findUnique({ where: { id: organizationId }, select: { id: true } });
  let organizationCreated = false;
  if (organization === null) {
    if (createOrganization === undefined) {
      const known = await listOrganizations(prisma, 5);
      throw new UnknownOrganizationError(
        `Organization ${organizationId} does not exist. Pass --create-org to create it (--org-name names it)` +
          (known.length > 0 ? `, or use one that exists: ${known.map((org) => org.id).join(', ')} ("apikey orgs" lists them all).` : '.'),
      );
    }
    await prisma.organization.create({ data: { id: organizationId, name: createOrganization.name } });
    organizationCreated = true;
  }
  const key = generateKey();
  const row = await prisma.gatewayApiKey.create({
    data: {
      id: `apikey-${randomUUID()}`,
      organizationId,
      name: name ?? null,
      keyHash: hashKey(key),
      keyPrefix: key.slice(0, KEY_PREFIX.length + 6),
      expiresAt: expiresAt ?? null,
      permissions: [...new Set(permissions)],
    },
  });
  return { id: row.id, key, organizationId, name: row.name, expiresAt: row.expiresAt, permissions: row.permissions.filter(isPermission), organizationCreated };
}

/** Organizations, oldest first (at most `limit`). */
export async function listOrganizations(prisma: PrismaClient, limit?: number) {
  return prisma.organization.findMany({
    where: { isDeleted: false },
    select: { id: true, name: true },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    ...(limit !== undefined ? { take: limit } : {}),
  });
}

export async function listKeys(prisma: PrismaClient) {
  return prisma.gatewayApiKey.findMany({
    select: { id: true, organizationId: true, name: true, keyPrefix: true, permissions: true, createdAt: true, revokedAt: true, expiresAt: true },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

/** Revokes a key; returns false when no such key exists. Revoking twice keeps the first revocation time. */
export async function revokeKey(prisma: PrismaClient, id: string): Promise<boolean> {
  const existing = await prisma.gatewayApiKey.findUnique({ where: { id }, select: { revokedAt: true } });
  if (existing === null) return false;
  if (existing.revokedAt === null) {
    await prisma.gatewayApiKey.update({ where: { id }, data: { revokedAt: new Date() } });
  }
  return true;
}
