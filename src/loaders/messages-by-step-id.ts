import type { Message } from '../../prisma/generated/client/client.ts';
import type { Stored } from '../db/columns.ts';
import type { Database } from '../db/database.ts';
import type { PageRequest } from '../db/keyset.ts';
import { visibleTo } from '../db/tenancy.ts';
import { pagesByStepId } from './pages-by-step-id.ts';

/**
 * One page of messages for each of many steps, in one statement, along the (step_id, created_at, id) index.
 * Messages are in Letta's order, oldest first (created_at, then id). Only `fields` are read (every field by default).
 */
export const messagesByStepId = (db: Database, organizationId: string, page: PageRequest, fields?: readonly string[]) =>
  pagesByStepId<Stored<Message>>(db, { model: 'Message', table: 'messages', alias: 'm', where: visibleTo('m', organizationId), page, descending: false, fields });
