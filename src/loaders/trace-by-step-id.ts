import { Prisma, type ProviderTrace } from '../../prisma/generated/client/client.ts';
import type { Stored } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import { visibleTo } from '../db/tenancy.ts';
import { NEWEST_TRACE_FIRST } from '../db/traces.ts';
import { rowsBy } from './rows-by.ts';

/** A step's provider trace, by the step's id: traces join steps by step_id, and the newest wins (see db/traces.ts). */
export const traceByStepId = (db: Database, organizationId: string) =>
  rowsBy<Stored<ProviderTrace>>(
    db,
    'ProviderTrace',
    'stepId',
    (ids) => Prisma.sql`t.step_id = ANY(${ids}::text[]) AND ${visibleTo('t', organizationId)}`,
    Prisma.sql`ORDER BY ${NEWEST_TRACE_FIRST}`,
  );
