import { Prisma, type ProviderTrace } from '../../prisma/generated/client/client.ts';
import type { Stored } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import { visibleTo } from '../db/tenancy.ts';
import { rowsBy } from './rows-by.ts';

/** Provider traces by id, in the caller's organization. */
export const traceById = (db: Database, organizationId: string) =>
  rowsBy<Stored<ProviderTrace>>(db, 'ProviderTrace', 'id', (ids) => Prisma.sql`t.id = ANY(${ids}::text[]) AND ${visibleTo('t', organizationId)}`);
