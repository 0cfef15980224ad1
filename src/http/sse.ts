import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

import { deliveredCursor } from '../schema/step-event.ts';

/** Set on the response of a subscription's stream (not on a single result sent as SSE): see http/websocket.ts. */
export const SUBSCRIPTION_STREAM_HEADER = 'x-graphql-subscription';

/**
 * Subscriptions over GraphQL over SSE (yoga's "distinct connections" mode, which graphql-sse's client speaks):
 * each event carries its cursor as its SSE id, so that a client that reconnects with `Last-Event-ID` (as an
 * EventSource does) resumes after it, and in `extensions.cursor` for clients that do not see SSE ids. Idle
 * streams get a comment line every `keepAliveMs`, so that proxies keep them open. Other results are left to
 * yoga's own processors.
 */
export function subscriptionStreams(keepAliveMs: number): Plugin {
  return {
    onSubscribe() {
      return {
        onSubscribeResult({ args }) {
          return {
            onNext({ result, setResult }) {
              const cursor = deliveredCursor(args.contextValue as object);
              if (cursor !== undefined) setResult({ ...result, extensions: { ...result.extensions, cursor } });
            },
          };
        },
      };
    },
    onResultProcess({ request, result, setResultProcessor }) {
      if (!isAsyncIterable(result)) return;
      const accept = request.headers.get('accept') ?? '';
      if (!/(^|[\s,])text\/event-stream\s*(;|,|$)/i.test(accept)) return;
      setResultProcessor((stream, fetchAPI) => eventStream(stream as AsyncIterable<ExecutionResult>, fetchAPI, keepAliveMs), 'text/event-stream');
    },
  };
}

/** A result as it is sent: errors as JSON, without what only the server uses (`http`). */
function serialize(result: ExecutionResult): string {
  const { extensions } = result;
  const errors = result.errors?.map((error) => {
    const json = typeof error.toJSON === 'function' ? error.toJSON() : (error as object);
    const { http: _http, unexpected: _unexpected, ...rest } = ((json as { extensions?: Record<string, unknown> }).extensions ?? {}) as Record<string, unknown>;
    return { ...json, ...(Object.keys(rest).length > 0 ? { extensions: rest } : { extensions: undefined }) };
  });
  const { http: _http, ...ownExtensions } = (extensions ?? {}) as Record<string, unknown>;
  return JSON.stringify({ ...result, ...(errors !== undefined ? { errors } : {}), extensions: Object.keys(ownExtensions).length > 0 ? ownExtensions : undefined });
}

function eventStream(results: AsyncIterable<ExecutionResult>, fetchAPI: { ReadableStream: typeof ReadableStream; Response: typeof Response; TextEncoder: typeof TextEncoder }, keepAliveMs: number): Response {
  const encoder = new fetchAPI.TextEncoder();
  const iterator = results[Symbol.asyncIterator]();
  let keepAlive: NodeJS.Timeout | undefined;
  let ended = false;
  /** Resolves when the client has read what was sent, and wants more. */
  let wanted: (() => void) | undefined;
  const end = () => {
    ended = true;
    clearInterval(keepAlive);
    wanted?.();
  };
  // Results are pushed as the client takes them, rather than pulled: a pull waiting for the next event would
  // hold a client's going away until that event came.
  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      // Some browsers wait for a first byte before they hand the response over.
      controller.enqueue(encoder.encode(':\n\n'));
      keepAlive = setInterval(() => {
        if (controller.desiredSize === null) clearInterval(keepAlive);
        else if (controller.desiredSize > 0) controller.enqueue(encoder.encode(':\n\n'));
      }, keepAliveMs);
      void (async () => {
        try {
          while (!ended) {
            if ((controller.desiredSize ?? 0) <= 0) {
              await new Promise<void>((resolve) => (wanted = resolve));
              wanted = undefined;
              continue;
            }
            const { done, value } = await iterator.next();
            if (ended) return;
            if (value != null) {
              const cursor = (value.extensions as { cursor?: unknown } | undefined)?.cursor;
              const id = typeof cursor === 'string' ? `id: ${cursor}\n` : '';
              controller.enqueue(encoder.encode(`${id}event: next\ndata: ${serialize(value)}\n\n`));
            }
            if (done) {
              end();
              controller.enqueue(encoder.encode('event: complete\ndata:\n\n'));
              controller.close();
            }
          }
        } catch (error) {
          end();
          controller.error(error);
        }
      })();
    },
    pull() {
      wanted?.();
    },
    async cancel() {
      end();
      await iterator.return?.();
    },
  });
  return new fetchAPI.Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'content-encoding': 'none',
      [SUBSCRIPTION_STREAM_HEADER]: 'stream',
    },
  });
}
