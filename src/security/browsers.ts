import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createGraphQLError, type CORSOptions, type Plugin } from 'graphql-yoga';

import type { ErrorCode } from '../error-codes.ts';
import type { SecurityConfig } from '../config.ts';
import { isLettaApiPath } from '../http/paths.ts';

/**
 * Headers that mark a request as sent by a script (a browser must preflight them), any one of which lets a
 * GET or a form-encoded or text/plain POST run: yoga's own, and Apollo Client's two.
 */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'x-apollo-operation-name'];

/**
 * CSRF prevention: a request a browser sends without a preflight (a GET, or a POST of a form or text/plain)
 * runs nothing unless it carries one of CSRF_HEADERS, which no cross-site form or link can add.
 */
export function csrfPrevention(): Plugin {
  const check = useCSRFPrevention({ requestHeaders: CSRF_HEADERS }).onRequestParse!;
  return {
    onRequestParse(payload) {
      // Letta's REST routes need the key in a header, which no cross-site form or link can send: a browser
      // must preflight them.
      if (isLettaApiPath(payload.url.pathname)) return;
      try {
        return check(payload as never);
      } catch {
        // The same refusal, with a code a client can branch on and the way out in the message.
        throw createGraphQLError(
          `This request could come from a cross-site form or link: send a JSON POST, or add one of these headers: ${CSRF_HEADERS.join(', ')}.`,
          { extensions: { code: 'CSRF_HEADER_REQUIRED' satisfies ErrorCode, http: { status: 403 } } },
        );
      }
    },
  };
}

/**
 * CORS for the configured origins only; other origins get no CORS headers at all, so browsers keep their
 * pages from reading our responses. Credentials (cookies) are not allowed unless configured: the gateway
 * authenticates by header.
 */
export function corsPolicy(security: Pick<SecurityConfig, 'corsOrigins' | 'corsCredentials'>) {
  const anyOrigin = security.corsOrigins.includes('*');
  return (request: Request): CORSOptions => {
    const origin = request.headers.get('origin');
    if (origin === null || !(anyOrigin || security.corsOrigins.includes(origin))) return false;
    return {
      origin: [origin],
      credentials: security.corsCredentials,
      // PATCH for Letta's feedback route.
      methods: ['GET', 'POST', 'PATCH'],
      // last-event-id: an SSE client resuming a subscription.
      allowedHeaders: ['authorization', 'content-type', 'accept', 'x-request-id', 'idempotency-key', 'last-event-id', ...CSRF_HEADERS],
      exposedHeaders: ['x-request-id', 'retry-after', 'idempotent-replayed', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
      maxAge: 600,
    };
  };
}

/** Responses differ by Origin once some origins are allowed: tell caches so. */
export const varyOnOrigin: Plugin = {
  onResponse({ response }) {
    const vary = response.headers.get('vary');
    if (vary === null) response.headers.set('vary', 'Origin');
    else if (!/\borigin\b/i.test(vary)) response.headers.set('vary', `${vary}, Origin`);
  },
};
