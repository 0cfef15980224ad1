/**
 * The benchmark's baseline: the data of scenarios 1, 2, 5, 9, 10 and 11 fetched, and the write of scenario 8 made, by
 * hand-written SQL through `pg`, one statement per request that builds the whole response as JSON in Postgres,
 * served by a minimal HTTP handler. It answers the same body the gateway does (the benchmark checks that), with nothing else: no
 * authentication, no GraphQL, no limits. It prints its address on stdout when it is ready.
 *
 *   DATABASE_URL=... ORGANIZATION_ID=... API_KEY_ID=... node --import tsx scripts/bench/baseline.ts
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import pg from 'pg';

const organizationId = process.env.ORGANIZATION_ID!;
/** The key the entries of scenario 8 are written with, as the gateway records it. */
const apiKeyId = process.env.API_KEY_ID!;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_MAX ?? 10) });

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
/** The payload of the gateway's cursor: base64url of ["steps:desc","<created_at with microseconds>","<id>"]; signed below. */
const cursor = (alias: string) =>
  `rtrim(translate(replace(encode(convert_to(format('["steps:desc","%s","%s"]', ${iso(`${alias}.created_at`)}, ${alias}.id), 'UTF8'), 'base64'), E'\\n', ''), '+/', '-_'), '=')`;
const secret = pool.query<{ value: string }>(`SELECT value FROM gateway_secrets WHERE name = 'cursor'`).then(({ rows }) => rows[0]!.value);
/** The cursor's signature, as the gateway makes it (src/cursors.ts). */
const sign = async (payload: string) => `${payload}.${createHmac('sha256', `cursor:${await secret}`).update(payload).digest('base64url').slice(0, 22)}`;

const STEP_FIELDS = `'id', s.id, 'agentId', s.agent_id, 'runId', s.run_id, 'model', s.model, 'modelHandle', s.model_handle,
  'providerName', s.provider_name, 'status', s.status, 'stopReason', upper(s.stop_reason), 'promptTokens', s.prompt_tokens,
  'completionTokens', s.completion_tokens, 'totalTokens', s.total_tokens, 'feedback', upper(s.feedback),
  'tags', COALESCE(s.tags, '[]'::json), 'createdAt', ${iso('s.created_at')}`;

const PART = `CASE p.part->>'type'
  WHEN 'text' THEN json_build_object('__typename', 'TextContent', 'text', p.part->>'text')
  WHEN 'image' THEN json_build_object('source', json_build_object('__typename',
    CASE p.part->'source'->>'type' WHEN 'url' THEN 'UrlImageSource' WHEN 'base64' THEN 'Base64ImageSource' ELSE 'LettaImageSource' END),
    '__typename', 'ImageContent')
  WHEN 'tool_call' THEN json_build_object('__typename', 'ToolCallContent', 'id', p.part->>'id', 'name', p.part->>'name', 'input', p.part->'input')
  WHEN 'tool_return' THEN json_build_object('__typename', 'ToolReturnContent', 'toolCallId', p.part->>'tool_call_id',
    'content', p.part->>'content', 'isError', COALESCE((p.part->>'is_error')::boolean, false))
  WHEN 'reasoning' THEN json_build_object('__typename', 'ReasoningContent', 'reasoning', p.part->>'reasoning',
    'isNative', COALESCE((p.part->>'is_native')::boolean, false))
  WHEN 'redacted_reasoning' THEN json_build_object('__typename', 'RedactedReasoningContent', 'data', p.part->>'data')
  WHEN 'omitted_reasoning' THEN json_build_object('__typename', 'OmittedReasoningContent', 'signature', p.part->>'signature')
  WHEN 'summarized_reasoning' THEN json_build_object('__typename', 'SummarizedReasoningContent', 'summary', p.part->'summary')
END`;

const CONTENT = `CASE
  WHEN (m.content IS NULL OR json_typeof(m.content) <> 'array' OR json_array_length(m.content) = 0) AND m.text IS NOT NULL
    THEN json_build_array(json_build_object('__typename', 'TextContent', 'text', m.text))
  ELSE COALESCE((SELECT json_agg(${PART} ORDER BY p.ord) FROM json_array_elements(
    CASE WHEN json_typeof(m.content) = 'array' THEN m.content ELSE '[]'::json END) WITH ORDINALITY AS p(part, ord)), '[]'::json)
END`;

