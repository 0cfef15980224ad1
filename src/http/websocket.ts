import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import { GraphQLError } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type SubscribePayload } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';

import type { ErrorCode } from '../error-codes.ts';
import { describeError, type Logger } from '../logger.ts';
import type { Lifecycle } from './health.ts';
import { GRAPHQL_PATH } from './paths.ts';
import { SUBSCRIPTION_STREAM_HEADER } from './sse.ts';

/**
 * graphql-ws (the GraphQL over WebSocket protocol, `graphql-transport-ws`) on the GraphQL endpoint. Every
 * operation a socket starts is sent through the gateway as the HTTP request an SSE client would send (its key
 * from `connection_init`), so that it is authenticated, rate-limited, limited, logged, traced and counted as
 * every other request is; its events come back as that request's stream. The key is checked when the socket is
 * opened the same way, with a request of `{ __typename }`.
 */

export interface WebSocketOptions {
  /** The gateway's fetch handler. */
  fetch: (request: Request, serverContext: { req: IncomingMessage }) => Response | Promise<Response>;
  logger: Logger;
  lifecycle: Lifecycle;
  /** Operations one socket may run at once. */
  perConnection: number;
  /** How often the socket is pinged; one that has not answered by the next ping is closed. */
  keepAliveMs: number;
  /** Largest message, in bytes. */
  maxPayload: number;
}

interface Extra {
  request: IncomingMessage;
  authorization: string | undefined;
  /** Errors to send as they came from the gateway, by operation id. */
  refusals: Map<string, readonly unknown[]>;
}

/** The credential a client sent: in `connection_init`'s payload (`authorization`, or `headers.authorization`), or as the upgrade request's header. */
function authorizationOf(params: Readonly<Record<string, unknown>> | undefined, request: IncomingMessage): string | undefined {
  const headers = params?.headers as Record<string, unknown> | undefined;
  for (const value of [params?.authorization, params?.Authorization, headers?.authorization, headers?.Authorization]) {
    if (typeof value === 'string' && value !== '') return value;
  }
  return request.headers.authorization;
}

/** A stream of results read from the gateway's SSE response, ended by the client or by the stream. */
class Operation implements AsyncIterableIterator<Record<string, unknown>> {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private ended = false;

  constructor(private readonly body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  async next(): Promise<IteratorResult<Record<string, unknown>>> {
    while (!this.ended) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        let event = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(line.startsWith('data: ') ? 6 : 5);
        }
        if (event === 'complete') break;
        if (event === 'next' && data !== '') return { done: false, value: JSON.parse(data) as Record<string, unknown> };
        continue;
      }
      const { done, value } = await this.reader.read();
      if (done) break;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
    await this.return();
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<Record<string, unknown>>> {
    if (!this.ended) {
      this.ended = true;
      // Ends the gateway's stream, and with it the subscription: the stream itself, at once (whatwg-node's streams
      // end a reader only at their next chunk); a locked standard stream refuses that, and its reader does it.
      await this.body.cancel().catch(() => this.reader.cancel().catch(() => {}));
    }
    return { done: true, value: undefined };
  }
}

/** The operation's document for graphql-ws, which only reads its type: the gateway runs the real one. */
const STREAM = { kind: 'Document', definitions: [{ kind: 'OperationDefinition', operation: 'subscription', selectionSet: { kind: 'SelectionSet', selections: [] } }] };

