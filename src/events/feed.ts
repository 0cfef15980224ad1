import { ALL_SOURCES, changesAfter, readingFrom, type FeedPosition } from '../db/change-feed.ts';
import type { Database, Session, SqlRunner } from '../db/database.ts';
import {
  buildMarks,
  deleteEventsBefore,
  readEventsState,
  recordChanges,
  writeEventsState,
} from '../db/step-events.ts';
import { describeError, type Logger } from '../logger.ts';
import type { EventBus } from './bus.ts';

/**
 * The feed reader: one process of a deployment at a time (the holder of a session-level advisory lock, taken
 * over by another replica within a second or so of its connection ending) reads what changed in Letta's tables
 * since its watermark (db/change-feed.ts), records the events of what changed (db/step-events.ts) and moves the
 * watermark, in one transaction, then publishes them. Steps are written by a Letta server, not the gateway: the
 * database is where their events come from.
 */

/** The advisory lock of the feed reader, held for as long as it leads. */
const FEED_LOCK = 7_302_651_045;

/** How many changed rows one reading takes at a time. */
const PAGE = 2000;

/** How often the reader deletes the events older than the retention window. */
const PRUNE_MS = 60_000;

export interface EventFeedOptions {
  /** How often the leader reads the feed; 0: this process never reads it (another replica does). */
  pollMs: number;
  /** How long events are kept for resuming subscribers. */
  retentionMs: number;
  /** How often a process that does not lead tries to (default 1 s): how soon a dead leader is replaced. */
  leaderRetryMs?: number;
}

export interface EventFeed {
  start(): void;
  stop(): Promise<void>;
  /** Whether this process reads the feed now. */
  leading(): boolean;
  /** Reads the feed once now, as the leader (tests); false when another process leads. */
  readNow(): Promise<boolean>;
}

export function createEventFeed(db: Database, bus: EventBus, logger: Logger, options: EventFeedOptions): EventFeed {
  const retryMs = options.leaderRetryMs ?? 1000;
  let session: Session | undefined;
  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  /** The `updated_at` the feed has been read up to. */
  let reached: string | null = null;
  /** Row versions recorded already within the overlap, by table and id: the time of the change and the version recorded. */
  const seen = new Map<string, { at: string; version: string }>();
  let prunedAt = 0;
  let failures = 0;

  const lose = async () => {
    leader = false;
    seen.clear();
    const lost = session;
    session = undefined;
    await lost?.close();
  };

  /** Takes the lead if no one has it; true while this process has it. */
  const lead = async (): Promise<boolean> => {
    if (leader) return true;
    session ??= await db.session();
    const [row] = await session.sql.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${FEED_LOCK}) AS locked`);
    if (row?.locked !== true) return false;
    leader = true;
    seen.clear();
    const state = await readEventsState(session.sql);
    if (state.status !== 'ready') {
      const started = Date.now();
      const marked = await buildMarks(session.sql);
      logger.info('step events: every step marked, events recorded from now on', { steps: marked, ms: Date.now() - started });
    }
    reached = (await readEventsState(session.sql)).watermark;
    logger.info('step events: this process reads the feed', { watermark: reached });
    return true;
  };

  /**
   * One reading: what changed since the watermark, a page at a time; each page's events recorded with the
   * watermark moved past it (in the last of its transactions), then published. A backlog
   * (the gateway down for a day while Letta wrote) is read and recorded in bounded steps, each kept.
   */
  const read = async (sql: SqlRunner): Promise<void> => {
    const state = await readEventsState(sql);
    let position: FeedPosition | null = readingFrom(reached);
    for (;;) {
      const changes = await changesAfter(sql, position, PAGE, ALL_SOURCES);
      const fresh: { key: string; at: string; version: string }[] = [];
      const stepIds = new Set<string>();
      for (const row of changes.rows) {
        const key = `${row.source}:${row.id}`;
        const known = seen.get(key);
        if (known !== undefined && known.at === row.at && known.version === row.version) continue;
        fresh.push({ key, at: row.at, version: row.version });
        if (row.stepId !== null) stepIds.add(row.stepId);
      }
      position = changes.position;
      // Never back, and never past the database's clock: a row a writer dated in the future must not hide the writes of now.
      let next = reached;
      if (position !== null && (next === null || position.at > next)) next = position.at;
      if (next !== null && next > state.now) next = state.now;
      // The watermark moves with the page's events, when it moves at all.
      const watermark = next === reached ? undefined : (tx: Pick<SqlRunner, 'query'>) => writeEventsState(tx, 'ready', next);
      bus.publish(await recordChanges(sql, [...stepIds], watermark));
      // Rows count as seen once their events are recorded.
      for (const { key, at, version } of fresh) seen.set(key, { at, version });
      reached = next;
      if (!changes.more) break;
    }
    // Those before the next reading's start are forgotten.
    const from = readingFrom(reached)?.at;
    if (from !== undefined) for (const [key, { at }] of seen) if (at < from) seen.delete(key);
  };

  const prune = async (sql: SqlRunner) => {
    if (Date.now() - prunedAt < PRUNE_MS) return;
    prunedAt = Date.now();
    const deleted = await deleteEventsBefore(sql, options.retentionMs);
    if (deleted > 0) logger.debug('step events: old events deleted', { deleted });
  };

  const readNow = async (): Promise<boolean> => {
    try {
      if (!(await lead())) return false;
      await read(session!.sql);
      await prune(session!.sql);
      return true;
    } catch (error) {
      // A session that failed may have lost the lock with it: start again, as any other replica would.
      await lose();
      throw error;
    }
  };

  const tick = () => {
    if (stopped) return;
    running = readNow()
      .then((led) => {
        if (led && failures > 0) logger.info('step events: reading the feed again');
        failures = 0;
      })
      .catch((error: unknown) => {
        failures += 1;
        if (failures === 1 || failures % 60 === 0) logger.warn('step events: the feed could not be read', { ...describeError(error), failures });
      })
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, leader ? options.pollMs : retryMs);
      });
  };

  return {
    start() {
      if (timer === undefined && running === undefined && options.pollMs > 0) tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      if (leader) await session?.sql.query(`SELECT pg_advisory_unlock(${FEED_LOCK})`).catch(() => {});
      await lose();
    },
    leading: () => leader,
    readNow,
  };
}
