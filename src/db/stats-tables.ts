import { changesAfter, readingFrom, type FeedPosition } from './change-feed.ts';
import type { SqlRunner } from './database.ts';
import { isoTimeSql as iso } from './keyset.ts';
import { ROLLUP_DIMENSIONS, ROLLUP_SUMS, STATS_DIMENSIONS } from './step-stats.ts';

/**
 * The pre-aggregated statistics of steps, in the gateway's own tables (migration 20261205000000_step_stats):
 * `gateway_step_facts`, one narrow row per live step with its metrics' durations, and `gateway_step_rollups`,
 * the facts summed by hour for the whole organization and by each dimension. They are built from `steps` and
 * `step_metrics` and kept current from what changed since (change-feed.ts), in transactions that hold an
 * advisory lock, so that one replica at a time writes them and readers always see facts and rollups that agree.
 */

/** The advisory lock of whoever writes the statistics (a replica bringing them up to date, or a rebuild). */
const STATS_LOCK = 7_302_651_044;

/** How many changed rows one statement applies. */
const BATCH = 2000;

type Sql = Pick<SqlRunner, 'query'>;

export type StatsStatus = 'empty' | 'building' | 'ready';

export interface StatsState {
  status: StatsStatus;
  /** The `updated_at` up to which changes are applied. */
  watermark: string | null;
  /** When they were last brought up to date (the database's clock). */
  refreshedAt: string | null;
  /** The database's clock when the state was read. */
  now: string;
}

export async function readState(sql: Sql): Promise<StatsState> {
  const [row] = await sql.query<StatsState>(
    `SELECT coalesce(st.status, 'empty') AS status, ${iso('st.watermark')} AS watermark, ${iso('st.refreshed_at')} AS "refreshedAt", ${iso('now()')} AS now
       FROM (SELECT 1) AS one LEFT JOIN gateway_stats_state st ON st.id = 1`,
  );
  return row!;
}

/** The columns of a fact, read from a step `s` and its metrics `sm`. */
const FACT_COLUMNS = [
  'id', 'organization_id', 'created_at', 'agent_id', 'run_id', 'model', 'model_handle', 'provider_name', 'project_id', 'status', 'stop_reason', 'feedback',
  'prompt_tokens', 'completion_tokens', 'total_tokens', 'cached_input_tokens', 'cache_write_tokens', 'reasoning_tokens',
] as const;
const METRIC_COLUMNS = ['step_ns', 'llm_request_ns', 'tool_execution_ns'] as const;
const ALL_COLUMNS = [...FACT_COLUMNS, ...METRIC_COLUMNS];
const factSelect = [...FACT_COLUMNS.map((column) => `s.${column}`), ...METRIC_COLUMNS.map((column) => `sm.${column}`)].join(', ');
const factSource = 'steps s LEFT JOIN step_metrics sm ON sm.id = s.id AND NOT sm.is_deleted';
/** The steps that have facts: live, and of an organization (a step of none is visible to no request). */
const LIVE = 'NOT s.is_deleted AND s.organization_id IS NOT NULL';

/** The rollup rows of facts `s` (with a `sign` column: +1 added, -1 taken away), summed by organization, hour (UTC), dimension and value. */
function rollupRows(facts: string): string {
  const dimensions = [`('', NULL::text)`, ...ROLLUP_DIMENSIONS.map((dimension) => `('${dimension}', s.${STATS_DIMENSIONS[dimension].column}::text)`)].join(', ');
  return `
    SELECT s.organization_id, d.dimension, date_trunc('hour', s.created_at, 'UTC') AS hour_at,
           CASE WHEN d.value IS NULL THEN 'n' ELSE 'v' || d.value END AS value_key, d.value,
           ${ROLLUP_SUMS.map(([column, perStep]) => `sum(s.sign * ${perStep})${column.endsWith('_sum') ? '' : '::int'} AS ${column}`).join(', ')}
      FROM ${facts} s CROSS JOIN LATERAL (VALUES ${dimensions}) AS d(dimension, value)
     WHERE s.created_at IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5`;
}

const ROLLUP_COLUMNS = ['organization_id', 'dimension', 'hour_at', 'value_key', 'value', ...ROLLUP_SUMS.map(([column]) => column)].join(', ');

/**
 * Applies the current state of some steps: each one's fact is written (or removed, for a step deleted or gone),
 * and the rollups move by the difference between its old fact and its new one. A step whose fact has not
 * changed moves nothing, so applying a step twice is the same as once. One statement (its data-modifying parts
 * all run, read or not).
 */