export function webSockets(options: WebSocketOptions) {
  const { logger } = options;
  const sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, handleProtocols: (protocols) => handleProtocols(protocols) });

  /** The gateway's answer to a request of this socket's client. */
  const send = (extra: Extra, body: unknown, accept: string) =>
    options.fetch(
      new Request(`http://gateway${GRAPHQL_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept,
          ...(extra.authorization !== undefined ? { authorization: extra.authorization } : {}),
          ...(typeof extra.request.headers['x-request-id'] === 'string' ? { 'x-request-id': extra.request.headers['x-request-id'] } : {}),
        },
        body: JSON.stringify(body),
      }),
      { req: extra.request },
    );

  const server = makeServer<Record<string, unknown>, Extra>({
    async onConnect(ctx) {
      ctx.extra.authorization = authorizationOf(ctx.connectionParams, ctx.extra.request);
      if (ctx.extra.authorization === undefined) return false;
      const response = await send(ctx.extra, { query: '{ __typename }' }, 'application/graphql-response+json');
      await response.body?.cancel().catch(() => {});
      return response.status === 200;
    },
    async onSubscribe(ctx, id, payload: SubscribePayload) {
      const refuse = (errors: readonly unknown[]) => {
        ctx.extra.refusals.set(id, errors);
        return errors.map((error) => new GraphQLError(String((error as { message?: unknown }).message ?? 'Refused.')));
      };
      if (Object.keys(ctx.subscriptions).length > options.perConnection) {
        const code: ErrorCode = 'TOO_MANY_SUBSCRIPTIONS';
        return refuse([{ message: `A connection may run at most ${options.perConnection} operations at once: complete one first.`, extensions: { code, limit: options.perConnection } }]);
      }
      const response = await send(ctx.extra, payload, 'text/event-stream');
      // Handed to `subscribe` below, which graphql-ws calls next.
      const run = (results: AsyncIterableIterator<Record<string, unknown>>) => ({ schema: undefined as never, document: STREAM as never, contextValue: results });
      if (response.body === null || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        // Refused before it ran (its key, its rate, the gateway stopping): the gateway's errors, as they are.
        const body = (await response.json().catch(() => ({}))) as { errors?: unknown[] };
        return refuse(body.errors ?? [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies ErrorCode } }]);
      }
      const stream = new Operation(response.body);
      if (response.headers.has(SUBSCRIPTION_STREAM_HEADER)) return run(stream);
      // A finished answer (a query, a mutation, or a subscription that did not start): a lone result with errors
      // and no data is the operation's refusal (a document that does not fit, a limit, a bad argument).
      const results: Record<string, unknown>[] = [];
      for await (const result of stream) results.push(result);
      const [only] = results;
      if (results.length === 1 && Array.isArray(only!.errors) && !('data' in only!)) return refuse(only!.errors as unknown[]);
      return run((async function* () {
        yield* results;
      })());
    },
    subscribe: (args) => args.contextValue as never,
    // The gateway's results and errors are sent as it wrote them.
    onNext: (_ctx, _id, _payload, _args, result) => result as never,
    onError(ctx, id) {
      const errors = ctx.extra.refusals.get(id);
      ctx.extra.refusals.delete(id);
      return errors as never;
    },
  });

  const open = (socket: WebSocket, request: IncomingMessage) => {
    const extra: Extra = { request, authorization: undefined, refusals: new Map() };
    let alive = true;
    socket.on('pong', () => (alive = true));
    const keepAlive = setInterval(() => {
      if (!alive) {
        socket.terminate();
        return;
      }
      alive = false;
      socket.ping();
    }, options.keepAliveMs);
    socket.on('error', (error) => logger.warn('websocket error', describeError(error)));
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (error) {
              logger.error('websocket message failed', describeError(error));
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      extra,
    );
    socket.once('close', (code, reason) => {
      clearInterval(keepAlive);
      // Ends the socket's operations (graphql-ws returns each).
      void closed(code, String(reason));
    });
  };

  return {
    /** The HTTP server's `upgrade` listener: graphql-ws on the GraphQL endpoint, nothing elsewhere. */
    handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
      const path = new URL(request.url ?? '/', 'http://gateway').pathname;
      const refuse = (status: string) => {
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      };
      if (path !== GRAPHQL_PATH) return refuse('404 Not Found');
      if (options.lifecycle.draining) return refuse('503 Service Unavailable');
      sockets.handleUpgrade(request, socket, head, (ws) => open(ws, request));
    },
    /** Sockets open now. */
    size: () => sockets.clients.size,
    /** Closes every socket as going away (the process is stopping): clients reconnect, to another replica. */
    close() {
      for (const socket of sockets.clients) socket.close(1001, 'The gateway is shutting down');
      sockets.close();
    },
  };
}

