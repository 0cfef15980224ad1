import { AsyncLocalStorage } from 'node:async_hooks';

import { inTraceContext, untraced } from '../tracing.ts';

/**
 * What the database layer knows of the request it works for: the signal that ends it (its deadline, or the
 * client going away) and the connections its statements hold right now, so that they can be cancelled.
 */
export interface RequestScope {
  /** The request's id (its `x-request-id`), which every log line written for it carries. */
  requestId: string;
  signal: AbortSignal;
  /** Connections checked out for this request; a driver-specific handle per connection. */
  connections: Set<unknown>;
  /** Set once the request has sent a statement that may write: from then on, it may have changed data. */
  mayHaveWritten: boolean;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

export class RequestAbortedError extends Error {
  override name = 'RequestAbortedError';
  constructor() {
    super('The request ended (deadline passed or client gone) before its statement ran.');
  }
}

const byRequest = new WeakMap<Request, RequestScope>();

/** Ties a scope to its HTTP request, for the work done before execution (the key's lookup). */
export function bindRequestScope(request: Request, scope: RequestScope): void {
  byRequest.set(request, scope);
}

/** The scope of a request, when it has one. */
export const scopeOf = (request: Request): RequestScope | undefined => byRequest.get(request);

/**
 * Runs `work` in the request's scope (when it has one), so that its statements are bounded and cancellable,
 * and traced as part of the request. With `bookkeeping`, the statements are the gateway's own (an
 * Idempotency-Key's claim) rather than the request's operation: they share its deadline and connections but
 * do not count as writes of the request (see `mayHaveWritten`).
 */
export function inRequestScope<T>(request: Request, work: () => T, options: { bookkeeping?: boolean } = {}): T {
  const scope = byRequest.get(request);
  if (scope === undefined) return inTraceContext(request, work);
  const own: RequestScope = options.bookkeeping === true ? { ...scope, mayHaveWritten: false } : scope;
  return inTraceContext(request, () => requestScope.run(own, work));
}

/**
 * Runs `work` as no request's: for work a request sets off that must not share its deadline, cancellation or
 * trace (the delivery of an event a write published to every subscriber).
 */
export function outsideRequests<T>(work: () => T): T {
  return requestScope.exit(() => untraced(work));
}
