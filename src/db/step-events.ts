import { Prisma } from '../../prisma/generated/client/client.ts';
import { columnName, scalarFields } from './columns.ts';
import type { Database, SqlRunner } from './database.ts';
import { isoTimeSql } from './keyset.ts';
import { visibleTo } from './tenancy.ts';

/**
 * The events of steps, in the gateway's own tables (migration 20261207000000_step_events): what happened to
 * each step of an organization (it appeared, what it serves changed, its feedback changed), numbered in the
 * order they were recorded and kept for a retention window, so that a subscriber that lost its connection can
 * resume after the last event it received.
 *
 * A change is found by comparing a step with its mark: a digest of what it served and of its feedback when its
 * last event was recorded. Whoever looks first (the feed reader, which reads what changed since a time, or the
 * gateway right after one of its own writes) records the event and moves the mark; whoever looks after finds
 * nothing to record. Recording locks the organization's head row until the transaction commits, so that
 * events are numbered in the order they become visible: a reader that has read up to an event never later
 * finds an earlier one.
 */

export const STEP_EVENT_TYPES = ['CREATED', 'UPDATED', 'FEEDBACK', 'DELETED'] as const;
export type StepEventType = (typeof STEP_EVENT_TYPES)[number];

export interface StepEventRecord {
  /** The event's number among its organization's: its cursor. */
  seq: number;
  stepId: string;
  type: StepEventType;
  /** When it was recorded (UTC, with microseconds). */
  at: string;
}

/** Events of one organization recorded together, and the number of the event before them. */
export interface StepEventBatch {
  organizationId: string;
  prev: number;
  events: StepEventRecord[];
}

type Sql = Pick<SqlRunner, 'query'>;

/** The fields whose changes are not changes of what a step serves: the time of the change, and its feedback (a digest of its own). */
const NOT_SERVED = new Set(['updatedAt', 'lastUpdatedById', 'isDeleted', 'feedback', 'tags']);
const servedColumns = (alias: string, model: 'Step' | 'StepMetrics') =>
  scalarFields[model].filter((field) => !NOT_SERVED.has(field)).map((field) => `${alias}.${columnName(field)}`);

/**
 * What a step `s` (its metrics `sm` joined) serves, as a digest: its row, its metrics, and its messages and
 * traces (how many there are and the last time one changed). Any write of Letta's moves one of them.
 */
const SERVED_DIGEST = `md5(row(
    ${[...servedColumns('s', 'Step'), ...servedColumns('sm', 'StepMetrics')].join(', ')},
    (SELECT row(count(*), max(m.updated_at)) FROM messages m WHERE m.step_id = s.id AND ${visibleTo('m', Prisma.raw('s.organization_id')).text}),
    (SELECT row(count(*), max(t.updated_at)) FROM provider_traces t WHERE t.step_id = s.id AND ${visibleTo('t', Prisma.raw('s.organization_id')).text})
  )::text)::uuid`;

/** A step's feedback as a digest: its feedback and tags, and its feedback entries (how many are current, the last time one changed or was deleted). */
const FEEDBACK_DIGEST = `md5(row(
    s.feedback, s.tags::text,
    (SELECT row(count(*) FILTER (WHERE e.deleted_at IS NULL), max(e.updated_at), max(e.deleted_at))
       FROM gateway_feedback_entries e WHERE e.step_id = s.id AND e.organization_id = s.organization_id)
  )::text)::uuid`;

/** The steps that have events: of an organization (a step of none is visible to no request). */
const OWNED = 's.organization_id IS NOT NULL';
/** The steps marked when events start: those not deleted. */
const LIVE = `NOT s.is_deleted AND ${OWNED}`;
const DIGESTED = `steps s LEFT JOIN step_metrics sm ON sm.id = s.id`;

export type EventsStatus = 'empty' | 'building' | 'ready';

export interface EventsState {
  status: EventsStatus;
  /** The `updated_at` up to which changes are recorded. */
  watermark: string | null;
  /** The database's clock when the state was read. */
  now: string;
}

