import type { Plugin } from 'graphql-yoga';

import type { Database } from '../db/database.ts';
import { unauthenticated } from '../errors.ts';
import { errorResponse, UNEXPECTED } from '../http/responses.ts';
import { describeError, type Logger } from '../logger.ts';
import { authenticate, keyFromAuthorization, type Principal } from './api-keys.ts';

/**
 * Authenticates every GraphQL request by its API key before the document is even parsed, so nothing about
 * the schema leaks without a key. GraphiQL's page itself is public; the queries it sends carry the key.
 */
export function apiKeyAuth(db: Database, logger: Logger, requestIdOf: (request: Request) => string) {
  const principals = new WeakMap<Request, Principal>();
  const plugin: Plugin = {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== '/graphql' || request.method === 'OPTIONS') return;
      if (request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html')) return;

      const key = keyFromAuthorization(request.headers.get('authorization'));
      let principal: Principal | undefined;
      try {
        principal = key === undefined ? undefined : await authenticate(db.prisma, key);
      } catch (error) {
        logger.error('authentication failed', { requestId: requestIdOf(request), ...describeError(error) });
        endResponse(errorResponse(500, UNEXPECTED, 'INTERNAL_SERVER_ERROR'));
        return;
      }
      if (principal === undefined) {
        // The same body whether the key was missing, malformed, unknown or revoked.
        endResponse(errorResponse(401, unauthenticated().message, 'UNAUTHENTICATED', { 'www-authenticate': 'Bearer' }));
        return;
      }
      principals.set(request, principal);
    },
  };
  /** The request's principal; throws UNAUTHENTICATED for a request that was not authenticated. */
  const principalOf = (request: Request): Principal => {
    const principal = principals.get(request);
    if (principal === undefined) throw unauthenticated();
    return principal;
  };
  return { plugin, principalOf };
}
