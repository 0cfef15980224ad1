import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { Plugin } from 'graphql-yoga';

import { clientAddress } from '../auth/plugin.ts';
import type { Logger } from '../logger.ts';
import { describeError } from '../logger.ts';
import type { RequestLimiter } from '../security/rate-limits.ts';
import { errorResponse, response } from './responses.ts';
import { GRAPHQL_PATH } from './paths.ts';

const DEFAULT_QUERY = `# steps-gateway: press the run button to list the newest steps.
query NewestSteps {
  steps(first: 5) {
    totalCount
    nodes {
      id
      model
      status
      stopReason
      totalTokens
      feedback
      tags
      createdAt
      messages(first: 5) {
        nodes {
          role
          content {
            __typename
            ... on TextContent { text }
            ... on ToolCallContent { name input }
            ... on ToolReturnContent { content isError }
            ... on ReasoningContent { reasoning }
          }
        }
      }
      trace { id callType latencyMs }
      metrics { stepNs llmRequestNs }
    }
  }
}
`;

export interface GraphiqlOptions {
  /** Whether the page is served at all (GRAPHIQL). */
  enabled: boolean;
  /** Fills the page's headers with this key: only for a gateway that listens on a loopback address. */
  apiKey?: string | undefined;
  /** Pages per minute per client address (GRAPHIQL_PER_MINUTE); undefined when not limited. */
  limiter?: RequestLimiter | undefined;
  trustProxyHops: number;
  logger: Logger;
  requestIdOf: (request: Request) => string;
}

/** A GET of /graphql that a browser makes for a page, as yoga decides it. */
export const asksForPage = (request: Request) => request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html');

/**
 * GraphiQL at /graphql for a browser. The page (9 MB: GraphiQL and its editor, inlined, so that it works
 * without reaching a CDN) is rendered once, compressed once per encoding (brotli, gzip), and served with an
 * ETag, so that a browser revalidates it with a 304 instead of downloading it again. A page that carries the
 * demo key is private to the browser, and no page may be framed by another site. Each client address may
 * fetch it a limited number of times a minute.
 */
export function graphiql(options: GraphiqlOptions): Plugin {
  const html = renderGraphiQL({
    title: 'steps-gateway',
    defaultQuery: DEFAULT_QUERY,
    // GraphiQL sends subscriptions (over SSE) as GETs: the page, same-origin script, proves it is no cross-site form.
    additionalHeaders: { 'x-graphql-yoga-csrf': '1' },
    ...(options.apiKey !== undefined ? { headers: JSON.stringify({ Authorization: `Bearer ${options.apiKey}` }, null, 2) } : {}),
  });
  const etag = `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`;
  const headers = {
    'content-type': 'text/html; charset=utf-8',
    etag,
    'cache-control': `${options.apiKey !== undefined ? 'private' : 'public'}, max-age=300`,
    vary: 'Accept-Encoding',
    'content-security-policy': "frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  };
  // Compressed lazily, once, off the event loop (zlib's thread pool); brotli's quality 9 takes about a second.
  const encodings = new Map<string, Promise<Buffer>>();
  const encoded = (encoding: 'br' | 'gzip') => {
    let body = encodings.get(encoding);
    if (body === undefined) {
      body =
        encoding === 'br'
          ? promisify(brotliCompress)(html, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: html.length } })
          : promisify(gzip)(html, { level: 9 });
      encodings.set(encoding, body);
    }
    return body;
  };

  return {
    async onRequest({ request, url, endResponse, serverContext }) {
      if (url.pathname !== GRAPHQL_PATH || !asksForPage(request)) return;
      if (!options.enabled) {
        endResponse(
          errorResponse(404, 'GraphiQL is off on this gateway (GRAPHIQL=true serves it). The API answers GraphQL requests here: POST them as JSON.', 'NOT_FOUND'),
        );
        return;
      }
      if (options.limiter !== undefined) {
        const address = clientAddress(request, serverContext, options.trustProxyHops);
        const decision = await options.limiter(address).catch((error: unknown) => {
          options.logger.warn('rate limiter unavailable', { requestId: options.requestIdOf(request), ...describeError(error) });
          return undefined;
        });
        if (decision !== undefined && !decision.allowed) {
          const wait = String(Math.max(1, Math.ceil(decision.resetMs / 1000)));
          endResponse(errorResponse(429, `GraphiQL was loaded too often from your address. Retry after ${wait} seconds.`, 'RATE_LIMITED', { 'retry-after': wait }));
          return;
        }
      }
      const ifNoneMatch = request.headers.get('if-none-match');
      if (ifNoneMatch !== null && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
        endResponse(response(null, 304, { etag, 'cache-control': headers['cache-control'], vary: headers.vary }));
        return;
      }
      const accepted = acceptedEncodings(request.headers.get('accept-encoding'));
      const encoding = accepted.has('br') ? 'br' : accepted.has('gzip') ? 'gzip' : undefined;
      if (encoding === undefined) {
        endResponse(response(html, 200, headers));
        return;
      }
      endResponse(response(new Uint8Array(await encoded(encoding)), 200, { ...headers, 'content-encoding': encoding }));
    },
  };
}

/** The encodings an Accept-Encoding header accepts (a q of 0 refuses one). */
function acceptedEncodings(header: string | null): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    const q = parameters.map((parameter) => parameter.trim()).find((parameter) => parameter.startsWith('q='));
    if (name && (q === undefined || Number(q.slice(2)) > 0)) accepted.add(name);
  }
  return accepted;
}
