import type { Database } from '../db/database.ts';
import type { PageRequest } from '../db/keyset.ts';
import { messageById } from './message-by-id.ts';
import { messageCountByStepId } from './message-count-by-step-id.ts';
import { messagesByStepId } from './messages-by-step-id.ts';
import { metricsByStepId } from './metrics-by-step-id.ts';
import { stepById } from './step-by-id.ts';
import { traceById } from './trace-by-id.ts';
import { traceByStepId } from './trace-by-step-id.ts';

/**
 * The loaders of one request, one file each (key, result and statement). Each is bound to the caller's
 * organization, and a new set is made for every request, so one tenant's cache can never answer another's
 * request.
 */
export function createLoaders(db: Database, organizationId: string) {
  const messagePages = new Map<string, ReturnType<typeof messagesByStepId>>();
  return {
    stepById: stepById(db, organizationId),
    messageById: messageById(db, organizationId),
    traceById: traceById(db, organizationId),
    traceByStepId: traceByStepId(db, organizationId),
    metricsByStepId: metricsByStepId(db, organizationId),

    /** A loader per distinct page request and set of fields: every step asking for the same page shares one statement. */
    messagesByStepId(page: PageRequest, fields?: readonly string[]) {
      const key = JSON.stringify([page, fields]);
      let loader = messagePages.get(key);
      if (loader === undefined) {
        loader = messagesByStepId(db, organizationId, page, fields);
        messagePages.set(key, loader);
      }
      return loader;
    },

    messageCountByStepId: messageCountByStepId(db, organizationId),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
