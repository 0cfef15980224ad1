/**
 * Which database failures are passing: the server is down, restarting, failing over or out of connections
 * ("unavailable"), a statement ran out of time ("timeout"), or a transaction lost a conflict ("conflict").
 * They reach the gateway as pg errors, socket errors or Prisma errors wrapping either, so every layer of the
 * chain is looked at.
 */
export type DatabaseFailure = 'unavailable' | 'timeout' | 'conflict';

/** SQLSTATEs: admin shutdown, crash shutdown, cannot connect now (starting up), connection exceptions, too many connections. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const CONFLICT_STATES = new Set(['40001', '40P01']);
/** query_canceled: a statement timeout, or a cancel request. */
const TIMEOUT_STATES = new Set(['57014']);
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Prisma: can't reach the server, it timed out, it closed the connection, no connection from the pool in time. */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** pg raises these as plain Errors, without a code. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Can't reach database server|Server has closed the connection|Connection ended unexpectedly|the database system is (starting up|shutting down|in recovery mode)/i;

/** Failures where the statement cannot have reached the server, so that even a write may be sent again. */
const NOT_SENT_STATES = new Set(['57P03', '53300']);
const NOT_SENT_KINDS = new Set(['DatabaseNotReachable', 'TooManyConnections']);
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'P1001', 'P2024']);
const NOT_SENT_MESSAGES = /timeout exceeded when trying to connect|Can't reach database server/i;

interface Facts {
  names: Set<string>;
  states: Set<string>;
  kinds: Set<string>;
  codes: Set<string>;
  messages: string[];
}

/** Every code, kind and message along an error's chain of causes and wrappers. */
function factsOf(error: unknown): Facts {
  const facts: Facts = { names: new Set(), states: new Set(), kinds: new Set(), codes: new Set(), messages: [] };
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number) => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 8) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    for (const key of ['code', 'originalCode'] as const) {
      const code = record[key];
      if (typeof code !== 'string') continue;
      if (/^[0-9A-Z]{5}$/.test(code)) facts.states.add(code);
      facts.codes.add(code);
    }
    if (typeof record.kind === 'string') facts.kinds.add(record.kind);
    if (typeof record.name === 'string') facts.names.add(record.name);
    if (typeof record.message === 'string') facts.messages.push(record.message);
    for (const key of ['cause', 'originalError', 'meta', 'driverAdapterError']) visit(record[key], depth + 1);
    if (Array.isArray(record.errors)) for (const inner of record.errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return facts;
}

const some = <T>(values: Set<T>, wanted: Set<T>) => [...values].some((value) => wanted.has(value));

export function classifyDatabaseError(error: unknown): DatabaseFailure | undefined {
  const facts = factsOf(error);
  // The request's deadline passed (or its client left) before a statement could start.
  if (facts.names.has('RequestAbortedError')) return 'timeout';
  if (some(facts.states, TIMEOUT_STATES)) return 'timeout';
  if (some(facts.states, CONFLICT_STATES) || facts.kinds.has('TransactionWriteConflict') || facts.codes.has('P2034')) return 'conflict';
  if (
    some(facts.states, UNAVAILABLE_STATES) ||
    some(facts.kinds, UNAVAILABLE_KINDS) ||
    some(facts.codes, UNAVAILABLE_SOCKET_CODES) ||
    some(facts.codes, UNAVAILABLE_PRISMA_CODES) ||
    facts.messages.some((message) => UNAVAILABLE_MESSAGES.test(message))
  ) {
    return 'unavailable';
  }
  return undefined;
}

/**
 * Whether a failed statement may be sent once more. A read may, after any passing failure but a timeout
 * (it would only time out again). A write may only when it cannot have been applied: it lost a conflict
 * (Postgres rolled it back) or it never reached the server.
 */
export function mayRetry(error: unknown, statement: 'read' | 'write'): boolean {
  const failure = classifyDatabaseError(error);
  if (failure === undefined || failure === 'timeout') return false;
  if (statement === 'read' || failure === 'conflict') return true;
  const facts = factsOf(error);
  return (
    some(facts.states, NOT_SENT_STATES) ||
    some(facts.kinds, NOT_SENT_KINDS) ||
    some(facts.codes, NOT_SENT_CODES) ||
    facts.messages.some((message) => NOT_SENT_MESSAGES.test(message))
  );
}