const NESTED = `, 'trace', (SELECT json_build_object('id', t.id, 'callType', t.call_type) FROM provider_traces t
      WHERE t.step_id = s.id AND t.organization_id = $1 AND NOT t.is_deleted ORDER BY t.created_at DESC NULLS LAST, t.id DESC LIMIT 1),
  'metrics', (SELECT json_build_object('stepNs', sm.step_ns::text, 'llmRequestNs', sm.llm_request_ns::text, 'toolExecutionNs', sm.tool_execution_ns::text)
      FROM step_metrics sm WHERE sm.id = s.id AND NOT sm.is_deleted),
  'messages', json_build_object('nodes', COALESCE((
    SELECT json_agg(json_build_object('id', m.id, 'role', upper(m.role), 'createdAt', ${iso('m.created_at')}, 'content', ${CONTENT})
                    ORDER BY m.created_at, m.id)
      FROM (SELECT * FROM messages m WHERE m.step_id = s.id AND m.organization_id = $1 AND NOT m.is_deleted
             ORDER BY m.created_at, m.id LIMIT $3) m), '[]'::json))`;

const FEEDBACK_SUMMARY = `, 'feedbackSummary', (
    SELECT json_build_object('count', count(*), 'meanScore', avg(e.score), 'minScore', min(e.score), 'maxScore', max(e.score),
                             'positiveCount', count(*) FILTER (WHERE e.score > 0), 'negativeCount', count(*) FILTER (WHERE e.score < 0),
                             'withCommentCount', count(e.comment))
      FROM gateway_feedback_entries e WHERE e.step_id = s.id AND e.organization_id = $1 AND e.deleted_at IS NULL)`;

/**
 * Scenario 8: an end user's score on a criterion of a step, in one statement. The user's current entry is
 * locked; a different score replaces it and keeps the version it held, the same score changes nothing, and
 * none creates it. $1 organization, $2 step, $3 criterion, $4 score, $5 the user's id, $6 their name, $7 the
 * new entry's id, $8 the key's id.
 */
const SUBMIT = `WITH target AS (
    SELECT s.id FROM steps s WHERE s.id = $2 AND s.organization_id = $1 AND NOT s.is_deleted
  ),
  current AS (
    SELECT e.* FROM gateway_feedback_entries e
     WHERE e.organization_id = $1 AND e.step_id = $2 AND e.name = $3 AND e.submitter_type = 'USER' AND e.submitter_id = $5
       AND e.deleted_at IS NULL AND EXISTS (SELECT 1 FROM target)
       FOR UPDATE
  ),
  replaced AS (
    SELECT c.* FROM current c
     WHERE (c.score, c.comment, c.attributes, c.source, c.submitter_name, c.submitter_email) IS DISTINCT FROM ($4::float8, NULL::text, '{}'::jsonb, 'API', $6::text, NULL::text)
  ),
  archived AS (
    INSERT INTO gateway_feedback_versions (entry_id, version, organization_id, score, comment, attributes, source, submitter_name, submitter_email, api_key_id, recorded_at, replaced_at)
    SELECT id, version, organization_id, score, comment, attributes, source, submitter_name, submitter_email, api_key_id, updated_at, now() FROM replaced
  ),
  updated AS (
    UPDATE gateway_feedback_entries e
       SET score = $4::float8, comment = NULL, attributes = '{}'::jsonb, source = 'API', submitter_name = $6::text, submitter_email = NULL,
           api_key_id = $8, version = e.version + 1, updated_at = now()
      FROM replaced r WHERE e.id = r.id
    RETURNING e.*
  ),
  inserted AS (
    INSERT INTO gateway_feedback_entries (id, organization_id, step_id, name, score, attributes, source, submitter_type, submitter_id, submitter_name, api_key_id)
    SELECT $7, $1, t.id, $3, $4::float8, '{}'::jsonb, 'API', 'USER', $5, $6::text, $8 FROM target t WHERE NOT EXISTS (SELECT 1 FROM current)
    ON CONFLICT (organization_id, step_id, name, submitter_type, submitter_id) WHERE deleted_at IS NULL DO NOTHING
    RETURNING *
  ),
  result AS (
    SELECT 'CREATED' AS outcome, i.* FROM inserted i
    UNION ALL SELECT 'UPDATED', u.* FROM updated u
    UNION ALL SELECT 'UNCHANGED', c.* FROM current c WHERE NOT EXISTS (SELECT 1 FROM replaced)
  )
  SELECT json_build_object('data', json_build_object('submitStepFeedback', json_build_object(
    'outcome', r.outcome,
    'entry', json_build_object('id', r.id, 'stepId', r.step_id, 'name', r.name, 'score', r.score, 'comment', r.comment, 'source', r.source,
      'version', r.version, 'submittedBy', json_build_object('type', r.submitter_type, 'id', r.submitter_id, 'name', r.submitter_name),
      'createdAt', ${iso('r.created_at')}, 'updatedAt', ${iso('r.updated_at')}))))::text AS body,
    NULL AS "endCursor"
    FROM result r`;