async function applySteps(sql: Sql, stepIds: string[]): Promise<void> {
  const list = (alias: string) => ALL_COLUMNS.map((column) => `${alias}.${column}`).join(', ');
  await sql.query(
    `WITH ids AS (SELECT DISTINCT unnest($1::text[]) AS id),
     old AS (SELECT ${list('f')} FROM gateway_step_facts f JOIN ids ON ids.id = f.id),
     cur AS (SELECT ${factSelect} FROM ${factSource} JOIN ids ON ids.id = s.id WHERE ${LIVE}),
     changed AS (SELECT coalesce(o.id, c.id) AS id FROM old o FULL JOIN cur c ON c.id = o.id WHERE (${list('o')}) IS DISTINCT FROM (${list('c')})),
     removed AS (DELETE FROM gateway_step_facts f USING changed ch WHERE f.id = ch.id AND NOT EXISTS (SELECT 1 FROM cur c WHERE c.id = ch.id)),
     written AS (
       INSERT INTO gateway_step_facts (${ALL_COLUMNS.join(', ')})
       SELECT c.* FROM cur c JOIN changed ch ON ch.id = c.id
       ON CONFLICT (id) DO UPDATE SET ${ALL_COLUMNS.filter((column) => column !== 'id').map((column) => `${column} = excluded.${column}`).join(', ')}),
     deltas AS (
       SELECT o.*, -1 AS sign FROM old o JOIN changed ch ON ch.id = o.id
       UNION ALL
       SELECT c.*, 1 AS sign FROM cur c JOIN changed ch ON ch.id = c.id)
     INSERT INTO gateway_step_rollups AS r (${ROLLUP_COLUMNS})
     ${rollupRows('deltas')}
     ON CONFLICT (organization_id, dimension, hour_at, value_key) DO UPDATE SET
       ${ROLLUP_SUMS.map(([column]) => `${column} = r.${column} + excluded.${column}`).join(', ')}`,
    [stepIds],
  );
  await sql.query('DELETE FROM gateway_step_rollups WHERE count = 0');
}

