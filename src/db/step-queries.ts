import { Prisma, type Step } from '../../prisma/generated/client/client.ts';
import { cursorTimeSql, keysetRows, type Count, type PageRequest } from '../schema/pagination.ts';
import { selectList } from './columns.ts';
import type { Database } from './database.ts';

export interface StepFilterValues {
  agentId?: string | null;
  runId?: string | null;
  model?: string | null;
  modelHandle?: string | null;
  providerName?: string | null;
  projectId?: string | null;
  status?: string | null;
  stopReason?: string | null;
  feedback?: string | null;
  hasFeedback?: boolean | null;
  tags?: string[] | null;
  traceIds?: string[] | null;
  createdAfter?: string | null;
  createdBefore?: string | null;
}

export type StepRow = Step & { cursorAt: string | null };

/** The WHERE clause of a step list: the organization, soft deletion, and every filter that was given. */
export function stepConditions(organizationId: string, filter: StepFilterValues): Prisma.Sql {
  const conditions: Prisma.Sql[] = [Prisma.sql`s.organization_id = ${organizationId}`, Prisma.sql`NOT s.is_deleted`];
  const equal = (column: string, value: string | null | undefined) => {
    if (value != null) conditions.push(Prisma.sql`${Prisma.raw(`s.${column}`)} = ${value}`);
  };
  equal('agent_id', filter.agentId);
  equal('run_id', filter.runId);
  equal('model', filter.model);
  equal('model_handle', filter.modelHandle);
  equal('provider_name', filter.providerName);
  equal('project_id', filter.projectId);
  equal('stop_reason', filter.stopReason);
  equal('feedback', filter.feedback);
  if (filter.status != null) conditions.push(Prisma.sql`s.status = ${filter.status}::stepstatus`);
  if (filter.hasFeedback != null) {
    conditions.push(filter.hasFeedback ? Prisma.sql`s.feedback IS NOT NULL` : Prisma.sql`s.feedback IS NULL`);
  }
  if (filter.tags != null && filter.tags.length > 0) {
    // tags is a `json` column (as Letta has it); containment needs jsonb.
    conditions.push(Prisma.sql`s.tags::jsonb @> ${JSON.stringify(filter.tags)}::jsonb`);
  }
  if (filter.traceIds != null) conditions.push(Prisma.sql`s.trace_id = ANY(${filter.traceIds}::text[])`);
  if (filter.createdAfter != null) conditions.push(Prisma.sql`s.created_at > ${filter.createdAfter}::timestamptz`);
  if (filter.createdBefore != null) conditions.push(Prisma.sql`s.created_at < ${filter.createdBefore}::timestamptz`);
  return Prisma.join(conditions, ' AND ');
}

/**
 * One page of steps in one statement, keyset-paginated over (created_at, id) in the requested direction
 * (newest first by default), reading `limit + 1` rows to learn whether another page exists.
 */
/** The statement that reads one page of steps (see listSteps). */
export function stepPageSql(where: Prisma.Sql, page: PageRequest, descending: boolean): Prisma.Sql {
  // Reading backward (last/before) walks the list from its far end. "after" means further along the list's
  // own order: for a newest-first list, older. NULL created_at sorts last ascending and first descending.
  const readDescending = descending !== page.backward;
  const bounds = [
    ...(page.after ? [{ op: descending ? ('<' as const) : ('>' as const), cursor: page.after }] : []),
    ...(page.before ? [{ op: descending ? ('>' as const) : ('<' as const), cursor: page.before }] : []),
  ];
  const limit = page.limit + 1;
  const direction = Prisma.raw(readDescending ? 'DESC' : 'ASC');
  return Prisma.sql`
    SELECT ${selectList('Step', 's')}, ${Prisma.raw(cursorTimeSql('s.created_at'))} AS "cursorAt"
      FROM (${keysetRows({ table: 'steps', alias: 's', where, bounds, descending: readDescending, limit })}) AS s
     ORDER BY s.created_at ${direction}, s.id ${direction}
     LIMIT ${limit}`;
}

/**
 * One page of steps in one statement, keyset-paginated over (created_at, id) in the requested direction
 * (newest first by default), reading `limit + 1` rows to learn whether another page exists.
 */
export async function listSteps(db: Database, where: Prisma.Sql, page: PageRequest, descending: boolean): Promise<StepRow[]> {
  if (page.limit === 0) return [];
  return db.prisma.$queryRaw<StepRow[]>(stepPageSql(where, page, descending));
}

/**
 * Counting stops past this many steps, so that a count costs at most this many index entries however many
 * steps match (an exact count of millions would read millions). Past it, the API says "10,000+".
 */
export const STEP_COUNT_LIMIT = 10_000;

/** The statement that counts the steps of a list, up to one past the limit (see countSteps). */
export function stepCountSql(where: Prisma.Sql, limit = STEP_COUNT_LIMIT): Prisma.Sql {
  return Prisma.sql`SELECT count(*)::int AS count FROM (SELECT 1 FROM steps s WHERE ${where} LIMIT ${limit + 1}) AS matching`;
}

export async function countSteps(db: Database, where: Prisma.Sql, limit = STEP_COUNT_LIMIT): Promise<Count> {
  const [row] = await db.prisma.$queryRaw<{ count: number }[]>(stepCountSql(where, limit));
  const count = row?.count ?? 0;
  return count > limit ? { count: limit, exact: false } : { count, exact: true };
}