export async function readEventsState(sql: Sql): Promise<EventsState> {
  const [row] = await sql.query<EventsState>(
    `SELECT coalesce(st.status, 'empty') AS status, ${isoTimeSql('st.watermark')} AS watermark, ${isoTimeSql('now()')} AS now
       FROM (SELECT 1) AS one LEFT JOIN gateway_events_state st ON st.id = 1`,
  );
  return row!;
}

export async function writeEventsState(sql: Sql, status: EventsStatus, watermark: string | null, built = false): Promise<void> {
  await sql.query(
    `INSERT INTO gateway_events_state (id, status, watermark, built_at, read_at) VALUES (1, $1, $2::timestamptz, CASE WHEN $3 THEN now() END, now())
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, watermark = excluded.watermark,
       built_at = CASE WHEN $3 THEN now() ELSE gateway_events_state.built_at END, read_at = now()`,
    [status, watermark, built],
  );
}

/**
 * Marks every live step as it is now, so that changes from here on are told from what was: run once, before
 * events are recorded (a first start over a database), by the feed reader alone. What changes while it runs
 * is in the marks it writes and gets no event; the watermark starts at its start. Returns how many steps it marked.
 */
export async function buildMarks(sql: SqlRunner): Promise<number> {
  return sql.transaction(async (tx) => {
    // It reads every step: it may take longer than a request's statement is allowed to.
    await tx.query('SET LOCAL statement_timeout = 0');
    const [{ started } = { started: '' }] = await tx.query<{ started: string }>(`SELECT ${isoTimeSql('now()')} AS started`);
    const [{ count } = { count: 0 }] = await tx.query<{ count: number }>(
      `WITH marked AS (
         INSERT INTO gateway_step_marks (step_id, served, feedback)
         SELECT s.id, ${SERVED_DIGEST}, ${FEEDBACK_DIGEST} FROM ${DIGESTED} WHERE ${LIVE}
         ON CONFLICT (step_id) DO UPDATE SET served = excluded.served, feedback = excluded.feedback RETURNING 1)
       SELECT count(*)::int AS count FROM marked`,
    );
    await writeEventsState(tx, 'ready', started, true);
    return count;
  });
}

/**
 * Locks the head rows of the organizations of some steps, in the order of their ids (every recorder locks in
 * that order), creating those that do not exist, and returns them; none when events are not recorded yet (no
 * marks built).
 */
const LOCK_HEADS = `
  INSERT INTO gateway_step_event_heads (organization_id, seq)
  SELECT DISTINCT s.organization_id, 0 FROM steps s
   WHERE s.id = ANY($1::text[]) AND ${OWNED} AND EXISTS (SELECT 1 FROM gateway_events_state st WHERE st.id = 1 AND st.status = 'ready')
   ORDER BY 1
  ON CONFLICT (organization_id) DO UPDATE SET seq = gateway_step_event_heads.seq
  RETURNING organization_id`;

/**
 * Compares some steps of the organizations whose heads are locked with their marks and records an event for
 * each difference: CREATED for a step without a mark (or whose mark says deleted); else UPDATED when what it
 * serves changed, FEEDBACK when its feedback did (both may); DELETED for a step deleted since its mark. They
 * are numbered after the organization's head, in the order the steps changed; the marks and the heads move.
 * Run after LOCK_HEADS, in its transaction: its snapshot then holds every event recorded before.
 */