/** One page of the organization's steps, newest first, optionally after a (created_at, id) position. */
function pageSql(nested: string, after: boolean) {
  return `WITH page AS (
      SELECT s.*, row_number() OVER (ORDER BY s.created_at DESC, s.id DESC) AS n FROM (
        SELECT * FROM steps s WHERE s.organization_id = $1 AND NOT s.is_deleted
          ${after ? 'AND (s.created_at, s.id) < ($3::timestamptz, $4)' : ''}
        ORDER BY s.created_at DESC, s.id DESC LIMIT $2 + 1) s)
    SELECT json_build_object('data', json_build_object('steps', json_build_object(
      'pageInfo', json_build_object('endCursor', (SELECT ${cursor('s')} FROM page s WHERE s.n = LEAST($2, (SELECT count(*) FROM page))),
                                    'hasNextPage', (SELECT count(*) FROM page) > $2),
      'nodes', COALESCE((SELECT json_agg(json_build_object(${STEP_FIELDS}${nested}) ORDER BY s.n) FROM page s WHERE s.n <= $2), '[]'::json)
    )))::text AS body,
    (SELECT ${cursor('s')} FROM page s WHERE s.n = LEAST($2, (SELECT count(*) FROM page))) AS "endCursor"`;
}

/**
 * Scenario 10: by day (UTC) and model, over `from` — the facts (the gateway's copy of each step with its
 * metrics) or Letta's steps with their metrics joined. $1 organization, $2 created after, $3 created before.
 */
function byModelSql(from: 'facts' | 'steps') {
  const source = from === 'facts' ? 'gateway_step_facts s' : 'steps s LEFT JOIN step_metrics sm ON sm.id = s.id AND NOT sm.is_deleted';
  const duration = from === 'facts' ? 's.step_ns' : 'sm.step_ns';
  return `SELECT json_build_object('data', json_build_object('stepStats', json_build_object('nodes', COALESCE(json_agg(
      json_build_object('bucket', ${iso('g.b')}, 'model', g.model, 'stats', json_build_object('count', g.n, 'failedCount', g.failed,
        'promptTokens', json_build_object('sum', g.prompt), 'completionTokens', json_build_object('sum', g.completion),
        'totalTokens', json_build_object('sum', g.total), 'stepMs', json_build_object('p95', g.p95)))
      ORDER BY g.b, g.model IS NULL, COALESCE(g.model, '')), '[]'::json))))::text AS body, NULL AS "endCursor"
    FROM (SELECT (date_trunc('day', s.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS b, s.model, count(*)::int AS n, (count(*) FILTER (WHERE s.status = 'FAILED'))::int AS failed,
                 COALESCE(sum(s.prompt_tokens), 0)::float8 AS prompt, COALESCE(sum(s.completion_tokens), 0)::float8 AS completion,
                 COALESCE(sum(s.total_tokens), 0)::float8 AS total, (percentile_cont(0.95) WITHIN GROUP (ORDER BY ${duration}) / 1e6)::float8 AS p95
            FROM ${source}
           WHERE s.organization_id = $1 AND NOT s.is_deleted AND s.created_at > $2::timestamptz AND s.created_at < $3::timestamptz
           GROUP BY 1, 2) AS g`;
}

const YEAR_FIELDS = `json_build_object('bucket', ${iso('g.b')}, 'stats', json_build_object('count', g.n, 'failedCount', g.failed,
    'positiveFeedbackCount', g.positive, 'negativeFeedbackCount', g.negative, 'promptTokens', json_build_object('sum', g.prompt),
    'completionTokens', json_build_object('sum', g.completion), 'totalTokens', json_build_object('sum', g.total, 'mean', g.mean)))`;
const yearBody = (groups: string) =>
  `SELECT json_build_object('data', json_build_object('stepStats', json_build_object('nodes', COALESCE(json_agg(${YEAR_FIELDS} ORDER BY g.b), '[]'::json))))::text AS body,
          NULL AS "endCursor" FROM (${groups}) AS g`;

/** The steps of an hour at an edge of scenario 11's range, each as a rollup row of one step. */
const edge = (range: string) => `
      SELECT s.created_at, 1, (s.status = 'FAILED')::int, (s.feedback = 'positive' IS TRUE)::int, (s.feedback = 'negative' IS TRUE)::int,
             COALESCE(s.prompt_tokens, 0), COALESCE(s.completion_tokens, 0), COALESCE(s.total_tokens, 0), (s.total_tokens IS NOT NULL)::int
        FROM gateway_step_facts s WHERE s.organization_id = $1 AND ${range}`;

/**
 * Scenario 11, from the hourly rollups: the whole hours of the range from them, the hours its ends fall within
 * from the facts. $1 organization, $2 created after, $3 created before, $4 the first whole hour, $5 the hour
 * the range ends within.
 */
