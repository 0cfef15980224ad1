import { Redis } from 'ioredis';

import { describeError, type Logger } from '../logger.ts';

/**
 * The Redis connection that replicas share rate-limit counts through. Commands fail at once while it is
 * down (no offline queue), so the limiters fall back to counting in process instead of holding requests;
 * it reconnects on its own. Its errors are logged once per outage, not once per retry.
 */
export function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  let down = false;
  redis.on('error', (error: unknown) => {
    if (down) return;
    down = true;
    logger.warn('redis unavailable: rate limits are counted per process until it is back', describeError(error));
  });
  redis.on('ready', () => {
    if (down) logger.info('redis available again');
    down = false;
  });
  return redis;
}