const RECORD = `
  WITH cur AS (
    SELECT s.id, s.organization_id, s.updated_at, s.is_deleted AS deleted, ${SERVED_DIGEST} AS served, ${FEEDBACK_DIGEST} AS feedback
      FROM ${DIGESTED} WHERE s.id = ANY($1::text[]) AND s.organization_id = ANY($2::text[])),
  changed AS (
    SELECT c.*, k.step_id IS NULL OR k.deleted AS appeared, k.served IS DISTINCT FROM c.served AS served_changed, k.feedback IS DISTINCT FROM c.feedback AS feedback_changed
      FROM cur c LEFT JOIN gateway_step_marks k ON k.step_id = c.id
     WHERE CASE WHEN c.deleted THEN k.step_id IS NOT NULL AND NOT k.deleted
                ELSE k.step_id IS NULL OR k.deleted OR k.served <> c.served OR k.feedback <> c.feedback END),
  marked AS (
    INSERT INTO gateway_step_marks (step_id, served, feedback, deleted) SELECT id, served, feedback, deleted FROM changed
    ON CONFLICT (step_id) DO UPDATE SET served = excluded.served, feedback = excluded.feedback, deleted = excluded.deleted),
  happened AS (
    SELECT ch.organization_id, ch.id AS step_id, k.type,
           row_number() OVER (PARTITION BY ch.organization_id ORDER BY ch.updated_at NULLS FIRST, ch.id, k.ord) AS n
      FROM changed ch CROSS JOIN LATERAL (VALUES ('CREATED', 0), ('UPDATED', 1), ('FEEDBACK', 2), ('DELETED', 3)) AS k(type, ord)
     WHERE CASE k.type WHEN 'DELETED' THEN ch.deleted
                       WHEN 'CREATED' THEN NOT ch.deleted AND ch.appeared
                       WHEN 'UPDATED' THEN NOT ch.deleted AND NOT ch.appeared AND ch.served_changed
                       ELSE NOT ch.deleted AND NOT ch.appeared AND ch.feedback_changed END),
  counts AS (SELECT organization_id, count(*) AS total FROM happened GROUP BY organization_id),
  heads AS (
    UPDATE gateway_step_event_heads h SET seq = h.seq + c.total FROM counts c WHERE h.organization_id = c.organization_id
    RETURNING h.organization_id, h.seq - c.total AS prev),
  recorded AS (
    INSERT INTO gateway_step_events (organization_id, seq, step_id, type, recorded_at)
    SELECT e.organization_id, h.prev + e.n, e.step_id, e.type, clock_timestamp() FROM happened e JOIN heads h USING (organization_id)
    RETURNING organization_id, seq, step_id, type, recorded_at)
  SELECT r.organization_id AS "organizationId", r.seq::float8 AS seq, r.step_id AS "stepId", r.type, ${isoTimeSql('r.recorded_at')} AS at, h.prev::float8 AS prev
    FROM recorded r JOIN heads h USING (organization_id)
   ORDER BY r.organization_id, r.seq`;

/** How many steps one recording compares. */
const RECORD_BATCH = 500;

/**
 * Records the events of whatever changed in some steps since their last events, in the transaction `tx`, of
 * which it must be the first statement: see RECORD. Returns them by organization.
 */
async function recordChangesIn(tx: Sql, stepIds: readonly string[]): Promise<StepEventBatch[]> {
  const ids = [...new Set(stepIds)];
  if (ids.length === 0) return [];
  // The order of events rests on each statement seeing what committed before it: whatever the server's default.
  await tx.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
  const locked = await tx.query<{ organization_id: string }>(LOCK_HEADS, [ids]);
  if (locked.length === 0) return [];
  // Only the organizations locked: a step moved to another meanwhile waits for the next recording.
  const organizations = locked.map((row) => row.organization_id);
  const rows = await tx.query<StepEventRecord & { organizationId: string; prev: number }>(RECORD, [ids, organizations]);
  const batches = new Map<string, StepEventBatch>();
  for (const { organizationId, prev, ...event } of rows) {
    let batch = batches.get(organizationId);
    if (batch === undefined) batches.set(organizationId, (batch = { organizationId, prev: Number(prev), events: [] }));
    batch.events.push({ ...event, seq: Number(event.seq) });
  }
  return [...batches.values()];
}

/**
 * Records the events of some steps' changes in transactions of their own, RECORD_BATCH steps at a time;
 * `last`, when given, runs in the last of them (in one, when there are no steps), so that what it writes is
 * kept with them (the feed reader's watermark).
 */
