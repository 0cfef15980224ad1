import { Prisma } from '../../prisma/generated/client/client.ts';
import type { Database } from '../db/database.ts';
import { entryConditions, type EntryFilter, type FeedbackEntryRow } from '../db/feedback-entries.ts';
import type { PageRequest } from '../db/keyset.ts';
import { feedbackVisibleTo } from '../db/tenancy.ts';
import { pagesByStepId } from './pages-by-step-id.ts';

/**
 * One page of feedback entries, newest first (created at, then id), for each of many steps, in one statement,
 * along the (step_id, created_at, id) index.
 */
export const feedbackEntriesByStepId = (db: Database, organizationId: string, page: PageRequest, filter: EntryFilter) =>
  pagesByStepId<FeedbackEntryRow>(db, {
    model: 'GatewayFeedbackEntry',
    table: 'gateway_feedback_entries',
    alias: 'e',
    where: Prisma.join([feedbackVisibleTo('e', organizationId, 'narrowed'), ...entryConditions(filter)], ' AND '),
    page,
    descending: true,
  });
