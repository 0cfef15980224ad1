import type { Plugin } from 'graphql-yoga';

import type { Database } from '../db/database.ts';
import { bindRequestScope, requestScope, scopeOf, type RequestScope } from '../db/request-scope.ts';
import { describeError, type Logger } from '../logger.ts';
import { errorResponse } from './responses.ts';
import { isApiPath } from './paths.ts';

/**
 * Bounds every GraphQL request by a deadline. When it passes, the client gets 504 TIMEOUT at once, execution
 * stops, and the statements the request still has running on Postgres are cancelled there, not left to run.
 * A client that goes away ends its request the same way.
 */
export function requestDeadline(db: Database, timeoutMs: number, logger: Logger, requestIdOf: (request: Request) => string): Plugin {
  /** What ends a request's bookkeeping once its response is out. */
  const finishers = new WeakMap<Request, () => void>();
  const timedOut = () => errorResponse(504, `The request took longer than ${timeoutMs} ms and was stopped.`, 'TIMEOUT');
  return {
    onRequest({ request, url, requestHandler, setRequestHandler }) {
      if (!isApiPath(url.pathname)) return;
      // One signal for both ends of a request: its deadline, and its client going away. (Not AbortSignal.any:
      // on Node 20 the signals it makes are kept alive long after their request, a leak under load.)
      const deadline = new AbortController();
      const scope: RequestScope = { requestId: requestIdOf(request), signal: deadline.signal, connections: new Set(), mayHaveWritten: false };
      const clientGone = () => deadline.abort();
      request.signal.addEventListener('abort', clientGone, { once: true });
      scope.signal.addEventListener(
        'abort',
        () => {
          if (scope.connections.size === 0) return;
          db.cancelRequest(scope).catch((error: unknown) =>
            logger.warn('cancelling statements failed', { requestId: requestIdOf(request), ...describeError(error) }),
          );
        },
        { once: true },
      );
      const timer = setTimeout(() => {
        logger.warn('request deadline passed', { requestId: requestIdOf(request), timeoutMs });
        deadline.abort();
      }, timeoutMs);
      // Never what keeps the process alive (a request that failed before its response leaves it set).
      timer.unref();
      finishers.set(request, () => {
        clearTimeout(timer);
        request.signal.removeEventListener('abort', clientGone);
      });
      // The key's lookup (before execution) and the execution itself work in the scope, so the deadline
      // covers all of the request's statements.
      bindRequestScope(request, scope);
      setRequestHandler(
        (req, serverContext) =>
          new Promise<Response>((resolve, reject) => {
            let answered = false;
            const answer = (response: Response) => {
              answered = true;
              resolve(response);
            };
            if (deadline.signal.aborted) return answer(timedOut());
            deadline.signal.addEventListener('abort', () => answer(timedOut()), { once: true });
            requestScope.run(scope, async () => requestHandler(req, serverContext)).then((response) => {
              // Answered already (the deadline, the client gone): a response made after, such as a subscription's
              // stream, is read by no one and ends here.
              if (answered) void response.body?.cancel().catch(() => {});
              else answer(response);
            }, reject);
          }),
      );
    },
    onResponse({ request }) {
      finishers.get(request)?.();
    },
    onExecute({ args }) {
      // Execution stops at the next field once the request has ended.
      const request = (args.contextValue as { request?: Request } | undefined)?.request;
      const scope = request === undefined ? undefined : scopeOf(request);
      if (scope !== undefined) (args as { signal?: AbortSignal }).signal = scope.signal;
    },
  };
}