export async function recordChanges(sql: SqlRunner, stepIds: readonly string[], last?: (tx: Sql) => Promise<void>): Promise<StepEventBatch[]> {
  const batches: StepEventBatch[] = [];
  const transactions = Math.max(last === undefined ? 0 : 1, Math.ceil(stepIds.length / RECORD_BATCH));
  for (let n = 0; n < transactions; n++) {
    const recorded = await sql.transaction(async (tx) => {
      const events = await recordChangesIn(tx, stepIds.slice(n * RECORD_BATCH, (n + 1) * RECORD_BATCH));
      if (n === transactions - 1) await last?.(tx);
      return events;
    });
    batches.push(...recorded);
  }
  return batches;
}

/** Deletes the events recorded more than `retentionMs` ago; returns how many. */
export async function deleteEventsBefore(sql: Sql, retentionMs: number): Promise<number> {
  const [row] = await sql.query<{ count: number }>(
    `WITH gone AS (DELETE FROM gateway_step_events WHERE recorded_at < now() - make_interval(secs => $1::float8 / 1000) RETURNING 1) SELECT count(*)::int AS count FROM gone`,
    [retentionMs],
  );
  return row?.count ?? 0;
}

/** The number of each organization's last event (0: none yet). */
export async function eventHeads(sql: Sql, organizationIds: readonly string[]): Promise<Map<string, number>> {
  const heads = new Map(organizationIds.map((id) => [id, 0]));
  if (organizationIds.length === 0) return heads;
  const rows = await sql.query<{ organizationId: string; seq: number }>(
    `SELECT organization_id AS "organizationId", seq::float8 AS seq FROM gateway_step_event_heads WHERE organization_id = ANY($1::text[])`,
    [organizationIds],
  );
  for (const row of rows) heads.set(row.organizationId, Number(row.seq));
  return heads;
}

/** Where an organization's kept events start and end: the number of its last event, and of the oldest still kept (null: none kept). */
export async function eventSpan(sql: Sql, organizationId: string): Promise<{ head: number; oldest: number | null }> {
  const [row] = await sql.query<{ head: number | null; oldest: number | null }>(
    `SELECT (SELECT seq::float8 FROM gateway_step_event_heads WHERE organization_id = $1) AS head,
            (SELECT min(seq)::float8 FROM gateway_step_events WHERE organization_id = $1) AS oldest`,
    [organizationId],
  );
  return { head: Number(row?.head ?? 0), oldest: row?.oldest == null ? null : Number(row.oldest) };
}

/** An event read from the log, and whether its step meets the reader's conditions now. */
export interface LoggedEvent extends StepEventRecord {
  matches: boolean;
}

/**
 * Up to `limit` of an organization's events after `after`, in order, each with whether its step meets `where`
 * (conditions on a step `s`, stepConditions' shape) now; without `where`, each matches. A DELETED event matches
 * whatever `where` says: a step that is gone cannot be checked against conditions.
 */
export async function eventsAfter(db: Database, organizationId: string, after: number, limit: number, where?: Prisma.Sql): Promise<LoggedEvent[]> {
  const rows = await db.read<LoggedEvent>(Prisma.sql`
    WITH page AS (
      SELECT e.seq, e.step_id, e.type, e.recorded_at FROM gateway_step_events e
       WHERE e.organization_id = ${organizationId} AND e.seq > ${after} ORDER BY e.seq LIMIT ${limit})
    SELECT page.seq::float8 AS seq, page.step_id AS "stepId", page.type, ${Prisma.raw(isoTimeSql('page.recorded_at'))} AS at,
           ${where === undefined ? Prisma.sql`true` : Prisma.sql`(page.type = 'DELETED' OR EXISTS (SELECT 1 FROM steps s WHERE s.id = page.step_id AND ${where}))`} AS matches
      FROM page ORDER BY page.seq`);
  return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}

/** Which of some steps meet `where` (conditions on a step `s`) now. */
export async function stepsMeeting(db: Database, stepIds: readonly string[], where: Prisma.Sql): Promise<Set<string>> {
  const rows = await db.read<{ id: string }>(Prisma.sql`SELECT s.id FROM steps s WHERE s.id = ANY(${[...stepIds]}::text[]) AND ${where}`);
  return new Set(rows.map((row) => row.id));
}
