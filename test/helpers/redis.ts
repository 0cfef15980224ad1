import { Redis } from 'ioredis';

/** The Redis the rate-limit tests share counts through (the machine's own; CI starts it). */
export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A connected client, or undefined when no Redis answers (outside CI only; CI must have one). */
export async function connectTestRedis(): Promise<Redis | undefined> {
  const redis = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    if (process.env.CI) throw error;
    return undefined;
  }
}
