import type { Database } from '../db/database.ts';
import type { EntryFilter } from '../db/feedback-entries.ts';
import type { PageRequest } from '../db/keyset.ts';
import { feedbackEntriesByStepId } from './feedback-entries-by-step-id.ts';
import { feedbackEntryById } from './feedback-entry-by-id.ts';
import { feedbackEntryCountByStepId } from './feedback-entry-count-by-step-id.ts';
import { feedbackHistoryByEntryId } from './feedback-history-by-entry-id.ts';
import { feedbackSummaryByStepId } from './feedback-summary-by-step-id.ts';
import { lettaMessagesByStepId } from './letta-messages-by-step-id.ts';
import { messageById } from './message-by-id.ts';
import { messageCountByStepId } from './message-count-by-step-id.ts';
import { messagesByStepId } from './messages-by-step-id.ts';
import { metricsByStepId } from './metrics-by-step-id.ts';
import { stepById } from './step-by-id.ts';
import { traceById } from './trace-by-id.ts';
import { traceByStepId } from './trace-by-step-id.ts';

/**
 * A loader per distinct argument (a page, a filter, a criterion): every object asking with the same argument
 * shares one statement.
 */
function perArgument<Args extends unknown[], Loader>(make: (...args: Args) => Loader): ((...args: Args) => Loader) & { made: () => Iterable<Loader> } {
  const loaders = new Map<string, Loader>();
  const loaderOf = (...args: Args) => {
    const key = JSON.stringify(args);
    let loader = loaders.get(key);
    if (loader === undefined) {
      loader = make(...args);
      loaders.set(key, loader);
    }
    return loader;
  };
  return Object.assign(loaderOf, { made: () => loaders.values() });
}

/**
 * The loaders of one request, one file each (key, result and statement). Each is bound to the caller's
 * organization, and a new set is made for every request, so one tenant's cache can never answer another's
 * request.
 */
export function createLoaders(db: Database, organizationId: string) {
  const feedbackEntriesOf = perArgument((page: PageRequest, filter: EntryFilter) => feedbackEntriesByStepId(db, organizationId, page, filter));
  const feedbackEntryCountOf = perArgument((filter: EntryFilter) => feedbackEntryCountByStepId(db, organizationId, filter));
  const feedbackSummaryOf = perArgument((name: string | null) => feedbackSummaryByStepId(db, organizationId, name));
  const feedbackHistoryOf = perArgument((last: number) => feedbackHistoryByEntryId(db, organizationId, last));
  const entryById = feedbackEntryById(db, organizationId);
  return {
    stepById: stepById(db, organizationId),
    messageById: messageById(db, organizationId),
    traceById: traceById(db, organizationId),
    traceByStepId: traceByStepId(db, organizationId),
    metricsByStepId: metricsByStepId(db, organizationId),
    messagesByStepId: perArgument((page: PageRequest, fields?: readonly string[]) => messagesByStepId(db, organizationId, page, fields)),
    messageCountByStepId: messageCountByStepId(db, organizationId),
    lettaMessagesByStepId: lettaMessagesByStepId(db, organizationId),
    feedbackEntryById: entryById,
    feedbackEntriesByStepId: feedbackEntriesOf,
    feedbackEntryCountByStepId: feedbackEntryCountOf,
    feedbackSummaryByStepId: feedbackSummaryOf,
    feedbackHistoryByEntryId: feedbackHistoryOf,

    /** After a write of feedback entries: what this request has read of the step's entries and of the entry is read again. */
    forgetFeedbackOf(stepId: string, entryId: string) {
      for (const loaders of [feedbackEntriesOf.made(), feedbackEntryCountOf.made(), feedbackSummaryOf.made()]) for (const loader of loaders) loader.clear(stepId);
      for (const loader of feedbackHistoryOf.made()) loader.clear(entryId);
      entryById.clear(entryId);
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
