import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import type { ErrorCode } from '../error-codes.ts';
import { carriedAs, clientMethodOf, isLettaApiPath } from '../http/paths.ts';
import { scopeOf } from '../db/request-scope.ts';
import { describeError, type Logger } from '../logger.ts';
import { response, UNEXPECTED } from '../http/responses.ts';
import { isId } from '../letta/ids.ts';
import { parseDateTime } from '../schema/scalars.ts';
import { documentId } from '../security/trusted-documents.ts';
import type {
  LettaListStepsQuery,
  LettaMessageFieldsFragment,
  LettaRetrieveStepQuery,
  LettaStepFeedbackMutation,
  LettaStepMessagesQuery,
  LettaStepMetricsQuery,
  LettaStepTraceQuery,
} from './generated.ts';
import { jsonText, lettaMessageJson, metricsJson, REST_OPERATIONS, stepJson, traceJson, type RestOperation } from './operations.ts';

/**
 * Letta's REST API for steps (`/v1/steps/...`), as `@letta-ai/letta-client` calls it: Letta's paths, query
 * parameters, JSON and status codes. A route is a GraphQL request in another wire format: its parameters are
 * checked and turned into one of the operations of rest/operations.ts, which runs through the gateway's own
 * pipeline (the same key check, rate limit, deadline, limits, error masking, access log, metrics and trace as
 * any GraphQL request), and its result is written back in Letta's shape. Where Letta's server is broken, the
 * routes are right: the list works, `tags` filters, and the feedback call changes only what it sends.
 */

/** Where a parameter came from, as Letta's (FastAPI's) validation errors say: `["query", "limit"]`. */
type Location = 'path' | 'query' | 'body';

class ParameterError extends Error {
  constructor(
    readonly location: Location,
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a route asks the GraphQL layer, and how its answer reads in Letta's shape. */
interface RestCall {
  operation: RestOperation;
  variables: Record<string, unknown>;
  /** The route's parameter behind each GraphQL argument an error may name (`extensions.field`). */
  parameters: Record<string, [Location, string]>;
  /** Letta's response for the operation's data (its result type in rest/generated.ts); headers besides the content type. */
  respond(data: Record<string, any>): { status: number; body: unknown; headers?: Record<string, string> };
}

const STEP_PAGE_MAX = 100;
const MESSAGE_LIMIT_MAX = 1000;
/** LettaMessages read per page of /messages: more than a row can yield (128), so that a page holds whole rows. */
const MESSAGE_ITEMS_READ = 200;
/** The skipped rows a response names in its header (all are counted). */
const SKIPPED_IDS_SHOWN = 20;

/** Letta's own path rule for step ids (letta/validators.py): a lower-case UUID of version 4. */
const LETTA_STEP_ID = /^step-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const LETTA_AGENT_ID = /^agent-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A JSON response in Letta's shape. */
function lettaResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return response(jsonText(body), status, { 'content-type': 'application/json', ...headers });
}

/** An error in Letta's shape (`{"detail": ...}`), with the gateway's stable code and, for a parameter, where it is. */
function lettaError(status: number, detail: string, code: ErrorCode, loc?: [Location, string], headers: Record<string, string> = {}): Response {
  return lettaResponse(status, { detail, code, ...(loc !== undefined ? { loc } : {}) }, headers);
}

/** The query parameters of a request, each route taking only its own. */
class Query {
  constructor(
    private readonly params: URLSearchParams,
    allowed: readonly string[],
  ) {
    for (const name of new Set(params.keys())) {
      if (!allowed.includes(name)) throw new ParameterError('query', name, `Unknown query parameter "${name.slice(0, 40)}": this route takes ${allowed.join(', ') || 'none'}.`);
    }
  }

  /** The value of a single-valued parameter (the last one given, as FastAPI reads it). */
  one(name: string): string | undefined {
    const values = this.params.getAll(name);
    return values.length === 0 ? undefined : values.at(-1);
  }

  many(name: string): string[] | undefined {
    const values = this.params.getAll(name);
    return values.length === 0 ? undefined : values;
  }

  integer(name: string, fallback: number, max: number): number {
    const value = this.one(name);
    if (value === undefined) return fallback;
    if (!/^\d{1,9}$/.test(value) || Number(value) > max) throw new ParameterError('query', name, `"${name}" must be an integer between 0 and ${max}.`);
    return Number(value);
  }

