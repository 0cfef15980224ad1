import type { Database } from '../db/database.ts';
import { recordChanges } from '../db/step-events.ts';
import { describeError, type Logger } from '../logger.ts';
import type { EventBus } from './bus.ts';
import { createEventHub, type EventHub, type HubOptions } from './hub.ts';

/** Live updates as a gateway process has them: its subscriptions, and the events of its own writes. */
export interface GatewayEvents {
  hub: EventHub;
  /**
   * Records and publishes the events of what a write through the gateway changed in some steps, at once rather
   * than when the feed reader finds it. A failure is logged, not the write's: the feed reader records it later.
   */
  changed(stepIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = { perKey: 100, buffer: 1000, checkMs: 1000 };

export function createGatewayEvents(db: Database, bus: EventBus, logger: Logger, options: Partial<HubOptions> = {}): GatewayEvents {
  const hub = createEventHub(db, bus, logger, { ...DEFAULT_HUB_OPTIONS, ...options });
  return {
    hub,
    async changed(stepIds) {
      try {
        bus.publish(await recordChanges(db.sql, stepIds));
      } catch (error) {
        logger.warn('step events: a write through the gateway was not recorded; the feed reader will', describeError(error));
      }
    },
    close: () => hub.close(),
  };
}