/** Whether this transaction holds the statistics' lock: `wait` for it, or try once. */
async function lock(sql: Sql, wait: boolean): Promise<boolean> {
  if (wait) {
    await sql.query(`SELECT pg_advisory_xact_lock(${STATS_LOCK})`);
    return true;
  }
  const [row] = await sql.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${STATS_LOCK}) AS locked`);
  return row!.locked;
}

async function writeState(sql: Sql, status: StatsStatus, watermark: string | null, built: boolean): Promise<void> {
  await sql.query(
    `INSERT INTO gateway_stats_state (id, status, watermark, built_at, refreshed_at) VALUES (1, $1, $2::timestamptz, CASE WHEN $3 THEN now() END, now())
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, watermark = excluded.watermark,
       built_at = CASE WHEN $3 THEN now() ELSE gateway_stats_state.built_at END, refreshed_at = now()`,
    [status, watermark, built],
  );
}

/** The indexes of the statistics' tables (as the migration names them), by table: built on a table after it is filled. */
const INDEXES = {
  gateway_step_facts: [
    ['gateway_step_facts_pkey', 'ALTER TABLE %t ADD CONSTRAINT %i PRIMARY KEY (id)'],
    ['gateway_ix_step_facts_org_created_at', 'CREATE INDEX %i ON %t (organization_id, created_at)'],
  ],
  gateway_step_rollups: [
    ['gateway_step_rollups_pkey', 'ALTER TABLE %t ADD CONSTRAINT %i PRIMARY KEY (organization_id, dimension, hour_at, value_key)'],
    ['gateway_ix_step_rollups_empty', 'CREATE INDEX %i ON %t (organization_id) WHERE count = 0'],
  ],
} as const;

/**
 * Builds the statistics afresh from every step, in one transaction: readers see the old ones until it commits.
 * Marked `building` first (committed on its own), so that readers leave them for Letta's tables while it runs.
 * The new rows go to tables of their own, written in the order they are read by (a range of time of an
 * organization is a range of pages), which then take the old ones' place: readers wait only for that swap.
 * Changes from before the build's start are in it; the watermark starts there, so that the next refresh applies
 * what came after.
 */
export async function rebuildStats(sql: SqlRunner, options: { /** Only if no one has built them since they were found unbuilt. */ ifUnbuilt?: boolean } = {}): Promise<{ facts: number; rollups: number } | null> {
  const unbuilt = async (tx: Sql) => (await readState(tx)).status !== 'ready';
  const marked = await sql.transaction(async (tx) => {
    await lock(tx, true);
    if (options.ifUnbuilt && !(await unbuilt(tx))) return false;
    await writeState(tx, 'building', null, false);
    return true;
  });
  if (!marked) return null;
  return sql.transaction(async (tx) => {
    await lock(tx, true);
    // Replicas that found them unbuilt at once each marked them; the first to get here builds them.
    if (options.ifUnbuilt && !(await unbuilt(tx))) return null;
    // A build reads every step: it may take longer than a request's statement is allowed to.
    await tx.query('SET LOCAL statement_timeout = 0');
    // The time the build's snapshot starts from: what committed before it is in it.
    const [{ started } = { started: '' }] = await tx.query<{ started: string }>(`SELECT ${iso('now()')} AS started`);
    for (const table of Object.keys(INDEXES)) {
      await tx.query(`DROP TABLE IF EXISTS ${table}_next`);
      await tx.query(`CREATE TABLE ${table}_next (LIKE ${table} INCLUDING DEFAULTS)`);
    }
    await tx.query(
      `INSERT INTO gateway_step_facts_next (${ALL_COLUMNS.join(', ')}) SELECT ${factSelect} FROM ${factSource} WHERE ${LIVE} ORDER BY s.organization_id, s.created_at`,
    );
    await tx.query(
      `INSERT INTO gateway_step_rollups_next (${ROLLUP_COLUMNS}) ${rollupRows('(SELECT *, 1 AS sign FROM gateway_step_facts_next)')} ORDER BY organization_id, dimension, hour_at, value_key`,
    );
    for (const [table, indexes] of Object.entries(INDEXES)) {
      for (const [name, create] of indexes) await tx.query(create.replace('%t', `${table}_next`).replace('%i', `${name}_next`));
    }
    // The swap: the old tables are locked from here to the commit, in the order a read of the rollups locks
    // them (rollups, then facts for the hours at a range's edges), so that it waits rather than deadlocks.
    await tx.query('LOCK TABLE gateway_step_rollups, gateway_step_facts IN ACCESS EXCLUSIVE MODE');
    for (const [table, indexes] of Object.entries(INDEXES)) {
      await tx.query(`DROP TABLE ${table}`);
      await tx.query(`ALTER TABLE ${table}_next RENAME TO ${table}`);
      // An index that backs a constraint takes the constraint's name with it.
      for (const [name] of indexes) await tx.query(`ALTER INDEX ${name}_next RENAME TO ${name}`);
    }
    await writeState(tx, 'ready', started, true);
    const [counts] = await tx.query<{ facts: number; rollups: number }>(
      'SELECT (SELECT count(*)::int FROM gateway_step_facts) AS facts, (SELECT count(*)::int FROM gateway_step_rollups) AS rollups',
    );
    return counts!;
  });
}

export type RefreshOutcome = 'refreshed' | 'built' | 'busy';

/**
 * Brings the statistics up to date, if no one else is writing them (`busy` then): applies what changed since
 * the watermark (read again from `OVERLAP_MS` before it) and moves the watermark to the last change read, in
 * one transaction; or builds them, when they have never been built or a build was abandoned (marked `building`
 * while no one holds the lock that a build holds throughout).
 */
export async function refreshStats(sql: SqlRunner): Promise<{ outcome: RefreshOutcome; /** Where they stand after a refresh, as written. */ state?: StatsState }> {
  const refreshed = await sql.transaction(async (tx): Promise<{ outcome: RefreshOutcome | 'build'; state?: StatsState }> => {
    if (!(await lock(tx, false))) return { outcome: 'busy' };
    const current = await readState(tx);
    if (current.status !== 'ready') return { outcome: 'build' };
    let position: FeedPosition | null = readingFrom(current.watermark);
    let reached = current.watermark;
    for (;;) {
      const changes = await changesAfter(tx, position, BATCH);
      if (changes.stepIds.length > 0) await applySteps(tx, changes.stepIds);
      position = changes.position;
      if (position !== null && (reached === null || position.at > reached)) reached = position.at;
      if (!changes.more) break;
    }
    // Never past the database's clock: a row a writer dated in the future must not hide the writes of now.
    if (reached !== null && reached > current.now) reached = current.now;
    await writeState(tx, 'ready', reached, false);
    // writeState stamps refreshed_at with the transaction's time, which `now` is.
    return { outcome: 'refreshed', state: { status: 'ready', watermark: reached, refreshedAt: current.now, now: current.now } };
  });
  if (refreshed.outcome !== 'build') return refreshed as { outcome: RefreshOutcome; state?: StatsState };
  return { outcome: (await rebuildStats(sql, { ifUnbuilt: true })) === null ? 'busy' : 'built' };
}