  choice<Value extends string>(name: string, values: readonly Value[], fallback: Value): Value;
  choice<Value extends string>(name: string, values: readonly Value[]): Value | undefined;
  choice<Value extends string>(name: string, values: readonly Value[], fallback?: Value): Value | undefined {
    const value = this.one(name);
    if (value === undefined) return fallback;
    if (!(values as readonly string[]).includes(value)) throw new ParameterError('query', name, `"${name}" must be one of: ${values.join(', ')}.`);
    return value as Value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.one(name)?.toLowerCase();
    if (value === undefined) return undefined;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    throw new ParameterError('query', name, `"${name}" must be true or false.`);
  }

  /** An ISO 8601 time; a date alone, or a time without an offset, is read as UTC. */
  date(name: string): string | undefined {
    let value = this.one(name);
    if (value === undefined) return undefined;
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) value = `${value}T00:00:00Z`;
    else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value)) value = `${value}Z`;
    try {
      return parseDateTime(value);
    } catch {
      throw new ParameterError('query', name, `"${name}" must be an ISO 8601 date or time, e.g. "2025-01-29T15:01:19-08:00".`);
    }
  }

  id(name: string, type: 'Step' | 'Message'): string | undefined {
    const value = this.one(name);
    if (value !== undefined && !isId(type, value)) throw new ParameterError('query', name, `"${name}" must be a ${type.toLowerCase()} id: ${type.toLowerCase()}-<uuid>.`);
    return value;
  }
}

const notFound = (what: string, id: string) => ({ status: 404, body: { detail: `${what} not found with id='${id}'`, code: 'NOT_FOUND' } });

function listSteps(query: Query): RestCall {
  const limit = query.integer('limit', 50, STEP_PAGE_MAX);
  const order = query.choice('order', ['asc', 'desc'] as const, 'desc');
  query.choice('order_by', ['created_at'] as const);
  const after = query.id('after', 'Step');
  const before = query.id('before', 'Step');
  const agentId = query.one('agent_id');
  if (agentId !== undefined && !LETTA_AGENT_ID.test(agentId)) throw new ParameterError('query', 'agent_id', '"agent_id" must be an agent id: agent-<uuid4>.');
  const feedback = query.choice('feedback', ['positive', 'negative'] as const);
  const filter = {
    createdAfter: query.date('start_date'),
    createdBefore: query.date('end_date'),
    model: query.one('model'),
    agentId,
    traceIds: query.many('trace_ids'),
    feedback: feedback?.toUpperCase(),
    hasFeedback: query.boolean('has_feedback'),
    tags: query.many('tags'),
    projectId: query.one('project_id'),
  };
  // The list is in the order asked for: `after` is further along it, `before` back towards its start. With
  // `before`, the page is the one right before it (Letta's client pages back from `before`, keeping `after`).
  const backward = before !== undefined;
  return {
    operation: 'LettaListSteps',
    variables: {
      ...(backward ? { last: limit } : { first: limit }),
      after,
      before,
      filter: Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)),
      orderBy: { field: 'CREATED_AT', direction: order.toUpperCase() },
    },
    parameters: {
      first: ['query', 'limit'],
      last: ['query', 'limit'],
      after: ['query', 'after'],
      before: ['query', 'before'],
      'filter.createdAfter': ['query', 'start_date'],
      'filter.createdBefore': ['query', 'end_date'],
      'filter.model': ['query', 'model'],
      'filter.agentId': ['query', 'agent_id'],
      'filter.traceIds': ['query', 'trace_ids'],
      'filter.tags': ['query', 'tags'],
      'filter.projectId': ['query', 'project_id'],
    },
    respond: (data: LettaListStepsQuery) => ({ status: 200, body: data.steps.nodes.map(stepJson) }),
  };
}

/**
 * A step's LettaMessages, a page of at most `limit` message rows as Letta counts them (only rows that show
 * something count), never splitting one row's LettaMessages, so that the client's next cursor (the last
 * LettaMessage's id, its row's) loses nothing. In `desc` order the rows are newest first, each row's
 * LettaMessages in Letta's order.
 */
