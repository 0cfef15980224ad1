import { createHash } from 'node:crypto';

import { getOperationAST, parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';

import type { Principal } from '../auth/principal.ts';
import type { Database } from '../db/database.ts';
import { inRequestScope, requestScope, scopeOf } from '../db/request-scope.ts';
import { failureResponse } from '../errors.ts';
import { describeError, type Logger } from '../logger.ts';
import { errorResponse, response } from './responses.ts';
import { GRAPHQL_PATH } from './paths.ts';

/** How long a response is remembered for its key. */
export const IDEMPOTENCY_TTL_HOURS = 24;
const KEY = /^[\x21-\x7e]{1,255}$/;

interface Claim {
  organizationId: string;
  key: string;
}

/**
 * Whether a request body is a mutation: the document it carries (or names, with trusted documents) parsed
 * with the same token limit as the gateway's parser, and its operation picked as execution would pick it.
 * Anything that does not parse, or names no single operation, cannot run, so it cannot write.
 */
function isMutation(body: string, documentOf: (params: Record<string, unknown>) => string | undefined, maxTokens: number): boolean {
  try {
    const params = JSON.parse(body) as unknown;
    if (params === null || typeof params !== 'object' || Array.isArray(params)) return false;
    const text = documentOf(params as Record<string, unknown>);
    if (text === undefined) return false;
    const { operationName } = params as { operationName?: unknown };
    const operation = getOperationAST(parse(text, { maxTokens }), typeof operationName === 'string' ? operationName : undefined);
    return operation?.operation === 'mutation';
  } catch {
    return false;
  }
}

/**
 * `Idempotency-Key` on a POST of a mutation: the first request with a key runs and its response is stored
 * (per organization, for a day); a retry with the same key and the same body gets that response again without
 * running, marked `Idempotent-Replayed: true`. A query with a key runs as usual and nothing is stored: it
 * changes nothing, so running it again is safe, and a stored answer would be stale. The same key with another
 * body is refused (422), and so is a retry while the first still runs (409). A first request that fails in
 * passing (5xx: the database was unavailable, the deadline passed) releases its key, so that the retry runs.
 */
export function idempotencyKeys(options: {
  db: Database;
  logger: Logger;
  requestIdOf: (request: Request) => string;
  principalOf: (request: Request) => Principal;
  maxBodyBytes: number;
  /** The document of a request's parameters: its query, or the trusted document it names. */
  documentOf: (params: Record<string, unknown>) => string | undefined;
  /** The token limit of the gateway's parser. */
  maxTokens: number;
  /** A request never runs longer: a key still pending after twice as long was left by a process that died. */
  requestTimeoutMs: number;
}): Plugin {
  const { db, logger, requestIdOf } = options;
  const claims = new WeakMap<Request, Claim>();
  let lastSweep = 0;

  /** Expired keys go, a batch at a time, at most once a minute per process, beside the request that triggers it. */
  function sweep() {
    if (Date.now() - lastSweep < 60_000) return;
    lastSweep = Date.now();
    requestScope
      .exit(() =>
        db.sql.query(
          `DELETE FROM gateway_idempotency_keys WHERE ctid IN (SELECT ctid FROM gateway_idempotency_keys WHERE expires_at <= now() LIMIT 10000)`,
        ),
      )
      .catch((error: unknown) => logger.warn('sweeping expired idempotency keys failed', describeError(error)));
  }


  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== GRAPHQL_PATH || request.method !== 'POST') return;
      const key = request.headers.get('idempotency-key');
      if (key === null) return;
      if (!KEY.test(key)) {
        endResponse(errorResponse(400, 'Idempotency-Key must be 1 to 255 visible ASCII characters.', 'BAD_REQUEST'));
        return;
      }
      // The body is read twice (here for its hash, then by the parser): only with a length known up front.
      const length = request.headers.get('content-length');
      if (length === null || !/^\d+$/.test(length)) {
        endResponse(errorResponse(411, 'A request with an Idempotency-Key needs a Content-Length.', 'BAD_REQUEST'));
        return;
      }
      if (Number(length) > options.maxBodyBytes) {
        endResponse(errorResponse(413, 'Request body too large', 'REQUEST_ENTITY_TOO_LARGE'));
        return;
      }
      try {
        const body = await request.clone().text();
        if (!isMutation(body, options.documentOf, options.maxTokens)) return;
        const { organizationId, feedbackToken } = options.principalOf(request);
        // A feedback token's keys are its own: a browser cannot claim, or replay, a key its organization's programs use.
        const scoped = feedbackToken !== undefined ? `feedback-token:${feedbackToken.subject}:${key}` : key;
        const hash = createHash('sha256').update(body).digest('hex');
        await inRequestScope(request, () => claimOrReplay(request, endResponse, organizationId, scoped, hash), { bookkeeping: true });
      } catch (error) {
        logger.warn('idempotency store failed', { requestId: requestIdOf(request), ...describeError(error) });
        endResponse(failureResponse(error));
      }
    },
    async onResponse({ request, response }) {
      const claim = claims.get(request);
      if (claim === undefined) return;
      claims.delete(request);
      // Outside the request's scope: the request may have ended (deadline passed), its key must still be settled.
      await requestScope.exit(() => settle(request, response, claim));
    },
  };

  /** Claims the key for this request, or answers from (or about) the request that claimed it first. */
  async function claimOrReplay(request: Request, endResponse: (response: Response) => void, organizationId: string, key: string, hash: string) {
    await db.sql.query(
      `DELETE FROM gateway_idempotency_keys
        WHERE organization_id = $1 AND key = $2
          AND (expires_at <= now() OR (state = 'pending' AND created_at < now() - make_interval(secs => $3)))`,
      [organizationId, key, (2 * options.requestTimeoutMs) / 1000],
    );
    const claimed = await db.sql.query(
      `INSERT INTO gateway_idempotency_keys (organization_id, key, request_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(hours => $4))
       ON CONFLICT DO NOTHING RETURNING 1`,
      [organizationId, key, hash, IDEMPOTENCY_TTL_HOURS],
    );
    if (claimed.length > 0) {
      claims.set(request, { organizationId, key });
      sweep();
      return;
    }
    const [stored] = await db.sql.query<{ request_hash: string; state: string; status: number; content_type: string | null; body: string }>(
      `SELECT request_hash, state, status, content_type, body FROM gateway_idempotency_keys WHERE organization_id = $1 AND key = $2`,
      [organizationId, key],
    );
    if (stored === undefined) {
      // Released between our insert and our read: the client may simply retry.
      endResponse(errorResponse(409, 'A request with this Idempotency-Key just finished without a result. Retry.', 'IDEMPOTENCY_KEY_IN_USE', { 'retry-after': '1' }));
    } else if (stored.request_hash !== hash) {
      endResponse(errorResponse(422, 'This Idempotency-Key was used for a different request: use a new key for a new request.', 'IDEMPOTENCY_KEY_REUSED'));
    } else if (stored.state !== 'done') {
      endResponse(errorResponse(409, 'A request with this Idempotency-Key is still running. Retry in a moment.', 'IDEMPOTENCY_KEY_IN_USE', { 'retry-after': '1' }));
    } else {
      endResponse(
        response(stored.body, stored.status, {
          'content-type': stored.content_type ?? 'application/json; charset=utf-8',
          'idempotent-replayed': 'true',
        }),
      );
    }
  }

  async function settle(request: Request, response: Response, claim: Claim) {
    try {
      if (response.status >= 500) {
        // Released only when the request cannot have changed anything, so that its retry runs at once. One
        // that may have written keeps its key pending: a retry is refused (409) until the first is surely
        // over (twice the deadline), and then runs; it never overlaps the first.
        if (scopeOf(request)?.mayHaveWritten !== true) {
          await db.sql.query(`DELETE FROM gateway_idempotency_keys WHERE organization_id = $1 AND key = $2`, [claim.organizationId, claim.key]);
        }
        return;
      }
      await db.sql.query(
        `UPDATE gateway_idempotency_keys SET state = 'done', status = $3, content_type = $4, body = $5
          WHERE organization_id = $1 AND key = $2`,
        [claim.organizationId, claim.key, response.status, response.headers.get('content-type'), await response.clone().text()],
      );
    } catch (error) {
      // The response still goes out; a retry finds the key pending until it is taken as abandoned.
      logger.error('idempotency store failed', { requestId: requestIdOf(request), ...describeError(error) });
    }
  }
}
