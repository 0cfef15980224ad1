import { Prisma } from '../../prisma/generated/client/client.ts';
import type { Database } from '../db/database.ts';
import type { FeedbackEntryRow } from '../db/feedback-entries.ts';
import { feedbackVisibleTo } from '../db/tenancy.ts';
import { rowsBy } from './rows-by.ts';

/** Feedback entries by id, deleted ones included (they are read marked deleted), where their step is visible. */
export const feedbackEntryById = (db: Database, organizationId: string) =>
  rowsBy<FeedbackEntryRow>(db, 'GatewayFeedbackEntry', 'id', (ids) => Prisma.sql`t.id = ANY(${ids}::text[]) AND ${feedbackVisibleTo('t', organizationId)}`);
