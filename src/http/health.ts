import type { Plugin } from 'graphql-yoga';

import type { Database } from '../db/database.ts';
import { describeError, type Logger } from '../logger.ts';
import { jsonResponse } from './responses.ts';

/** `/healthz`: the process is alive. `/readyz`: the database answers (503 when it does not). No key needed. */
export function healthEndpoints(db: Database, logger: Logger, requestIdOf: (request: Request) => string): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname === '/healthz') {
        endResponse(jsonResponse(200, { status: 'ok' }));
      } else if (url.pathname === '/readyz') {
        try {
          await db.ping();
          endResponse(jsonResponse(200, { status: 'ready' }));
        } catch (error) {
          logger.warn('readiness check failed', { requestId: requestIdOf(request), ...describeError(error) });
          endResponse(jsonResponse(503, { status: 'unavailable' }));
        }
      }
    },
  };
}
