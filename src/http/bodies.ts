import type { Plugin } from 'graphql-yoga';

import type { ErrorCode } from '../error-codes.ts';
import { errorResponse } from './responses.ts';
import { GRAPHQL_PATH } from './paths.ts';

const UNSUPPORTED = 'UNSUPPORTED_MEDIA_TYPE' satisfies ErrorCode;

/**
 * Request bodies the gateway cannot read get 415 with a message saying what to send, rather than a parser's
 * complaint or an empty body: a compressed body (the gateway reads bodies as sent, so that the size limit
 * bounds what it parses), and a content type that no GraphQL-over-HTTP parser takes.
 */
export const requestBodies: Plugin = {
  onRequest({ request, url, endResponse }) {
    if (url.pathname !== GRAPHQL_PATH || request.method !== 'POST') return;
    const encoding = request.headers.get('content-encoding')?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
      endResponse(errorResponse(415, `Content-Encoding "${encoding.slice(0, 40)}" is not supported: send the request body uncompressed.`, UNSUPPORTED));
    }
  },
  onRequestParse({ request, requestParser, endResponse }) {
    if (requestParser !== undefined || request.method !== 'POST') return;
    endResponse(
      errorResponse(
        415,
        `Content-Type "${(request.headers.get('content-type') ?? '').slice(0, 80)}" is not supported: send a JSON body with "Content-Type: application/json".`,
        UNSUPPORTED,
      ),
    );
  },
};
