import { DEFAULT_EVENTS } from '../config.ts';
import type { Database } from '../db/database.ts';
import { outsideRequests } from '../db/request-scope.ts';
import { recordChanges } from '../db/step-events.ts';
import { describeError, type Logger } from '../logger.ts';
import type { EventBus } from './bus.ts';
import { createEventHub, type EventHub, type HubOptions } from './hub.ts';

/** Live updates as a gateway process has them: its subscriptions, and the events of its own writes. */
export interface GatewayEvents {
  hub: EventHub;
  /**
   * Records and publishes the events of what a write through the gateway changed in some steps, as soon as it
   * can rather than when the feed reader finds it: without holding up the write, whose response goes at once.
   */
  changed(stepIds: readonly string[]): void;
  /** Resolves when what was written so far is recorded (or found unrecordable, and left to the feed reader). */
  recorded(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_HUB_OPTIONS: HubOptions = { perKey: DEFAULT_EVENTS.perKey, buffer: DEFAULT_EVENTS.buffer, checkMs: 1000 };

/** Steps waiting to be recorded, at most; past it, the feed reader records the others. */
const MAX_WAITING = 10_000;

/**
 * The events of the gateway's own writes, recorded together: the writes of one moment in one transaction,
 * while the next ones gather, so that an organization's events are numbered (one transaction at a time, see
 * db/step-events.ts) without each write waiting its turn. A recording that fails, or writes past what may
 * wait, are left to the feed reader, which finds every one of them in the database.
 */
function ownWrites(db: Database, bus: EventBus, logger: Logger) {
  let waiting = new Set<string>();
  let running: Promise<void> | undefined;
  let warned = false;
  const run = (): Promise<void> =>
    outsideRequests(async () => {
      while (waiting.size > 0) {
        const ids = [...waiting];
        waiting = new Set();
        try {
          bus.publish(await recordChanges(db.sql, ids));
        } catch (error) {
          logger.warn('step events: writes through the gateway not recorded; the feed reader will', { ...describeError(error), steps: ids.length });
        }
      }
      running = undefined;
      warned = false;
    });
  return {
    changed(stepIds: readonly string[]) {
      for (const id of stepIds) {
        if (waiting.size >= MAX_WAITING) {
          if (!warned) logger.warn('step events: too many writes waiting to be recorded; the feed reader records the others');
          warned = true;
          break;
        }
        waiting.add(id);
      }
      running ??= run();
    },
    recorded: async () => {
      while (running !== undefined) await running;
    },
  };
}

export function createGatewayEvents(db: Database, bus: EventBus, logger: Logger, options: Partial<HubOptions> = {}): GatewayEvents {
  const hub = createEventHub(db, bus, logger, { ...DEFAULT_HUB_OPTIONS, ...options });
  const writes = ownWrites(db, bus, logger);
  return {
    hub,
    changed: writes.changed,
    recorded: writes.recorded,
    async close() {
      await hub.close();
      await writes.recorded();
    },
  };
}