function listMessages(stepId: string, query: Query): RestCall {
  const limit = query.integer('limit', 100, MESSAGE_LIMIT_MAX);
  const order = query.choice('order', ['asc', 'desc'] as const, 'asc');
  query.choice('order_by', ['created_at'] as const);
  const after = query.id('after', 'Message');
  const before = query.id('before', 'Message');
  // In GraphQL terms (oldest first): the rows past `from`, short of `until`, read from the `from` end or the `until` end.
  const descending = order === 'desc';
  const [from, until] = descending ? [before, after] : [after, before];
  // The page is the one next to `before` when there is one (the client pages back from it, keeping `after`),
  // else next to `after`, else at the list's start.
  const fromUntilEnd = descending ? before === undefined : before !== undefined;
  const read = limit === 0 ? 0 : MESSAGE_ITEMS_READ;
  const [fromName, untilName] = descending ? ['before', 'after'] : ['after', 'before'];
  return {
    operation: 'LettaStepMessages',
    variables: { id: stepId, after: from, before: until, ...(fromUntilEnd ? { last: read } : { first: read }) },
    parameters: { after: ['query', fromName], before: ['query', untilName], first: ['query', 'limit'], last: ['query', 'limit'] },
    respond: (data: LettaStepMessagesQuery) => {
      if (data.step === null) return notFound('Step', stepId);
      const list = data.step.lettaMessages;
      const rows: LettaMessageFieldsFragment[][] = [];
      for (const item of list.nodes) {
        const row = rows.at(-1);
        if (row !== undefined && row[0]!.id === item.id) row.push(item);
        else rows.push([item]);
      }
      // The row at the end the page was cut at may be cut too: it is left for the next page.
      const cut = list.nodes.length === read;
      if (cut && rows.length > 1) (fromUntilEnd ? rows.shift() : rows.pop());
      let page = fromUntilEnd ? rows.slice(Math.max(0, rows.length - limit)) : rows.slice(0, limit);
      if (descending) page = page.reverse();
      const skipped = list.skipped.map((skip) => skip.messageId);
      return {
        status: 200,
        body: page.flat().map(lettaMessageJson),
        // Rows of the step that Letta's own server fails the whole request on are left out; this says how many,
        // and the first of them.
        headers:
          skipped.length > 0
            ? { 'x-letta-skipped-messages': skipped.slice(0, SKIPPED_IDS_SHOWN).join(','), 'x-letta-skipped-count': String(skipped.length) }
            : ({} as Record<string, string>),
      };
    },
  };
}

function feedback(stepId: string, body: unknown): RestCall {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ParameterError('body', 'body', 'The body must be a JSON object: {"feedback": "positive" | "negative" | null, "tags": [...]}.');
  const given = body as Record<string, unknown>;
  const input: Record<string, unknown> = { stepId };
  // Unlike Letta's server, an omitted `feedback` is left as it is (null clears it), and tags are added as a set.
  if (Object.hasOwn(given, 'feedback')) {
    if (given.feedback !== null && given.feedback !== 'positive' && given.feedback !== 'negative') {
      throw new ParameterError('body', 'feedback', '"feedback" must be "positive", "negative" or null.');
    }
    input.feedback = given.feedback === null ? null : given.feedback.toUpperCase();
  }
  if (given.tags != null) {
    if (!Array.isArray(given.tags) || !given.tags.every((tag) => typeof tag === 'string')) throw new ParameterError('body', 'tags', '"tags" must be a list of strings.');
    input.tags = given.tags;
  }
  // Nothing to change (`{}`): the step as it is, where Letta's server would clear its feedback.
  if (Object.keys(input).length === 1) return { ...retrieveStep(new URLSearchParams(), stepId), parameters: { id: ['path', 'step_id'] } };
  return {
    operation: 'LettaStepFeedback',
    variables: { input },
    parameters: { tags: ['body', 'tags'], feedback: ['body', 'feedback'], stepId: ['path', 'step_id'] },
    respond: (data: LettaStepFeedbackMutation) => ({ status: 200, body: stepJson(data.setStepFeedback.step) }),
  };
}

interface Route {
  method: 'GET' | 'PATCH';
  call: (query: URLSearchParams, stepId: string | undefined, body: unknown) => RestCall;
}

/** A route of one step: its operation reads `step(id:)`, and a step that does not exist is 404. */
const single = <Step>(operation: RestOperation, respond: (step: Step, stepId: string) => ReturnType<RestCall['respond']>) => (params: URLSearchParams, stepId: string | undefined): RestCall => {
  new Query(params, []);
  return {
    operation,
    variables: { id: stepId },
    parameters: {},
    respond: (data: { step: Step | null }) => (data.step === null ? notFound('Step', stepId!) : respond(data.step, stepId!)),
  };
};

/** Letta's routes for steps, by the path below `/v1/steps/{step_id}`; '' is the step itself. */
const retrieveStep = single('LettaRetrieveStep', (step: NonNullable<LettaRetrieveStepQuery['step']>) => ({ status: 200, body: stepJson(step) }));

