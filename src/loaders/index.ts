import DataLoader from 'dataloader';

import type { ProviderTrace } from '../../prisma/generated/client/client.ts';
import type { Database } from '../db/database.ts';
import type { PageRequest } from '../schema/pagination.ts';
import { alignById } from './by-id.ts';
import { messageCountByStepId, messagesByStepId, type MessageRow } from './messages-by-step-id.ts';

/** A loader of rows by their primary key: one `id IN (...)` statement per batch, null for a miss. */
function byId<Row extends { id: string }>(find: (ids: string[]) => Promise<Row[]>) {
  return new DataLoader<string, Row | null>(async (ids) => alignById(ids, await find([...ids]), (row) => row.id));
}

/**
 * The loaders of one request. Each is bound to the caller's organization, and a new set is made for every
 * request, so one tenant's cache can never answer another's request.
 */
export function createLoaders(db: Database, organizationId: string) {
  const { prisma } = db;
  const messagePages = new Map<string, DataLoader<string, MessageRow[]>>();

  return {
    stepById: byId((ids) => prisma.step.findMany({ where: { id: { in: ids }, organizationId, isDeleted: false } })),
    messageById: byId((ids) => prisma.message.findMany({ where: { id: { in: ids }, organizationId, isDeleted: false } })),
    traceById: byId((ids) => prisma.providerTrace.findMany({ where: { id: { in: ids }, organizationId, isDeleted: false } })),

    /** Traces join steps by step_id without a foreign key. Where a step has several, the newest wins. */
    traceByStepId: new DataLoader<string, ProviderTrace | null>(async (stepIds) =>
      alignById(
        stepIds,
        await prisma.providerTrace.findMany({
          where: { stepId: { in: [...stepIds] }, organizationId, isDeleted: false },
          orderBy: [{ createdAt: { sort: 'desc', nulls: 'last' } }, { id: 'desc' }],
        }),
        (trace) => trace.stepId,
      ),
    ),

    /** Metrics share their step's id, and belong to the organization of their step. */
    metricsByStepId: byId((ids) =>
      prisma.stepMetrics.findMany({ where: { id: { in: ids }, isDeleted: false, step: { organizationId } } }),
    ),

    /** A loader per distinct page request: every step asking for the same page shares one statement. */
    messagesByStepId(page: PageRequest) {
      const key = JSON.stringify(page);
      let loader = messagePages.get(key);
      if (loader === undefined) {
        loader = messagesByStepId(db, organizationId, page);
        messagePages.set(key, loader);
      }
      return loader;
    },

    messageCountByStepId: messageCountByStepId(db, organizationId),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
