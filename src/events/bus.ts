import { randomUUID } from 'node:crypto';

import type { Redis } from 'ioredis';

import { outsideRequests } from '../db/request-scope.ts';
import type { StepEventBatch } from '../db/step-events.ts';
import { describeError, type Logger } from '../logger.ts';

/**
 * How the events recorded on one replica reach the subscribers of every replica: published here, they go at
 * once to this process's listeners, and through Redis to the others'. Redis carries notices, not the record:
 * a notice lost (Redis down, a replica restarting) is found missing by the numbers of the events (each batch
 * says which event came before it) and read from the log (see hub.ts).
 */
export interface EventBus {
  publish(batches: readonly StepEventBatch[]): void;
  subscribe(listener: (batch: StepEventBatch) => void): () => void;
  close(): Promise<void>;
}

/** The bus of a gateway alone: its own events only. */
export function createLocalBus(): EventBus {
  const listeners = new Set<(batch: StepEventBatch) => void>();
  return {
    publish(batches) {
      // Delivered as no request's work: a write's events must not share its deadline or its cancellation.
      outsideRequests(() => {
        for (const batch of batches) for (const listener of listeners) listener(batch);
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => listeners.clear(),
  };
}

const EVENTS_CHANNEL = 'steps-gateway:step-events';

interface Notice {
  /** The replica that published it, which has delivered it already. */
  from: string;
  batches: readonly StepEventBatch[];
}

/**
 * The bus of replicas that share a Redis: Redis pub/sub on one channel, through a connection of its own
 * (a subscribed connection can do nothing else), which ioredis re-subscribes after an outage.
 */
export function createRedisBus(redis: Redis, logger: Logger): EventBus {
  const local = createLocalBus();
  const self = randomUUID();
  const subscriber = redis.duplicate({ enableOfflineQueue: true });
  let failing = false;
  subscriber.on('error', () => {});
  void subscriber.subscribe(EVENTS_CHANNEL).catch((error: unknown) => logger.warn('redis: step events not subscribed', describeError(error)));
  subscriber.on('message', (channel: string, message: string) => {
    if (channel !== EVENTS_CHANNEL) return;
    let notice: Notice;
    try {
      notice = JSON.parse(message) as Notice;
    } catch {
      return;
    }
    if (notice.from === self || !Array.isArray(notice.batches)) return;
    local.publish(notice.batches);
  });
  return {
    publish(batches) {
      if (batches.length === 0) return;
      local.publish(batches);
      redis.publish(EVENTS_CHANNEL, JSON.stringify({ from: self, batches } satisfies Notice)).then(
        () => {
          if (failing) logger.info('redis: step events published again');
          failing = false;
        },
        (error: unknown) => {
          // The other replicas find what they missed in the log (hub.ts); logged once per outage.
          if (!failing) logger.warn('redis: step events not published; other replicas read them from the database', describeError(error));
          failing = true;
        },
      );
    },
    subscribe: local.subscribe,
    async close() {
      await local.close();
      subscriber.disconnect();
    },
  };
}
