import { timingSafeEqual } from 'node:crypto';

import { getOperationAST, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { errorResponse, response } from './responses.ts';
import { clientMethodOf, isApiPath } from './paths.ts';

/** Operation names become label values: a client could otherwise mint a time series per request. */
const MAX_OPERATION_NAMES = 100;
/** A GraphQL name, at most 64 characters: what an operation name or an error code may be as a label. */
const LABEL = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

export interface MetricsOptions {
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Gets one line per GraphQL request (an access log), with its request id. */
  logger?: Logger;
  requestIdOf?: (request: Request) => string;
  /** Live updates as they stand: subscriptions and WebSockets open, events delivered, whether this process reads the feed. */
  live?: () => LiveMetrics;
}

export interface LiveMetrics {
  subscriptions: number;
  webSockets: number;
  /** Events given to subscriptions since the process started. */
  eventsDelivered: number;
  /** Undefined where no feed reader runs. */
  feedLeader: boolean | undefined;
}

/**
 * Prometheus metrics at `/metrics`: GraphQL requests and their latency by operation, errors by code, the
 * database pool, and Node's own process metrics. Every gateway has a registry of its own. Each GraphQL
 * request also gets an access-log line carrying its request id (the `x-request-id` of its response).
 */
export function metrics(db: Database, options: MetricsOptions = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'steps_gateway_' });
  const requests = new Counter({
    name: 'steps_gateway_graphql_requests_total',
    help: 'GraphQL requests answered, by operation name, operation type and HTTP status.',
    labelNames: ['operation', 'type', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'steps_gateway_graphql_request_duration_seconds',
    help: 'Time from a GraphQL request arriving to its response being ready, by operation name and type.',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'steps_gateway_graphql_errors_total',
    help: 'Errors in GraphQL responses, by extensions.code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'steps_gateway_db_pool_connections',
    help: 'Database pool connections: total (open), idle, and waiting (requests waiting for one); max is the pool size.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = db.poolStats();
      for (const state of ['total', 'idle', 'waiting', 'max'] as const) this.set({ state }, pool[state]);
    },
  });

  if (options.live !== undefined) {
    const live = options.live;
    new Gauge({
      name: 'steps_gateway_subscriptions',
      help: 'Subscriptions open on this process, and the WebSockets (graphql-ws) they may share.',
      labelNames: ['kind'] as const,
      registers: [registry],
      collect() {
        const now = live();
        this.set({ kind: 'subscriptions' }, now.subscriptions);
        this.set({ kind: 'websockets' }, now.webSockets);
      },
    });
    new Counter({
      name: 'steps_gateway_step_events_delivered_total',
      help: 'Step events given to subscriptions on this process.',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(live().eventsDelivered);
      },
    });
    new Gauge({
      name: 'steps_gateway_step_events_feed_leader',
      help: 'Whether this process reads the change feed and records the events of steps (one process of a deployment does).',
      registers: [registry],
      collect() {
        this.set(live().feedLeader === true ? 1 : 0);
      },
    });
  }

  const names = new Set<string>();
  const operationLabel = (name: string | null | undefined): string => {
    if (name == null || name === '') return 'anonymous';
    if (!LABEL.test(name)) return 'invalid';
    if (!names.has(name)) {
      if (names.size >= MAX_OPERATION_NAMES) return 'other';
      names.add(name);
    }
    return name;
  };

  interface Seen {
    started: number;
    operation: string;
    type: string;
    /** Whether the errors of the response were counted from its result. */
    counted: boolean;
  }
  const seen = new WeakMap<Request, Seen>();
  const countErrors = (list: readonly (GraphQLError | { extensions?: { code?: unknown } })[] | undefined) => {
    for (const error of list ?? []) {
      const code = error.extensions?.code;
      errors.inc({ code: typeof code === 'string' && LABEL.test(code) ? code : 'UNKNOWN' });
    }
  };
  const allowed = (request: Request) => {
    if (options.token === undefined) return true;
    const given = Buffer.from(request.headers.get('authorization') ?? '');
    const wanted = Buffer.from(`Bearer ${options.token}`);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  };

  /** The type and name of the operation a request runs. */
  const operationOf = (args: { contextValue: unknown; document: Parameters<typeof getOperationAST>[0]; operationName?: string | null }) => {
    const request = (args.contextValue as { request?: Request }).request;
    const entry = request === undefined ? undefined : seen.get(request);
    if (entry === undefined) return;
    const operation = getOperationAST(args.document, args.operationName);
    entry.type = operation?.operation ?? 'unknown';
    if (entry.operation === 'anonymous' && operation?.name !== undefined) entry.operation = operationLabel(operation.name.value);
  };

  const plugin: Plugin = {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname === '/metrics') {
        if (request.method !== 'GET') return endResponse(errorResponse(405, 'Use GET.', 'METHOD_NOT_ALLOWED', { allow: 'GET' }));
        if (!allowed(request)) {
          return endResponse(errorResponse(401, 'Send the metrics token as "Authorization: Bearer <token>".', 'UNAUTHENTICATED'));
        }
        return endResponse(response(await registry.metrics(), 200, { 'content-type': registry.contentType }));
      }
      if (isApiPath(url.pathname)) seen.set(request, { started: performance.now(), operation: 'unknown', type: 'unknown', counted: false });
    },
    onParams({ request, params }) {
      const entry = seen.get(request);
      if (entry !== undefined) entry.operation = operationLabel(params.operationName);
    },
    onExecute: ({ args }) => operationOf(args),
    onSubscribe: ({ args }) => operationOf(args),
    onResultProcess({ request, result }) {
      const entry = seen.get(request);
      if (entry === undefined) return;
      entry.counted = true;
      for (const one of Array.isArray(result) ? result : [result]) {
        if (one !== null && typeof one === 'object' && 'errors' in one) countErrors(one.errors);
      }
    },
    async onResponse({ request, response }) {
      const entry = seen.get(request);
      if (entry === undefined) return;
      seen.delete(request);
      // A response made before execution (no key, rate limited, too large, timed out) says its code in its body.
      if (!entry.counted && response.status >= 400) {
        const body = (await response.clone().json().catch(() => undefined)) as { errors?: { extensions?: { code?: unknown } }[] } | undefined;
        countErrors(body?.errors ?? [{ extensions: { code: `HTTP_${response.status}` } }]);
      }
      const seconds = (performance.now() - entry.started) / 1000;
      requests.inc({ operation: entry.operation, type: entry.type, status: String(response.status) });
      duration.observe({ operation: entry.operation, type: entry.type }, seconds);
      options.logger?.info('request', {
        requestId: options.requestIdOf?.(request),
        method: clientMethodOf(request),
        status: response.status,
        operation: entry.operation,
        type: entry.type,
        ms: Math.round(seconds * 10_000) / 10,
      });
    },
  };
  return { plugin, registry };
}
