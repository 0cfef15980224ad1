import { createHash } from 'node:crypto';

import type { SqlRunner } from './database.ts';

/**
 * Deterministic, realistic synthetic data: the same options always write the same rows. Steps of several
 * agents and models, every message role and content-part type, tool calls and returns, approvals, failed
 * steps with error data, provider traces, metrics, feedback and tags. Written in bulk, a batch of steps
 * (with their messages, traces and metrics) per transaction.
 */
export interface SeedOptions {
  organizationId: string;
  organizationName?: string;
  steps: number;
  seed: number;
  /** The first step's creation time; later steps follow about a minute apart. */
  start?: Date;
  batchSize?: number;
  /** Writes steps alone, without their messages, traces and metrics (for query-plan checks at scale). */
  stepsOnly?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  steps: number;
  messages: number;
  traces: number;
  metrics: number;
}

/** mulberry32: a small, fast PRNG with a 32-bit seed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const chance = (p: number) => next() < p;
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
    hex[12] = '4';
    hex[16] = '89ab'[Math.floor(next() * 4)]!;
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };
  return { next, int, pick, chance, uuid };
}

/**
 * Ids from a hash of what they name, so they are deterministic and, unlike values drawn from a 32-bit
 * generator, do not collide across millions of rows.
 */
function stableId(prefix: string, key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  const variant = '89ab'[parseInt(hex[16]!, 16) % 4]!;
  return `${prefix}-${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A stable seed for a string (FNV-1a), so ids depend on the organization as well as on --seed. */
function hashSeed(text: string, seed: number): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

const MODELS = [
  { providerName: 'openai', model: 'gpt-4o-mini', handle: 'openai/gpt-4o-mini', endpoint: 'https://api.openai.com/v1', window: 128000, reasoning: 'none' },
  { providerName: 'anthropic', model: 'claude-sonnet-4-5', handle: 'anthropic/claude-sonnet-4-5', endpoint: 'https://api.anthropic.com/v1', window: 200000, reasoning: 'native' },
  { providerName: 'openai', model: 'gpt-5', handle: 'openai/gpt-5', endpoint: 'https://api.openai.com/v1', window: 272000, reasoning: 'omitted' },
  { providerName: 'openai', model: 'o4-mini', handle: 'openai/o4-mini', endpoint: 'https://api.openai.com/v1', window: 200000, reasoning: 'summarized' },
  { providerName: 'google_ai', model: 'gemini-2.5-flash', handle: 'google_ai/gemini-2.5-flash', endpoint: 'https://generativelanguage.googleapis.com', window: 1048576, reasoning: 'none' },
] as const;

const TOOLS = [
  { name: 'web_search', input: (r: ReturnType<typeof random>) => ({ query: r.pick(['letta agents memory', 'postgres keyset pagination', 'weather in Paris', 'graphql dataloader']) }) },
  { name: 'archival_memory_search', input: (r: ReturnType<typeof random>) => ({ query: r.pick(['customer preferences', 'last order', 'project deadline']), page: r.int(0, 3) }) },
  { name: 'run_code', input: (r: ReturnType<typeof random>) => ({ language: 'python', code: `print(${r.int(2, 99)} ** 2)` }) },
  { name: 'send_email', input: (r: ReturnType<typeof random>) => ({ to: `user${r.int(1, 50)}@example.com`, subject: 'Your summary' }) },
] as const;

const USER_PROMPTS = [
  'Can you summarize what we discussed yesterday?',
  'Find me three papers on agent memory.',
  'What is 17 squared?',
  'Email the weekly report to the team.',
  'Why did my last deployment fail?',
  'Remember that I prefer short answers.',
];
const TAGS = {
  positive: ['helpful', 'great-reasoning', 'fast', 'needs-review'],
  negative: ['hallucination', 'slow', 'wrong-tool', 'formatting', 'regression', 'needs-review'],
};
const FAILURES = [
  { stopReason: 'llm_api_error', errorType: 'LLMRateLimitError', message: 'Rate limit reached for requests' },
  { stopReason: 'invalid_tool_call', errorType: 'ToolCallValidationError', message: 'Tool "send_email" got an unexpected argument "cc"' },
  { stopReason: 'error', errorType: 'LLMServerError', message: 'The server had an error while processing your request' },
  { stopReason: 'invalid_llm_response', errorType: 'LLMJSONParsingError', message: 'Could not parse tool call arguments' },
  { stopReason: 'context_window_overflow_in_system_prompt', errorType: 'ContextWindowExceededError', message: 'System prompt exceeds the context window' },
  { stopReason: 'insufficient_credits', errorType: 'InsufficientCreditsError', message: 'Your organization has run out of credits' },
] as const;
const SUCCESS_STOPS = ['end_turn', 'end_turn', 'end_turn', 'end_turn', 'no_tool_call', 'max_steps', 'max_tokens_exceeded', 'tool_rule'] as const;

type Row = Record<string, unknown>;

const toMicroIso = (epochMicros: bigint) => {
  const millis = epochMicros / 1000n;
  const micros = Number(epochMicros % 1000n);
  return new Date(Number(millis)).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
};

export function generateBatch(options: SeedOptions, from: number, to: number) {
  const agents = Array.from({ length: 6 }, (_, i) => stableId('agent', `${options.organizationId}|${options.seed}|agent|${i}`));
  const startMicros = BigInt((options.start ?? new Date('2025-11-01T00:00:00Z')).getTime()) * 1000n;

  const steps: Row[] = [];
  const messages: Row[] = [];
  const traces: Row[] = [];
  const metrics: Row[] = [];

  for (let index = from; index < to; index++) {
    // Each step has its own stream, so a batch boundary never changes what a step looks like.
    const r = random(hashSeed(`${options.organizationId}:${index}`, options.seed));
    const org = options.organizationId;
    const key = `${options.organizationId}|${options.seed}|${index}`;
    let serial = 0;
    const nextId = (prefix: string) => stableId(prefix, `${key}|${serial++}`);
    const stepId = nextId('step');
    const agentId = agents[index % agents.length]!;
    const runId = stableId('run', `${options.organizationId}|${options.seed}|run|${Math.floor(index / 4)}`);
    const m = r.pick(MODELS);
    const createdMicros = startMicros + BigInt(index) * 60_000_000n + BigInt(r.int(0, 59_999_999));
    const createdAt = toMicroIso(createdMicros);
    const at = (offsetMs: number) => toMicroIso(createdMicros + BigInt(offsetMs) * 1000n + BigInt(r.int(0, 999)));

    const roll = r.next();
    const failure = roll < 0.08 ? r.pick(FAILURES) : undefined;
    const status = failure ? 'FAILED' : roll < 0.11 ? 'CANCELLED' : roll < 0.14 ? 'PENDING' : 'SUCCESS';
    const needsApproval = status === 'SUCCESS' && r.chance(0.08);
    const stopReason = failure?.stopReason ?? (status === 'CANCELLED' ? 'cancelled' : status === 'PENDING' ? null : needsApproval ? 'requires_approval' : r.pick(SUCCESS_STOPS));
    const promptTokens = r.int(800, 24_000);
    const completionTokens = status === 'PENDING' ? 0 : r.int(20, 1500);
    const reasoningTokens = m.reasoning !== 'none' && status !== 'PENDING' ? r.int(50, 800) : null;
    const cached = m.providerName === 'anthropic' || r.chance(0.3) ? r.int(0, Math.floor(promptTokens * 0.8)) : null;
    const feedbackRoll = r.next();
    const feedback = feedbackRoll < 0.2 ? 'positive' : feedbackRoll < 0.3 ? 'negative' : null;
    const tags = feedback ? [...new Set([r.pick(TAGS[feedback]), ...(r.chance(0.4) ? [r.pick(TAGS[feedback])] : [])])] : [];
    const traceId = r.uuid().replace(/-/g, '');

    steps.push({
      id: stepId,
      organization_id: org,
      provider_id: `provider-${m.providerName}`,
      run_id: runId,
      agent_id: agentId,
      provider_name: m.providerName,
      provider_category: 'base',
      model: m.model,
      model_handle: m.handle,
      model_endpoint: m.endpoint,
      context_window_limit: m.window,
      completion_tokens: completionTokens,
      prompt_tokens: promptTokens,
      total_tokens: promptTokens + completionTokens,
      cached_input_tokens: cached,
      cache_write_tokens: m.providerName === 'anthropic' ? r.int(0, 2000) : null,
      reasoning_tokens: reasoningTokens,
      completion_tokens_details: reasoningTokens === null ? null : { reasoning_tokens: reasoningTokens },
      prompt_tokens_details: cached === null ? null : { cached_tokens: cached },
      stop_reason: stopReason,
      tags,
      trace_id: traceId,
      request_id: r.chance(0.5) ? `req_${r.uuid().replace(/-/g, '').slice(0, 24)}` : null,
      feedback,
      error_type: failure?.errorType ?? null,
      error_data: failure
        ? { message: failure.message, traceback: `Traceback (most recent call last):\n  File "letta/agents/letta_agent.py", line ${r.int(100, 900)}, in step\n${failure.errorType}: ${failure.message}`, details: { attempt: r.int(1, 3) } }
        : null,
      status,
      project_id: r.chance(0.5) ? 'project-default' : null,
      created_at: createdAt,
      updated_at: createdAt,
    });

    // A step's own values are drawn before anything else, so they are the same with or without the rest.
    if (options.stepsOnly) continue;

    const message = (role: string, offsetMs: number, fields: Row) => {
      messages.push({
        id: nextId('message'),
        organization_id: org,
        agent_id: agentId,
        role,
        step_id: stepId,
        run_id: runId,
        model: role === 'assistant' || role === 'approval' ? m.model : null,
        otid: r.uuid(),
        sender_id: role === 'user' ? `identity-${r.int(1, 20)}` : null,
        tool_calls: [],
        is_err: failure ? true : null,
        created_at: at(offsetMs),
        updated_at: at(offsetMs),
        ...fields,
      });
    };
    const reasoningParts = () => {
      const text = r.pick(['The user wants a summary; I should search memory first.', 'I need to call a tool to answer this.', 'Let me check the facts before replying.']);
      switch (m.reasoning) {
        case 'native':
          return r.chance(0.15)
            ? [{ type: 'redacted_reasoning', data: `redacted:${r.uuid()}` }]
            : [{ type: 'reasoning', is_native: true, reasoning: text, signature: `sig_${r.uuid().slice(0, 8)}` }];
        case 'omitted':
          return [{ type: 'omitted_reasoning', signature: `sig_${r.uuid().slice(0, 8)}` }];
        case 'summarized':
          return [{ type: 'summarized_reasoning', id: `rs_${r.uuid().slice(0, 12)}`, summary: [{ index: 0, text }, { index: 1, text: 'Then answer briefly.' }], encrypted_content: `enc_${r.uuid()}` }];
        default:
          return [{ type: 'text', text }];
      }
    };
    const toolCall = (name: string, input: Row) => ({ id: `call_${r.uuid().replace(/-/g, '').slice(0, 20)}`, type: 'function', function: { name, arguments: JSON.stringify(input) } });

    let t = 0;
    if (index % 50 === 0) message('system', t++, { content: [{ type: 'text', text: 'You are a helpful agent with long-term memory.' }] });
    if (index % 40 === 7) message('summary', t++, { content: [{ type: 'text', text: '{"type": "system_alert", "message": "Earlier messages were summarized."}' }] });
    // User input: plain, legacy text-only, or with an image.
    const prompt = r.pick(USER_PROMPTS);
    if (r.chance(0.1)) message('user', t++, { text: prompt, content: null });
    else if (r.chance(0.1)) message('user', t++, { content: [{ type: 'text', text: prompt }, { type: 'image', source: { type: 'letta', file_id: `file-${r.uuid()}`, media_type: 'image/png', detail: 'auto' } }] });
    else message('user', t++, { content: [{ type: 'text', text: prompt }] });

    if (status !== 'PENDING') {
      // One to four tool calls before the reply: about eight messages per step in all.
      const rounds = r.int(1, 4);
      for (let round = 0; round < rounds; round++) {
        const last = round === rounds - 1;
        const tool = r.pick(TOOLS);
        const input = tool.input(r);
        const call = toolCall(tool.name, input);
        message('assistant', (t += 400), {
          content: [...reasoningParts(), ...(r.chance(0.3) ? [{ type: 'tool_call', id: call.id, name: tool.name, input }] : [])],
          tool_calls: [call],
        });
        if (last && needsApproval) {
          const approved = r.chance(0.7);
          message('approval', (t += 50), { content: [], tool_calls: [call] });
          message('approval', (t += 5000), {
            content: [],
            approve: approved,
            approval_request_id: nextId('message'),
            denial_reason: approved ? null : 'Not allowed to send email on weekends.',
            approvals: [
              { type: 'approval', tool_call_id: call.id, approve: approved, reason: approved ? null : 'Not allowed to send email on weekends.' },
              ...(approved ? [{ tool_call_id: call.id, status: 'success', func_response: '{"status": "OK", "message": "sent"}', stdout: [], stderr: [] }] : []),
            ],
          });
          break;
        }
        const errored = last && status === 'FAILED' && r.chance(0.5);
        const listResponse = !errored && r.chance(0.1);
        const funcResponse = listResponse
          ? [{ type: 'text', text: 'Chart attached.' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }]
          : JSON.stringify({ status: errored ? 'Failed' : 'OK', message: errored ? 'Tool execution timed out' : `result ${r.int(1, 999)}` });
        message('tool', (t += r.int(100, 3000)), {
          name: tool.name,
          tool_call_id: call.id,
          content: [{ type: 'tool_return', tool_call_id: call.id, content: typeof funcResponse === 'string' ? funcResponse : 'Chart attached.', is_error: errored }],
          tool_returns: [{ tool_call_id: call.id, status: errored ? 'error' : 'success', func_response: funcResponse, stdout: errored ? [] : ['ok'], stderr: errored ? ['TimeoutError'] : [] }],
        });
      }
      if (status === 'SUCCESS' && !needsApproval) {
        const reply = toolCall('send_message', { message: r.pick(['Here is the summary you asked for.', 'Done! The email was sent.', '17 squared is 289.', 'I found three papers.']) });
        message('assistant', (t += 600), { content: reasoningParts(), tool_calls: [reply] });
        message('tool', (t += 5), {
          name: 'send_message',
          tool_call_id: reply.id,
          content: [{ type: 'text', text: '{"status": "OK", "message": "None"}' }],
          tool_returns: [{ tool_call_id: reply.id, status: 'success', func_response: '{"status": "OK", "message": "None"}' }],
        });
        if (r.chance(0.3)) message('function', (t += 5), { name: 'legacy_function', content: [{ type: 'text', text: 'ok' }] });
      }
    }

    if (status !== 'PENDING' && r.chance(0.92)) {
      traces.push({
        id: nextId('provider_trace'),
        organization_id: org,
        step_id: stepId,
        agent_id: agentId,
        run_id: runId,
        call_type: 'agent_step',
        source: 'letta-server',
        agent_tags: ['demo'],
        org_id: org,
        user_id: `user-${r.uuid()}`,
        llm_config: { model: m.model, model_endpoint: m.endpoint, context_window: m.window, temperature: 0.7 },
        request_json: {
          model: m.model,
          messages: [{ role: 'system', content: 'You are a helpful agent with long-term memory.' }, { role: 'user', content: prompt }],
          tools: TOOLS.map((tool) => ({ type: 'function', function: { name: tool.name } })),
          temperature: 0.7,
        },
        response_json: failure
          ? { error: { type: failure.errorType, message: failure.message } }
          : { id: `chatcmpl-${r.uuid().slice(0, 12)}`, model: m.model, usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens }, choices: [{ finish_reason: 'tool_calls' }] },
        created_at: at(t + 1),
        updated_at: at(t + 1),
      });
    }

    if (status !== 'PENDING' && r.chance(0.95)) {
      const stepStartNs = createdMicros * 1000n + BigInt(r.int(0, 999));
      const llmRequestNs = BigInt(r.int(200, 9000)) * 1_000_000n + BigInt(r.int(0, 999_999));
      const toolExecutionNs = BigInt(r.int(1, 3000)) * 1_000_000n;
      metrics.push({
        id: stepId,
        organization_id: org,
        provider_id: `provider-${m.providerName}`,
        run_id: runId,
        agent_id: agentId,
        project_id: null,
        step_start_ns: stepStartNs.toString(),
        llm_request_start_ns: (stepStartNs + 1_500_000n).toString(),
        llm_request_ns: llmRequestNs.toString(),
        tool_execution_ns: toolExecutionNs.toString(),
        step_ns: (llmRequestNs + toolExecutionNs + 3_000_000n).toString(),
        created_at: createdAt,
        updated_at: createdAt,
      });
    }
  }
  return { steps, messages, traces, metrics };
}

/** Inserts rows in one statement and returns how many were new (rows already there are left alone). */
async function insertRows(sql: Pick<SqlRunner, 'query'>, table: string, rows: Row[]): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].map((column) => `"${column}"`).join(', ');
  // json_populate_recordset maps JSON keys onto the table's own column types in one statement; listing
  // the columns lets the others (such as messages.sequence_id) take their defaults.
  const [result] = await sql.query<{ count: number }>(
    `WITH inserted AS (
       INSERT INTO "${table}" (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::"${table}", $1::json)
       ON CONFLICT (id) DO NOTHING RETURNING 1)
     SELECT count(*)::int AS count FROM inserted`,
    [JSON.stringify(rows)],
  );
  return result?.count ?? 0;
}

export async function seed(sql: SqlRunner, options: SeedOptions): Promise<SeedResult> {
  const batchSize = options.batchSize ?? 1000;
  await sql.query(`INSERT INTO organizations (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [
    options.organizationId,
    options.organizationName ?? 'Seeded organization',
  ]);
  const result: SeedResult = { steps: 0, messages: 0, traces: 0, metrics: 0 };
  for (let from = 0; from < options.steps; from += batchSize) {
    const to = Math.min(options.steps, from + batchSize);
    const batch = generateBatch(options, from, to);
    const inserted = await sql.transaction(async (tx) => ({
      steps: await insertRows(tx, 'steps', batch.steps),
      messages: await insertRows(tx, 'messages', batch.messages),
      traces: await insertRows(tx, 'provider_traces', batch.traces),
      metrics: await insertRows(tx, 'step_metrics', batch.metrics),
    }));
    result.steps += inserted.steps;
    result.messages += inserted.messages;
    result.traces += inserted.traces;
    result.metrics += inserted.metrics;
    options.onProgress?.(to, options.steps);
  }
  return result;
}
