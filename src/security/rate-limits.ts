import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/**
 * A fixed one-minute window per key. With Redis the count is shared by every replica; when Redis does not
 * answer, each process counts on its own (the insurance limiter) rather than failing requests or letting
 * everything through.
 */
function limiter(name: string, perMinute: number, redis: Redis | undefined): RateLimiterAbstract {
  const options = { points: perMinute, duration: 60, keyPrefix: `steps-gateway:${name}` };
  if (redis === undefined) return new RateLimiterMemory(options);
  return new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: new RateLimiterMemory(options) });
}

const decision = (allowed: boolean, limit: number, result: RateLimiterRes): RateDecision => ({
  allowed,
  limit,
  remaining: Math.max(0, result.remainingPoints),
  resetMs: Math.max(0, result.msBeforeNext),
});

/**
 * Requests per minute per key of `name`'s kind (an API key's id for GraphQL requests, a client address for
 * GraphiQL's page); `undefined` when the limit is off.
 */
export function createRequestLimiter(perMinute: number, redis: Redis | undefined, name = 'requests') {
  if (perMinute <= 0) return undefined;
  const requests = limiter(name, perMinute, redis);
  return async (key: string): Promise<RateDecision> => {
    try {
      return decision(true, perMinute, await requests.consume(key));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return decision(false, perMinute, rejection);
      throw rejection;
    }
  };
}

/**
 * Failed authentications per minute per client address. Past the limit, the address is refused before its
 * key is even looked up, until the window ends: guessing keys costs the guesser, not the database.
 */
export function createAuthFailureLimiter(perMinute: number, redis: Redis | undefined) {
  if (perMinute <= 0) return undefined;
  const failures = limiter('auth-failures', perMinute, redis);
  return {
    /** The time to wait in ms when the address is refused, or 0 when it may try. */
    async blockedFor(address: string): Promise<number> {
      const result = await failures.get(address);
      return result !== null && result.consumedPoints >= perMinute ? Math.max(1, result.msBeforeNext) : 0;
    },
    async record(address: string): Promise<void> {
      await failures.penalty(address, 1);
    },
  };
}

export type RequestLimiter = NonNullable<ReturnType<typeof createRequestLimiter>>;
export type AuthFailureLimiter = NonNullable<ReturnType<typeof createAuthFailureLimiter>>;
