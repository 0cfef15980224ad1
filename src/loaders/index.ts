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
 * request. Each loader is made when first used: most requests use a few, and a subscription's set is replaced
 * by each delivery's.
 */
export function createLoaders(db: Database, organizationId: string) {
  const made: Record<string, unknown> = {};
  const once = <T>(name: string, make: () => T): T => (made[name] ??= make()) as T;
  const feedbackEntriesOf = () => once('feedbackEntriesOf', () => perArgument((page: PageRequest, filter: EntryFilter) => feedbackEntriesByStepId(db, organizationId, page, filter)));
  const feedbackEntryCountOf = () => once('feedbackEntryCountOf', () => perArgument((filter: EntryFilter) => feedbackEntryCountByStepId(db, organizationId, filter)));
  const feedbackSummaryOf = () => once('feedbackSummaryOf', () => perArgument((name: string | null) => feedbackSummaryByStepId(db, organizationId, name)));
  const feedbackHistoryOf = () => once('feedbackHistoryOf', () => perArgument((last: number) => feedbackHistoryByEntryId(db, organizationId, last)));
  const entryById = () => once('entryById', () => feedbackEntryById(db, organizationId));
  return {
    get stepById() {
      return once('stepById', () => stepById(db, organizationId));
    },
    get messageById() {
      return once('messageById', () => messageById(db, organizationId));
    },
    get traceById() {
      return once('traceById', () => traceById(db, organizationId));
    },
    get traceByStepId() {
      return once('traceByStepId', () => traceByStepId(db, organizationId));
    },
    get metricsByStepId() {
      return once('metricsByStepId', () => metricsByStepId(db, organizationId));
    },
    get messagesByStepId() {
      return once('messagesByStepId', () => perArgument((page: PageRequest, fields?: readonly string[]) => messagesByStepId(db, organizationId, page, fields)));
    },
    get messageCountByStepId() {
      return once('messageCountByStepId', () => messageCountByStepId(db, organizationId));
    },
    get lettaMessagesByStepId() {
      return once('lettaMessagesByStepId', () => lettaMessagesByStepId(db, organizationId));
    },
    get feedbackEntryById() {
      return entryById();
    },
    get feedbackEntriesByStepId() {
      return feedbackEntriesOf();
    },
    get feedbackEntryCountByStepId() {
      return feedbackEntryCountOf();
    },
    get feedbackSummaryByStepId() {
      return feedbackSummaryOf();
    },
    get feedbackHistoryByEntryId() {
      return feedbackHistoryOf();
    },

    /** After a write of feedback entries: what this request has read of the step's entries and of the entry is read again. */
    forgetFeedbackOf(stepId: string, entryId: string) {
      for (const loaders of [feedbackEntriesOf().made(), feedbackEntryCountOf().made(), feedbackSummaryOf().made()]) for (const loader of loaders) loader.clear(stepId);
      for (const loader of feedbackHistoryOf().made()) loader.clear(entryId);
      entryById().clear(entryId);
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
