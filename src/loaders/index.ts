import type { Message, ProviderTrace, Step, StepMetrics } from '../../prisma/generated/client/client.ts';
import type { Database } from '../db/database.ts';
import type { PageRequest } from '../schema/pagination.ts';
import { messageCountByStepId, messagesByStepId } from './messages-by-step-id.ts';
import { RowsByKey } from './rows.ts';

/** A Prisma `select` of some fields, or undefined (every field) when no fields are given. */
const selectOf = (fields: readonly string[] | undefined) =>
  fields === undefined ? undefined : (Object.fromEntries(fields.map((field) => [field, true])) as Record<string, true>);

/** Rows by a key, the first row of each key winning (rows come in the caller's preferred order). */
function byKey<Row>(rows: Row[], keyOf: (row: Row) => string | null): Map<string, Row> {
  const map = new Map<string, Row>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key !== null && !map.has(key)) map.set(key, row);
  }
  return map;
}

/** Rows by primary key, read with a Prisma `findMany` given the keys and the `select` of the fields asked for. */
function byId<Row extends { id: string }>(find: (ids: string[], select: Record<string, true> | undefined) => Promise<unknown[]>) {
  return new RowsByKey<Row>(async (ids, fields) => byKey((await find(ids, selectOf(fields))) as Row[], (row) => row.id));
}

/**
 * The loaders of one request. Each is bound to the caller's organization, and a new set is made for every
 * request, so one tenant's cache can never answer another's request.
 */
export function createLoaders(db: Database, organizationId: string) {
  const { prisma } = db;
  const messagePages = new Map<string, ReturnType<typeof messagesByStepId>>();

  return {
    stepById: byId<Step>((ids, select) => prisma.step.findMany({ where: { id: { in: ids }, organizationId, isDeleted: false }, select })),
    messageById: byId<Message>((ids, select) => prisma.message.findMany({ where: { id: { in: ids }, organizationId, isDeleted: false }, select })),
    traceById: byId<ProviderTrace>((ids, select) =>
      prisma.providerTrace.findMany({ where: { id: { in: ids }, organizationId, isDeleted: false }, select }),
    ),

    /** Traces join steps by step_id without a foreign key. Where a step has several, the newest wins. */
    traceByStepId: new RowsByKey<ProviderTrace>(async (stepIds, fields) =>
      byKey(
        (await prisma.providerTrace.findMany({
          where: { stepId: { in: stepIds }, organizationId, isDeleted: false },
          select: selectOf(fields === undefined ? undefined : [...new Set([...fields, 'stepId'])]),
          orderBy: [{ createdAt: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }],
        })) as ProviderTrace[],
        (trace) => trace.stepId,
      ),
    ),

    /** Metrics share their step's id, and belong to the organization of their step. */
    metricsByStepId: byId<StepMetrics>((ids, select) =>
      prisma.stepMetrics.findMany({ where: { id: { in: ids }, isDeleted: false, step: { organizationId } }, select }),
    ),

    /** A loader per distinct page request and set of fields: every step asking for the same page shares one statement. */
    messagesByStepId(page: PageRequest, fields?: readonly string[]) {
      const key = JSON.stringify([page, fields]);
      let loader = messagePages.get(key);
      if (loader === undefined) {
        loader = messagesByStepId(db, organizationId, page, fields);
        messagePages.set(key, loader);
      }
      return loader;
    },

    messageCountByStepId: messageCountByStepId(db, organizationId),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
