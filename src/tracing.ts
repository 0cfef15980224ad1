import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import { clientMethodOf, isApiPath } from './http/paths.ts';

/**
 * OpenTelemetry tracing, off unless OTEL_TRACING=true. Each GraphQL request is a server span (continuing
 * the caller's trace from its `traceparent` header), named after its operation, with a child span per SQL
 * statement or Prisma operation. Statements are recorded as their text with placeholders, never with their
 * values. Without a tracer provider the API hands out no-op spans, at no cost worth measuring.
 */
export const tracer = trace.getTracer('steps-gateway');

/**
 * Exports spans over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4318; OTEL_SERVICE_NAME,
 * default steps-gateway). Returns what flushes and stops it.
 */
export async function startTracing(): Promise<() => Promise<void>> {
  const { BatchSpanProcessor, NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME?.trim() || 'steps-gateway' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Also installs the W3C trace-context propagator and an AsyncLocalStorage context manager.
  provider.register();
  return () => provider.shutdown();
}

/** Runs `work` in a child span of the current one; the span records the error `work` throws, if any. */
export function inSpan<T>(name: string, attributes: Record<string, string>, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}

const contexts = new WeakMap<Request, Context>();

/** Runs `work` in the trace context of its request's span: for work done before execution (the key lookup). */
/** Runs `work` outside any trace: what it does is no span's child. */
export const untraced = <T>(work: () => T): T => context.with(ROOT_CONTEXT, work);

export function inTraceContext<T>(request: Request, work: () => T): T {
  const active = contexts.get(request);
  return active === undefined ? work() : context.with(active, work);
}

/** The server span of each GraphQL request; the request's work runs in its context. */
export function requestTracing(requestIdOf: (request: Request) => string): Plugin {
  const spans = new WeakMap<Request, Span>();
  return {
    onRequest({ request, url, requestHandler, setRequestHandler }) {
      if (!isApiPath(url.pathname)) return;
      const parent = propagation.extract(context.active(), request.headers, {
        get: (headers, key) => headers.get(key) ?? undefined,
        keys: (headers) => [...headers.keys()],
      });
      const span = tracer.startSpan(
        'graphql',
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': clientMethodOf(request), 'url.path': url.pathname, 'request.id': requestIdOf(request) } },
        parent,
      );
      spans.set(request, span);
      const active = trace.setSpan(parent, span);
      contexts.set(request, active);
      setRequestHandler((req, serverContext) => context.with(active, () => requestHandler(req, serverContext)));
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const span = request === undefined ? undefined : spans.get(request);
      const operation = getOperationAST(args.document, args.operationName);
      if (span === undefined || operation == null) return;
      const name = operation.name?.value;
      span.updateName(name === undefined ? operation.operation : `${operation.operation} ${name}`);
      span.setAttribute('graphql.operation.type', operation.operation);
      if (name !== undefined) span.setAttribute('graphql.operation.name', name);
    },
    onResponse({ request, response }) {
      const span = spans.get(request);
      if (span === undefined) return;
      spans.delete(request);
      span.setAttribute('http.response.status_code', response.status);
      if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
