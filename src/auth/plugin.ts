import type { IncomingMessage } from 'node:http';

import type { Plugin } from 'graphql-yoga';

import { classifyDatabaseError } from '../db/failures.ts';
import { inRequestScope } from '../db/request-scope.ts';
import { failureResponse, unauthenticated } from '../errors.ts';
import { errorResponse } from '../http/responses.ts';
import { describeError, type Logger } from '../logger.ts';
import type { AuthFailureLimiter, RateDecision, RequestLimiter } from '../security/rate-limits.ts';
import { keyFromAuthorization } from './api-keys.ts';
import { tokenFromAuthorization } from './feedback-tokens.ts';
import type { Principal } from './principal.ts';
import { GRAPHQL_PATH, isApiPath } from '../http/paths.ts';

export interface ApiKeyAuthOptions {
  /** Checks a well-formed key: its principal, or undefined for an unknown, revoked or expired key. */
  verify: (key: string) => Promise<Principal | undefined>;
  /** Checks a well-formed feedback token: its principal, or undefined for a forged or expired one, or one whose key is no longer live. */
  verifyToken: (token: string) => Promise<Principal | undefined>;
  logger: Logger;
  requestIdOf: (request: Request) => string;
  requestLimiter?: RequestLimiter | undefined;
  authFailureLimiter?: AuthFailureLimiter | undefined;
  /** How many proxies in front of the gateway append to X-Forwarded-For. */
  trustProxyHops: number;
}

/**
 * The client's address: the socket's peer, or with `hops` trusted proxies in front, the address the
 * outermost of them saw (X-Forwarded-For entries are appended by each proxy, so only the last `hops` are
 * trustworthy; anything before them is the client's to invent).
 */
export function clientAddress(request: Request, serverContext: unknown, hops: number): string {
  const socketAddress = (serverContext as { req?: IncomingMessage } | undefined)?.req?.socket?.remoteAddress ?? 'unknown';
  if (hops === 0) return socketAddress;
  const forwarded = (request.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return forwarded[forwarded.length - hops] ?? forwarded[0] ?? socketAddress;
}

const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': seconds(decision.resetMs),
  };
}

/**
 * Authenticates every GraphQL request by its API key before the document is even parsed, so nothing about
 * the schema leaks without a key, then applies the key's rate limit. Addresses that keep failing to
 * authenticate are refused for the rest of the minute, except for valid keys. GraphiQL's page is served by
 * its own plugin; the queries it sends carry the key.
 */
export function apiKeyAuth(options: ApiKeyAuthOptions) {
  const { verify, verifyToken, logger, requestIdOf, requestLimiter, authFailureLimiter } = options;
  const principals = new WeakMap<Request, Principal>();
  const decisions = new WeakMap<Request, RateDecision>();

  const plugin: Plugin = {
    async onRequest({ request, url, endResponse, serverContext }) {
      if (!isApiPath(url.pathname) || request.method === 'OPTIONS') return;
      // GraphiQL's page (served by its own plugin) is the only page.
      if (url.pathname === GRAPHQL_PATH && request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html')) return;
      const requestId = requestIdOf(request);
      const address = clientAddress(request, serverContext, options.trustProxyHops);

      const authorization = request.headers.get('authorization');
      const key = keyFromAuthorization(authorization);
      // A feedback token goes where a key would; it is checked by its signature, then by its key.
      const token = key === undefined ? tokenFromAuthorization(authorization) : undefined;
      let blockedMs = 0;
      if (authFailureLimiter !== undefined) {
        blockedMs = await authFailureLimiter.blockedFor(address).catch((error: unknown) => {
          logger.warn('authentication throttle unavailable', { requestId, ...describeError(error) });
          return 0;
        });
      }
      const refuse = () => {
        logger.warn('authentication refused: too many failures', { requestId, address });
        endResponse(
          errorResponse(429, `Too many failed authentication attempts from your address. Retry after ${seconds(blockedMs)} seconds.`, 'RATE_LIMITED', {
            'retry-after': seconds(blockedMs),
          }),
        );
      };
      // A refused address is not looked up for a missing or malformed key. A well-formed key still is: many
      // clients may share one address (a NAT, a proxy), and one that keeps failing must not lock out the
      // others, so a valid key always gets in. Only what fails stays refused.
      if (blockedMs > 0 && key === undefined && token === undefined) {
        refuse();
        return;
      }

      let principal: Principal | undefined;
      try {
        principal =
          key !== undefined
            ? await inRequestScope(request, () => verify(key))
            : token !== undefined
              ? await inRequestScope(request, () => verifyToken(token))
              : undefined;
      } catch (error) {
        logger.error('authentication failed', { requestId, failure: classifyDatabaseError(error), ...describeError(error) });
        endResponse(failureResponse(error));
        return;
      }
      if (principal === undefined) {
        if (blockedMs > 0) {
          refuse();
          return;
        }
        logger.info('authentication failed: no valid key', { requestId, address });
        await authFailureLimiter?.record(address).catch((error: unknown) => {
          logger.warn('authentication throttle unavailable', { requestId, ...describeError(error) });
        });
        // The same body whether the key (or token) was missing, malformed, unknown, expired, revoked or forged.
        endResponse(errorResponse(401, unauthenticated().message, 'UNAUTHENTICATED', { 'www-authenticate': 'Bearer' }));
        return;
      }

      if (requestLimiter !== undefined) {
        // A key's tokens share a limit of their own: a page's visitors cannot use up the key's, nor, by making
        // tokens, multiply it.
        const limited = principal.feedbackToken !== undefined ? `feedback-tokens:${principal.apiKeyId}` : principal.apiKeyId;
        const decision = await requestLimiter(limited).catch((error: unknown) => {
          logger.warn('rate limiter unavailable', { requestId, ...describeError(error) });
          return undefined;
        });
        if (decision !== undefined && !decision.allowed) {
          endResponse(
            errorResponse(429, `Rate limit of ${decision.limit} requests per minute reached for this API key. Retry after ${seconds(decision.resetMs)} seconds.`, 'RATE_LIMITED', {
              'retry-after': seconds(decision.resetMs),
              ...rateLimitHeaders(decision),
            }),
          );
          return;
        }
        if (decision !== undefined) decisions.set(request, decision);
      }
      principals.set(request, principal);
    },
    onResponse({ request, response }) {
      const decision = decisions.get(request);
      if (decision === undefined) return;
      for (const [name, value] of Object.entries(rateLimitHeaders(decision))) response.headers.set(name, value);
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