const STEP_ROUTES: Record<string, Route> = {
  '': { method: 'GET', call: retrieveStep },
  metrics: { method: 'GET', call: single('LettaStepMetrics', (step: NonNullable<LettaStepMetricsQuery['step']>, id) => (step.metrics === null ? notFound('StepMetrics', id) : { status: 200, body: metricsJson(step.metrics) })) },
  // A step without a trace has none (null); a step that does not exist is 404.
  trace: { method: 'GET', call: single('LettaStepTrace', (step: NonNullable<LettaStepTraceQuery['step']>) => ({ status: 200, body: step.trace === null ? null : traceJson(step.trace) })) },
  messages: { method: 'GET', call: (params, stepId) => listMessages(stepId!, new Query(params, ['before', 'after', 'limit', 'order', 'order_by'])) },
  feedback: {
    method: 'PATCH',
    call: (params, stepId, body) => {
      new Query(params, []);
      return feedback(stepId!, body);
    },
  },
};

const LIST_PARAMETERS = ['before', 'after', 'limit', 'order', 'order_by', 'start_date', 'end_date', 'model', 'agent_id', 'trace_ids', 'feedback', 'has_feedback', 'tags', 'project_id'];
const LIST_ROUTE: Route = { method: 'GET', call: (params) => listSteps(new Query(params, LIST_PARAMETERS)) };

/** The route a path names, with its step id; undefined for a path Letta's API for steps does not have. */
function routeOf(pathname: string): { route: Route; stepId?: string } | undefined {
  const parts = pathname.split('/');
  if (parts[1] !== 'v1' || parts[2] !== 'steps') return undefined;
  if (parts.length === 3 || (parts.length === 4 && parts[3] === '')) return { route: LIST_ROUTE };
  if (parts.length > 5) return undefined;
  const route = STEP_ROUTES[parts[4] ?? ''];
  // Not decoded: a step id has nothing to decode, and anything else is refused as it is.
  return route === undefined ? undefined : { route, stepId: parts[3]! };
}

/** The HTTP status of a GraphQL error, by its code. */
const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 422,
  TOO_MANY_MESSAGES: 422,
  GRAPHQL_VALIDATION_FAILED: 422,
  QUERY_TOO_COMPLEX: 422,
  NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  TIMEOUT: 504,
  INTERNAL_SERVER_ERROR: 500,
};

/** The body as text, or null past `maxBytes` (read no further); it stops when the request's deadline passes. */
async function readAtMost(request: Request, maxBytes: number, signal: AbortSignal | undefined): Promise<string | null> {
  if (request.body === null) return '';
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const stop = () => void reader.cancel().catch(() => {});
  signal?.addEventListener('abort', stop, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      if (signal?.aborted) throw new BodyTimeout();
      const { done, value } = await reader.read();
      if (signal?.aborted) throw new BodyTimeout();
      if (done) return Buffer.concat(chunks).toString('utf8');
      size += value.byteLength;
      if (size > maxBytes) return null;
      chunks.push(value);
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    stop();
  }
}

class BodyTimeout extends Error {}

