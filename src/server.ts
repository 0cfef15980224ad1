import { randomUUID } from 'node:crypto';

import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';

import { authenticate, keyFromAuthorization, type Principal } from './auth/api-keys.ts';
import type { Context } from './context.ts';
import type { Database } from './db/database.ts';
import { unauthenticated } from './errors.ts';
import { createLoaders } from './loaders/index.ts';
import { describeError, type Logger } from './logger.ts';
import { schema } from './schema/index.ts';

export interface GatewayOptions {
  db: Database;
  logger: Logger;
  /** Fills GraphiQL's headers with this key (the embedded demo only). */
  graphiqlApiKey?: string;
}

const DEFAULT_QUERY = `# Welcome to steps-gateway. Press the run button to list the newest steps.
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
      messages(first: 5) {
        nodes {
          role
          content {
            __typename
            ... on TextContent { text }
            ... on ToolCallContent { name input }
            ... on ReasoningContent { reasoning }
          }
        }
      }
      trace { id callType }
      metrics { stepNs llmRequestNs }
    }
  }
}
`;

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const UNEXPECTED = 'Unexpected error.';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

/** The body of every 401: identical whether the key was missing, malformed, unknown or revoked. */
function unauthenticatedResponse(): Response {
  const error = unauthenticated();
  return jsonResponse(401, { errors: [{ message: error.message, extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
}

/**
 * The gateway as a fetch handler: `gateway.fetch(request)` in tests, or a Node HTTP server's request
 * listener (`createServer(gateway)`) in production.
 */
export function createGateway({ db, logger, graphiqlApiKey }: GatewayOptions) {
  const principals = new WeakMap<Request, Principal>();
  const requestIds = new WeakMap<Request, string>();

  const endpoints: Plugin = {
    async onRequest({ request, url, endResponse }) {
      const requestId = request.headers.get('x-request-id')?.match(REQUEST_ID)?.[0] ?? randomUUID();
      requestIds.set(request, requestId);

      if (url.pathname === '/healthz') {
        endResponse(jsonResponse(200, { status: 'ok' }));
        return;
      }
      if (url.pathname === '/readyz') {
        try {
          await db.ping();
          endResponse(jsonResponse(200, { status: 'ready' }));
        } catch (error) {
          logger.warn('readiness check failed', { requestId, ...describeError(error) });
          endResponse(jsonResponse(503, { status: 'unavailable' }));
        }
        return;
      }
      if (url.pathname !== '/graphql' || request.method === 'OPTIONS') return;
      // GraphiQL's page is public; the queries it sends carry the key like any other request.
      if (request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html')) return;

      // Authenticate before the document is even parsed, so nothing about the schema leaks without a key.
      const key = keyFromAuthorization(request.headers.get('authorization'));
      let principal: Principal | undefined;
      try {
        principal = key === undefined ? undefined : await authenticate(db.prisma, key);
      } catch (error) {
        logger.error('authentication failed', { requestId, ...describeError(error) });
        endResponse(jsonResponse(500, { errors: [{ message: UNEXPECTED, extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
        return;
      }
      if (principal === undefined) {
        endResponse(unauthenticatedResponse());
        return;
      }
      principals.set(request, principal);
    },
    onExecute() {
      return {
        // graphql-js reports bad variables (wrong type, unknown enum value) without a code: they are the
        // client's input errors, so they get BAD_USER_INPUT like ours.
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || result.errors === undefined) return;
          setResult({
            ...result,
            errors: result.errors.map((error) =>
              error.extensions.code === undefined && error.path === undefined && (error.originalError == null || error.originalError instanceof GraphQLError)
                ? new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } })
                : error,
            ),
          });
        },
      };
    },
    onResponse({ request, response }) {
      const requestId = requestIds.get(request);
      if (requestId !== undefined) response.headers.set('x-request-id', requestId);
    },
  };

  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: logger,
    renderGraphiQL,
    graphiql: {
      title: 'steps-gateway',
      defaultQuery: DEFAULT_QUERY,
      ...(graphiqlApiKey !== undefined ? { headers: JSON.stringify({ Authorization: `Bearer ${graphiqlApiKey}` }, null, 2) } : {}),
    },
    plugins: [endpoints],
    context: ({ request }): Omit<Context, 'db'> & { db: Database } => {
      const principal = principals.get(request);
      if (principal === undefined) throw unauthenticated();
      return {
        db,
        logger,
        requestId: requestIds.get(request) ?? randomUUID(),
        organizationId: principal.organizationId,
        apiKeyId: principal.apiKeyId,
        loaders: createLoaders(db, principal.organizationId),
      };
    },
    // Whatever NODE_ENV says: expected errors keep their message and code, anything else becomes a bare
    // INTERNAL_SERVER_ERROR (no message, stack or original error); the operator's log gets the details.
    maskedErrors: {
      maskError(error) {
        if (error instanceof GraphQLError) {
          const original = error.originalError;
          if (original == null || (original instanceof GraphQLError && original.originalError == null)) return error;
        }
        const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
        logger.error('unexpected error', describeError(original));
        return new GraphQLError(UNEXPECTED, {
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
          ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
        });
      },
    },
  });
}

export type Gateway = ReturnType<typeof createGateway>;
