import { Prisma, type Step } from '../../prisma/generated/client/client.ts';
import type { Stored } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import { visibleTo } from '../db/tenancy.ts';
import { rowsBy } from './rows-by.ts';

/** Steps by id, in the caller's organization. */
export const stepById = (db: Database, organizationId: string) =>
  rowsBy<Stored<Step>>(db, 'Step', 'id', (ids) => Prisma.sql`t.id = ANY(${ids}::text[]) AND ${visibleTo('t', organizationId)}`);
