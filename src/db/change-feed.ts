import type { SqlRunner } from './database.ts';
import { isoTime, isoTimeSql } from './keyset.ts';

/**
 * What changed since a time: the "what changed since" reading of Letta's tables that the pre-aggregated
 * statistics (stats-tables.ts) and the step events (step-events.ts) are kept current by, written by any writer
 * (a Letta server above all), without triggers. It reads along the `(updated_at, id)` indexes the migrations
 * add (and `(deleted_at, id)` for the deletions of feedback entries), and relies on what Letta does on every
 * write: set `updated_at` to the time of its transaction (`now()`).
 *
 * A transaction's rows carry the time it began, but become visible when it commits: a row can appear with a
 * time earlier than rows already read. Each read therefore starts `OVERLAP_MS` before the time the previous one
 * reached, and its consumers apply what they read idempotently (a step read twice is applied once), so that a
 * write whose transaction commits within that overlap is never missed. A transaction that commits later than
 * that after it began, a row without `updated_at`, or a hard DELETE, is not seen: the statistics stay without it
 * until they are rebuilt (`npm run stats:rebuild`, see stats-tables.ts), and no event announces it.
 */

/** How far before the time reached each read starts again. */
export const OVERLAP_MS = 10_000;

/** What a reading can watch: a table, the time its rows changed at, and the column that leads to their step. */
const SOURCES = {
  steps: { table: 'steps', at: 'updated_at', step: 'id' },
  step_metrics: { table: 'step_metrics', at: 'updated_at', step: 'id' },
  messages: { table: 'messages', at: 'updated_at', step: 'step_id' },
  provider_traces: { table: 'provider_traces', at: 'updated_at', step: 'step_id' },
  gateway_feedback_entries: { table: 'gateway_feedback_entries', at: 'updated_at', step: 'step_id' },
  // An entry's deletion leaves its `updated_at` (the time of its current version) as it was.
  gateway_feedback_entries_deleted: { table: 'gateway_feedback_entries', at: 'deleted_at', step: 'step_id' },
} as const;

export type FeedSource = keyof typeof SOURCES;

/** What the statistics are made of: a step's row and its metrics. */
export const STEP_SOURCES: readonly FeedSource[] = ['steps', 'step_metrics'];

/** Everything a step serves: its row, metrics, messages, traces and feedback entries. */
export const ALL_SOURCES = Object.keys(SOURCES) as FeedSource[];

/** Where a reading of the feed stands: the `updated_at` and id of the last row read (in that order). */
export interface FeedPosition {
  at: string;
  id: string;
}

/** A changed row: which table it is in, its id, the time of its change, its version, and its step. */
export interface ChangedRow {
  source: FeedSource;
  id: string;
  at: string;
  /** The transaction that wrote this version of the row (`xmin`): two writes within one tick of the clock differ by it. */
  version: string;
  stepId: string | null;
}

export interface Changes {
  /** The steps that changed (their row, or a row of theirs in the sources read), each once. */
  stepIds: string[];
  rows: ChangedRow[];
  /** Where the next page starts; with `more`, there is one now. */
  position: FeedPosition | null;
  more: boolean;
}

/** The start of a reading of the feed from the time a previous reading reached (null: from the beginning). */
export function readingFrom(reached: string | null): FeedPosition | null {
  if (reached === null) return null;
  return { at: isoTime(Date.parse(reached) - OVERLAP_MS), id: '' };
}

/**
 * One page of what changed after `after` (exclusive; null: from the first row), up to `limit` rows of each
 * source, in the order of (updated_at, id). Page on with `position` while `more`.
 */
export async function changesAfter(
  sql: Pick<SqlRunner, 'query'>,
  after: FeedPosition | null,
  limit: number,
  sources: readonly FeedSource[] = STEP_SOURCES,
): Promise<Changes> {
  const read = (source: FeedSource) => {
    const { table, at, step } = SOURCES[source];
    const bound = after === null ? 'TRUE' : `(t.${at}, t.id) > ($1::timestamptz, $2::text)`;
    return `(SELECT '${source}' AS source, t.id, t.xmin::text AS version, t.${step} AS step_id, t.${at} AS updated_at FROM ${table} t
       WHERE t.${at} IS NOT NULL AND ${bound} ORDER BY t.${at}, t.id LIMIT ${Number(limit)})`;
  };
  const rows = await sql.query<ChangedRow>(
    `SELECT c.source, c.id, c.version, c.step_id AS "stepId", ${isoTimeSql('c.updated_at')} AS at FROM (${sources.map(read).join(' UNION ALL ')}) AS c
      ORDER BY c.updated_at, c.id LIMIT ${Number(limit)}`,
    after === null ? [] : [after.at, after.id],
  );
  const last = rows.at(-1);
  return {
    stepIds: [...new Set(rows.flatMap((row) => (row.stepId === null ? [] : [row.stepId])))],
    rows,
    position: last === undefined ? after : { at: last.at, id: last.id },
    more: rows.length === limit,
  };
}
