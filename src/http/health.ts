import type { Plugin } from 'graphql-yoga';

import type { Database } from '../db/database.ts';
import { describeError, type Logger } from '../logger.ts';
import { errorResponse, jsonResponse } from './responses.ts';
import { isApiPath } from './paths.ts';

/** Whether the process is shutting down: it finishes what it has, and takes nothing new. */
export interface Lifecycle {
  draining: boolean;
}

/**
 * `/healthz`: the process is alive. `/readyz`: the database answers and the process is not shutting down
 * (503 otherwise), so that a load balancer sends traffic elsewhere. No key needed. While draining, a new
 * GraphQL request on a connection kept alive gets 503 and the connection is closed.
 */
export function healthEndpoints(db: Database, logger: Logger, requestIdOf: (request: Request) => string, lifecycle: Lifecycle): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname === '/healthz') {
        endResponse(jsonResponse(200, { status: 'ok' }));
      } else if (!isApiPath(url.pathname) && url.pathname !== '/readyz') {
        // Yoga would also serve GraphQL at `/graphql/` and the like, past the checks that match `/graphql`.
        endResponse(errorResponse(404, 'Not found: the API is at /graphql (and Letta\'s REST API for steps under /v1/steps).', 'NOT_FOUND'));
      } else if (lifecycle.draining) {
        endResponse(
          url.pathname === '/readyz'
            ? jsonResponse(503, { status: 'draining' }, { connection: 'close' })
            : errorResponse(503, 'The gateway is shutting down. Retry: another replica will answer.', 'SERVICE_UNAVAILABLE', {
                'retry-after': '1',
                connection: 'close',
              }),
        );
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
