import type { Database } from './db/database.ts';
import { readState, refreshStats, type RefreshOutcome, type StatsState } from './db/stats-tables.ts';
import { describeError, type Logger } from './logger.ts';

/**
 * Keeps the pre-aggregated step statistics current (db/stats-tables.ts) and tells readers whether they may use
 * them. Every replica runs one: each second it brings the statistics up to date if no other replica is doing
 * it at that moment (an advisory lock), and reads where they stand.
 */

/** Past this, statistics not brought up to date are left for Letta's tables: a write shows in `stepStats` within it. */
export const FRESH_MS = 5000;

/** What a request asks of the statistics: whether it may read them now. */
export interface StatsView {
  usable(): boolean;
}

/** A view for a gateway that keeps no statistics: every read goes to Letta's tables. */
export const NO_STATS: StatsView = { usable: () => false };

export interface StatsMaintainer extends StatsView {
  /** Brings the statistics up to date once (or finds another replica doing it), and reads where they stand. */
  refresh(): Promise<RefreshOutcome>;
  /** Refreshes every `intervalMs` until stopped. */
  start(): void;
  stop(): Promise<void>;
}

export function createStatsMaintainer(db: Database, logger: Logger, options: { intervalMs: number; /** Default FRESH_MS. */ freshMs?: number }): StatsMaintainer {
  const freshMs = options.freshMs ?? FRESH_MS;
  let state: (StatsState & { readAt: number }) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  const refresh = async (): Promise<RefreshOutcome> => {
    const started = Date.now();
    const { outcome, state: written } = await refreshStats(db.sql);
    // What this refresh wrote (stamped with its transaction's start, so aged from this one's), else where another
    // replica or a build left them.
    state = written !== undefined ? { ...written, readAt: started } : { ...(await readState(db.sql)), readAt: Date.now() };
    return outcome;
  };

  // After a failure, the next try waits longer, up to a minute: a build that keeps failing must not read every
  // step each second.
  let failures = 0;
  const tick = () => {
    if (stopped) return;
    running = refresh()
      .then(() => (failures = 0))
      .catch((error: unknown) => {
        failures += 1;
        logger.warn('step statistics not brought up to date', { ...describeError(error), failures });
      })
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, Math.min(options.intervalMs * 2 ** Math.min(failures, 10), Math.max(options.intervalMs, 60_000)));
      });
  };

  return {
    usable() {
      if (state === undefined || state.status !== 'ready' || state.refreshedAt === null) return false;
      // How old the statistics were when read (on the database's clock), plus how long ago that was.
      const age = Date.parse(state.now) - Date.parse(state.refreshedAt) + (Date.now() - state.readAt);
      return age < freshMs;
    },
    refresh,
    start() {
      if (timer === undefined && running === undefined && options.intervalMs > 0) tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
