import { Prisma, type Message } from '../../prisma/generated/client/client.ts';
import type { Stored } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import { visibleTo } from '../db/tenancy.ts';
import { rowsBy } from './rows-by.ts';

/** Messages by id, in the caller's organization. */
export const messageById = (db: Database, organizationId: string) =>
  rowsBy<Stored<Message>>(db, 'Message', 'id', (ids) => Prisma.sql`t.id = ANY(${ids}::text[]) AND ${visibleTo('t', organizationId)}`);