const YEAR_ROLLUPS = yearBody(`
  SELECT (date_trunc('day', u.at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS b, sum(u.n)::int AS n, sum(u.failed)::int AS failed, sum(u.positive)::int AS positive, sum(u.negative)::int AS negative,
         COALESCE(sum(u.prompt), 0)::float8 AS prompt, COALESCE(sum(u.completion), 0)::float8 AS completion, COALESCE(sum(u.total), 0)::float8 AS total,
         sum(u.total)::float8 / NULLIF(sum(u.total_n), 0) AS mean
    FROM (
      SELECT r.hour_at AS at, r.count AS n, r.failed_count AS failed, r.positive_feedback_count AS positive, r.negative_feedback_count AS negative,
             r.prompt_tokens_sum AS prompt, r.completion_tokens_sum AS completion, r.total_tokens_sum AS total, r.total_tokens_count AS total_n
        FROM gateway_step_rollups r WHERE r.organization_id = $1 AND r.dimension = '' AND r.hour_at >= $4::timestamptz AND r.hour_at < $5::timestamptz
      UNION ALL ${edge('s.created_at > $2::timestamptz AND s.created_at < $4::timestamptz')}
      UNION ALL ${edge('s.created_at >= $5::timestamptz AND s.created_at < $3::timestamptz')}) AS u
   GROUP BY 1 HAVING sum(u.n) > 0`);

/** Scenario 11 from Letta's steps, every step of the range read. */
const YEAR_RAW = yearBody(`
  SELECT (date_trunc('day', s.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS b, count(*)::int AS n, (count(*) FILTER (WHERE s.status = 'FAILED'))::int AS failed,
         (count(*) FILTER (WHERE s.feedback = 'positive'))::int AS positive, (count(*) FILTER (WHERE s.feedback = 'negative'))::int AS negative,
         COALESCE(sum(s.prompt_tokens), 0)::float8 AS prompt, COALESCE(sum(s.completion_tokens), 0)::float8 AS completion,
         COALESCE(sum(s.total_tokens), 0)::float8 AS total, sum(s.total_tokens)::float8 / NULLIF(count(s.total_tokens), 0) AS mean
    FROM steps s
   WHERE s.organization_id = $1 AND NOT s.is_deleted AND s.created_at > $2::timestamptz AND s.created_at < $3::timestamptz
   GROUP BY 1`);

const HOUR_MS = 3_600_000;

const queries = {
  'stats-by-model': byModelSql('facts'),
  'stats-by-model-raw': byModelSql('steps'),
  'stats-year': YEAR_ROLLUPS,
  'stats-year-raw': YEAR_RAW,
  page: pageSql('', false),
  dashboard: pageSql(NESTED, false),
  deep: pageSql('', true),
  'feedback-page': pageSql(FEEDBACK_SUMMARY, false),
  submit: SUBMIT,
};

const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    const scenario = request.url?.slice(1) as keyof typeof queries;
    const { variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      variables: {
        first: number;
        messages?: number;
        after?: string;
        input?: { stepId: string; name: string; score: number; submittedBy: { externalId: string; name: string } };
        filter?: { createdAfter: string; createdBefore: string };
      };
    };
    const input = variables.input;
    const filter = variables.filter;
    const params: unknown[] =
      scenario === 'submit' && input !== undefined
        ? [organizationId, input.stepId, input.name, input.score, input.submittedBy.externalId, input.submittedBy.name, `feedback-${randomUUID()}`, apiKeyId]
        : scenario.startsWith('stats-') && filter !== undefined
          ? [organizationId, filter.createdAfter, filter.createdBefore]
          : [organizationId, variables.first];
    if (scenario === 'stats-year' && filter !== undefined) {
      // The whole hours of the range: after the hour it starts within, before the hour it ends within.
      const hour = (iso: string) => Math.floor(Date.parse(iso) / HOUR_MS) * HOUR_MS;
      params.push(new Date(hour(filter.createdAfter) + HOUR_MS).toISOString(), new Date(hour(filter.createdBefore)).toISOString());
    }
    if (scenario === 'dashboard') params.push(variables.messages);
    if (scenario === 'deep') {
      const payload = variables.after!.slice(0, variables.after!.lastIndexOf('.'));
      const [, createdAt, id] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [string, string, string];
      params.push(createdAt, id);
    }
    const { rows } = await pool.query<{ body: string; endCursor: string | null }>(queries[scenario], params);
    const { body, endCursor } = rows[0]!;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(endCursor === null ? body : body.replace(`"${endCursor}"`, `"${await sign(endCursor)}"`));
  } catch {
    response.writeHead(500).end();
  }
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`baseline at http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end();
});
