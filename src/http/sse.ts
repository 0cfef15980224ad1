import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

import type { ErrorCode } from '../error-codes.ts';
import { UNEXPECTED } from './responses.ts';
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
      // A subscription's events go to a client that takes a stream; for one that does not (406), the
      // subscription it started ends here rather than holding its place.
      if (!acceptsEventStream(request)) {
        void (result as AsyncIterable<unknown>)[Symbol.asyncIterator]().return?.();
        return;
      }
      setResultProcessor((stream, fetchAPI) => eventStream(stream as AsyncIterable<ExecutionResult>, fetchAPI, keepAliveMs), 'text/event-stream');
    },
  };
}

// Whether a request takes an SSE stream: text/event-stream, any text, or anything (as a request without Accept does).
function acceptsEventStream(request: Request): boolean {
  return (request.headers.get('accept') ?? '*/*')
    .split(',')
    .map((part) => part.split(';')[0]!.trim().toLowerCase())
    .some((type) => type === 'text/event-stream' || type === 'text/*' || type === '*/*');
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

/** The last result of a stream that failed: the error masked, as every unexpected error is. */
const FAILED = JSON.stringify({ errors: [{ message: UNEXPECTED, extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies ErrorCode } }] });

function eventStream(results: AsyncIterable<ExecutionResult>, fetchAPI: { ReadableStream: typeof ReadableStream; Response: typeof Response; TextEncoder: typeof TextEncoder }, keepAliveMs: number): Response {
  const encoder = new fetchAPI.TextEncoder();
  const iterator = results[Symbol.asyncIterator]();
  let keepAlive: NodeJS.Timeout | undefined;
  let ended = false;
  const end = () => {
    ended = true;
    clearInterval(keepAlive);
  };
  // Pulled: the next event is taken from the subscription only when the client has read what was sent, so
  // that a client reading slower than events come leaves them waiting in the subscription, which bounds them
  // (SUBSCRIPTION_BUFFER). A client that goes away cancels the stream, which ends the subscription at once.
  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      // Some browsers wait for a first byte before they hand the response over.
      controller.enqueue(encoder.encode(':\n\n'));
      keepAlive = setInterval(() => {
        if (ended) clearInterval(keepAlive);
        else controller.enqueue(encoder.encode(':\n\n'));
      }, keepAliveMs);
    },
    async pull(controller) {
      if (ended) return;
      let text: string;
      let done = false;
      try {
        const next = await iterator.next();
        done = next.done === true;
        const value = next.value as ExecutionResult | undefined;
        const cursor = (value?.extensions as { cursor?: unknown } | undefined)?.cursor;
        text = value == null ? '' : `${typeof cursor === 'string' ? `id: ${cursor}\n` : ''}event: next\ndata: ${serialize(value)}\n\n`;
      } catch {
        // Ended for the client, with the masked error as its last result (the error was reported by the
        // plugins that saw it), rather than left open without a word.
        text = `event: next\ndata: ${FAILED}\n\n`;
        done = true;
        void iterator.return?.();
      }
      if (ended) return;
      if (done) {
        end();
        controller.enqueue(encoder.encode(`${text}event: complete\ndata:\n\n`));
        controller.close();
      } else if (text !== '') {
        controller.enqueue(encoder.encode(text));
      }
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