async function readBody(request: Request, read: (maxBytes: number) => Promise<string | null>, maxBytes: number): Promise<unknown> {
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    throw Object.assign(new ParameterError('body', 'body', 'Send the request body uncompressed.'), { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  }
  const text = Number(request.headers.get('content-length') ?? 0) > maxBytes ? null : await read(maxBytes);
  if (text === null) {
    throw Object.assign(new ParameterError('body', 'body', `The body is over the limit of ${maxBytes} bytes.`), { status: 413, code: 'REQUEST_ENTITY_TOO_LARGE' });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ParameterError('body', 'body', 'The body must be JSON.');
  }
}

export interface LettaRestOptions {
  maxBodyBytes: number;
  logger: Logger;
  requestIdOf: (request: Request) => string;
  /** When only trusted documents run, the routes send their operations by id (the gateway trusts its own). */
  trustedDocumentsOnly: boolean;
}

/**
 * Serves Letta's REST routes through the GraphQL pipeline, as two plugins. `patches` goes first of all: a
 * PATCH is carried through the pipeline as a POST (GraphQL over HTTP takes no other method), the same
 * request for every plugin after it. `routes` goes after the plugins that act on every API request before
 * execution (request ids, deadline, tracing, authentication): it checks the route and its parameters, and
 * runs the request there and then, so that GraphQL's own route checks never see it.
 */
export function lettaRest(options: LettaRestOptions): { patches: Plugin; routes: Plugin } {
  const calls = new WeakMap<Request, RestCall>();
  /** The bodies of the PATCHes, by the POST each is carried as (which has none: the route reads it from here). */
  const patched = new WeakMap<Request, (maxBytes: number) => Promise<string | null>>();
  const patches: Plugin = {
    onRequest({ request, url, setRequest, fetchAPI }) {
      if (!isLettaApiPath(url.pathname) || request.method !== 'PATCH') return;
      const post = new fetchAPI.Request(request.url, { method: 'POST', headers: request.headers, signal: request.signal });
      // Read when the route needs it, after the key is checked.
      patched.set(post, (maxBytes) => readAtMost(request, maxBytes, scopeOf(post)?.signal));
      carriedAs(post, 'PATCH');
      setRequest(post);
    },
  };
  const routes: Plugin = {
    async onRequest({ request, url, requestHandler, serverContext, endResponse }) {
      if (!isLettaApiPath(url.pathname) || request.method === 'OPTIONS') return;
      const found = routeOf(url.pathname);
      if (found === undefined) return endResponse(lettaError(404, `Not found: ${url.pathname.slice(0, 200)} is not one of Letta's routes for steps.`, 'NOT_FOUND'));
      const { route, stepId } = found;
      if (clientMethodOf(request) !== route.method) return endResponse(lettaError(405, `Use ${route.method}.`, 'METHOD_NOT_ALLOWED', undefined, { allow: route.method }));
      let call: RestCall;
      try {
        if (stepId !== undefined && !LETTA_STEP_ID.test(stepId)) throw new ParameterError('path', 'step_id', "String should match pattern 'step-{uuid4}'.");
        const read = patched.get(request);
        const body = read !== undefined ? await readBody(request, read, options.maxBodyBytes) : undefined;
        call = route.call(url.searchParams, stepId, body);
      } catch (error) {
        if (error instanceof BodyTimeout) return endResponse(lettaError(504, 'The request body did not arrive before the deadline.', 'TIMEOUT'));
        if (!(error instanceof ParameterError)) {
          // Nothing a client sent: masked, as GraphQL masks it.
          options.logger.error('unexpected error', { requestId: options.requestIdOf(request), ...describeError(error) });
          return endResponse(lettaError(500, UNEXPECTED, 'INTERNAL_SERVER_ERROR'));
        }
        const { status = 422, code = 'BAD_USER_INPUT' } = error as ParameterError & { status?: number; code?: ErrorCode };
        return endResponse(lettaError(status, error.message, code, [error.location, error.parameter]));
      }
      calls.set(request, call);
      // The pipeline answers anything that goes wrong in it (masked); this is the request's own handler.
      endResponse(await requestHandler(request, serverContext));
    },
    onRequestParse({ request, setRequestParser }) {
      const call = calls.get(request);
      if (call === undefined) return;
      const query = REST_OPERATIONS[call.operation];
      setRequestParser(() => ({
        ...(options.trustedDocumentsOnly ? { documentId: documentId(query) } : { query }),
        operationName: call.operation,
        variables: call.variables,
      }));
    },
    onResultProcess({ request, setResultProcessor }) {
      const call = calls.get(request);
      if (call === undefined) return;
      setResultProcessor((result) => {
        const { data, errors } = result as ExecutionResult<Record<string, any>>;
        const error = errors?.[0];
        if (error !== undefined || data == null) {
          const code = (error?.extensions?.code as ErrorCode | undefined) ?? 'INTERNAL_SERVER_ERROR';
          const http = error?.extensions?.http as { status?: number; headers?: Record<string, string> } | undefined;
          const field = error?.extensions?.field;
          const loc = typeof field === 'string' ? call.parameters[field] : undefined;
          return lettaError(STATUS_OF[code] ?? http?.status ?? 400, error?.message ?? UNEXPECTED, code, loc, http?.headers ?? {});
        }
        const { status, body, headers } = call.respond(data);
        return lettaResponse(status, body, headers);
      }, 'application/json');
    },
    async onResponse({ request, response: sent, setResponse }) {
      // What was refused before a route ran (no key, rate limited, timed out, shutting down) in Letta's shape.
      if (!isLettaApiPath(new URL(request.url).pathname) || sent.status < 400) return;
      if (!(sent.headers.get('content-type') ?? '').includes('json')) return;
      const body = (await sent.clone().json().catch(() => undefined)) as { errors?: { message?: string; extensions?: { code?: ErrorCode } }[] } | undefined;
      const first = body?.errors?.[0];
      if (first === undefined) return;
      const headers = Object.fromEntries(sent.headers);
      delete headers['content-length'];
      setResponse(lettaError(sent.status, first.message ?? UNEXPECTED, first.extensions?.code ?? 'INTERNAL_SERVER_ERROR', undefined, headers));
    },
  };
  return { patches, routes };
}
