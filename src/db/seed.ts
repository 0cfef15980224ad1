import { createHash } from 'node:crypto';

import type { SqlRunner } from './database.ts';

/**
 * Deterministic, realistic synthetic data: the same options always write the same rows. Steps of several
 * agents and models, every message role and content-part type, tool calls and returns, approvals, failed
 * steps with error data, provider traces, metrics, feedback and tags, scored feedback entries. Written in bulk, a batch of steps
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
  /** Writes steps with their metrics and feedback entries, without their messages and traces (for aggregates and query plans at scale). */
  stepsOnly?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  steps: number;
  messages: number;
  traces: number;
  metrics: number;
  feedbackEntries: number;
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

type Random = ReturnType<typeof random>;

/** One tool call of a scenario: what the agent asked for and what the tool answered. */
interface ToolRound {
  name: string;
  input: Row;
  /** The tool's answer: a string (usually JSON), or text and image parts. */
  output: string | Row[];
}

/**
 * What a step is about: the user's request, the tool calls the agent makes for it (one to four, each answered
 * by what that tool would return for that input), and the reply that follows from the answers. Numbers are
 * computed, so the demo reads true in GraphiQL: `print(17 ** 2)` returns 289, and the reply says so.
 */
interface Scenario {
  prompt: string;
  rounds: ToolRound[];
  reply: string;
  /** A tool that needs a person's approval first (sending email). */
  sensitive?: boolean;
}

const ok = (message: string) => JSON.stringify({ status: 'OK', message });

const PAPERS = [
  'MemGPT: Towards LLMs as Operating Systems',
  'Generative Agents: Interactive Simulacra of Human Behavior',
  'Reflexion: Language Agents with Verbal Reinforcement Learning',
  'Cognitive Architectures for Language Agents',
  'A Survey on the Memory Mechanism of Large Language Model based Agents',
];
const CITIES = [
  { city: 'Paris', celsius: 14, sky: 'light rain' },
  { city: 'Tokyo', celsius: 22, sky: 'clear skies' },
  { city: 'Lisbon', celsius: 19, sky: 'sunshine' },
  { city: 'Oslo', celsius: 3, sky: 'snow showers' },
];
const FAILED_DEPLOYS = [
  { service: 'billing-api', cause: 'the environment variable STRIPE_KEY is not set', fix: 'set STRIPE_KEY in the production environment' },
  { service: 'web', cause: 'the health check on /readyz timed out after 30 s', fix: 'raise the start-up timeout or speed up migrations' },
  { service: 'worker', cause: 'the image could not be pulled (401 from the registry)', fix: 'renew the registry token' },
];

const SCENARIOS: ((r: Random) => Scenario)[] = [
  (r) => {
    const n = r.int(2, 99);
    return {
      prompt: `What is ${n} squared?`,
      rounds: [{ name: 'run_code', input: { language: 'python', code: `print(${n} ** 2)` }, output: JSON.stringify({ status: 'OK', stdout: `${n * n}\n` }) }],
      reply: `${n} squared is ${n * n}.`,
    };
  },
  (r) => {
    const [a, b] = [r.int(100, 999), r.int(2, 60)];
    return {
      prompt: `If a run costs $${a} a day, what does it cost over ${b} days?`,
      rounds: [{ name: 'run_code', input: { language: 'python', code: `print(${a} * ${b})` }, output: JSON.stringify({ status: 'OK', stdout: `${a * b}\n` }) }],
      reply: `$${a} a day for ${b} days comes to $${(a * b).toLocaleString('en-US')}.`,
    };
  },
  (r) => {
    const start = r.int(0, 2);
    const found = PAPERS.slice(start, start + 3);
    return {
      prompt: 'Find me three papers on agent memory.',
      rounds: [
        { name: 'web_search', input: { query: 'agent memory' }, output: JSON.stringify({ status: 'OK', results: [PAPERS[4]] }) },
        { name: 'web_search', input: { query: 'LLM agent long-term memory papers' }, output: JSON.stringify({ status: 'OK', results: found }) },
      ],
      reply: `Here are three: ${found.map((title) => `"${title}"`).join(', ')}.`,
    };
  },
  (r) => {
    const place = r.pick(CITIES);
    return {
      prompt: `What is the weather in ${place.city} right now?`,
      rounds: [
        { name: 'web_search', input: { query: `weather in ${place.city}` }, output: JSON.stringify({ status: 'OK', results: [`${place.city}: ${place.celsius} °C, ${place.sky}`] }) },
      ],
      reply: `It is ${place.celsius} °C in ${place.city}, with ${place.sky}.`,
    };
  },
  (r) => {
    const day = r.pick(['Monday', 'Tuesday', 'Wednesday', 'Thursday']);
    return {
      prompt: 'Can you summarize what we discussed yesterday?',
      rounds: [
        {
          name: 'archival_memory_search',
          input: { query: 'conversation yesterday', page: 0 },
          output: JSON.stringify({ status: 'OK', results: [`${day}: planned the Q3 launch; agreed to move the beta to the 14th`, `${day}: asked for shorter status emails`] }),
        },
      ],
      reply: 'Yesterday we planned the Q3 launch, moved the beta to the 14th, and you asked for shorter status emails.',
    };
  },
  (r) => {
    const deploy = r.pick(FAILED_DEPLOYS);
    return {
      prompt: 'Why did my last deployment fail?',
      rounds: [
        {
          name: 'archival_memory_search',
          input: { query: 'last deployment', page: 0 },
          output: JSON.stringify({ status: 'OK', results: [`deploy #${r.int(100, 999)} of ${deploy.service}: failed`] }),
        },
        { name: 'web_search', input: { query: `${deploy.service} deploy logs` }, output: JSON.stringify({ status: 'OK', results: [`error: ${deploy.cause}`] }) },
      ],
      reply: `The ${deploy.service} deployment failed because ${deploy.cause}. To fix it, ${deploy.fix}.`,
    };
  },
  () => ({
    prompt: 'Remember that I prefer short answers.',
    rounds: [{ name: 'core_memory_append', input: { label: 'human', content: 'Prefers short answers.' }, output: ok('None') }],
    reply: 'Noted: short answers from now on.',
  }),
  (r) => {
    const to = `team-${r.pick(['eng', 'sales', 'ops'])}@example.com`;
    return {
      prompt: 'Email the weekly report to the team.',
      rounds: [
        { name: 'archival_memory_search', input: { query: 'weekly report', page: 0 }, output: JSON.stringify({ status: 'OK', results: ['weekly-report.md: 12 issues closed, 3 opened'] }) },
        { name: 'send_email', input: { to, subject: 'Weekly report', body: '12 issues closed, 3 opened.' }, output: ok(`sent to ${to}`) },
      ],
      reply: `Done: the weekly report went to ${to}.`,
      sensitive: true,
    };
  },
  (r) => {
    const days = r.int(3, 14);
    return {
      prompt: `Plot my token usage over the last ${days} days.`,
      rounds: [
        { name: 'run_code', input: { language: 'python', code: `plot_usage(days=${days})` }, output: [{ type: 'text', text: `Token usage, last ${days} days.` }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
      ],
      reply: `Here is your token usage over the last ${days} days.`,
    };
  },
  (r) => {
    const n = r.int(3, 9);
    return {
      prompt: `Find the ${n} most recent support tickets about refunds and tell me how many are still open.`,
      rounds: [
        { name: 'archival_memory_search', input: { query: 'support tickets refund', page: 0 }, output: JSON.stringify({ status: 'OK', results: [`${n} tickets found`] }) },
        { name: 'archival_memory_search', input: { query: 'support tickets refund', page: 1 }, output: JSON.stringify({ status: 'OK', results: [] }) },
        { name: 'run_code', input: { language: 'python', code: `print(sum(t.open for t in tickets[:${n}]))` }, output: JSON.stringify({ status: 'OK', stdout: `${Math.ceil(n / 3)}\n` }) },
        { name: 'core_memory_append', input: { label: 'human', content: 'Tracks refund tickets.' }, output: ok('None') },
      ],
      reply: `${Math.ceil(n / 3)} of the ${n} most recent refund tickets are still open.`,
    };
  },
];

/** Why an agent calls a tool, as its reasoning says it. */
function reasoningFor(tool: string, round: number): string {
  const why: Record<string, string> = {
    run_code: 'This needs an exact computation: I will run it rather than guess.',
    web_search: round === 0 ? 'I should look this up on the web.' : 'The first search was too broad; I will narrow it.',
    archival_memory_search: round === 0 ? 'The answer should be in archival memory; I will search it.' : 'I will read the next page of results.',
    core_memory_append: 'This is worth remembering about the user.',
    send_email: 'I have the report; now I send it.',
  };
  return why[tool] ?? `I will call ${tool}.`;
}

/** Every tool the demo's agents have, as their provider requests list them. */
const TOOL_NAMES = ['archival_memory_search', 'core_memory_append', 'run_code', 'send_email', 'send_message', 'web_search'];

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

/**
 * One step as it is being drawn: its random stream, its ids, and the facts every table's rows follow from
 * (its model, outcome, scenario). The rows are drawn in a fixed order from the one stream (step, messages,
 * trace, metrics), so a step looks the same in every batch and with or without the rest.
 */
interface StepDraw {
  r: Random;
  org: string;
  key: string;
  nextId: (prefix: string) => string;
  stepId: string;
  agentId: string;
  runId: string;
  m: (typeof MODELS)[number];
  createdMicros: bigint;
  createdAt: string;
  at: (offsetMs: number) => string;
  failure: (typeof FAILURES)[number] | undefined;
  status: 'FAILED' | 'CANCELLED' | 'PENDING' | 'SUCCESS';
  scenario: Scenario;
  needsApproval: boolean;
}

function beginStep(options: SeedOptions, index: number, agents: string[], startMicros: bigint): StepDraw {
  // Each step has its own stream, so a batch boundary never changes what a step looks like.
  const r = random(hashSeed(`${options.organizationId}:${index}`, options.seed));
  const key = `${options.organizationId}|${options.seed}|${index}`;
  let serial = 0;
  const nextId = (prefix: string) => stableId(prefix, `${key}|${serial++}`);
  const stepId = nextId('step');
  const m = r.pick(MODELS);
  const createdMicros = startMicros + BigInt(index) * 60_000_000n + BigInt(r.int(0, 59_999_999));
  const roll = r.next();
  const failure = roll < 0.08 ? r.pick(FAILURES) : undefined;
  const status = failure ? 'FAILED' : roll < 0.11 ? 'CANCELLED' : roll < 0.14 ? 'PENDING' : 'SUCCESS';
  // What the step is about, drawn from a stream of its own, so that the step's own values stay the same
  // whatever a scenario draws. Only a step that sends email waits for approval.
  const scenario = r.pick(SCENARIOS)(random(hashSeed(`${key}|scenario`, options.seed)));
  const needsApproval = status === 'SUCCESS' && scenario.sensitive === true && r.chance(0.6);
  return {
    r,
    org: options.organizationId,
    key,
    nextId,
    stepId,
    agentId: agents[index % agents.length]!,
    runId: stableId('run', `${options.organizationId}|${options.seed}|run|${Math.floor(index / 4)}`),
    m,
    createdMicros,
    createdAt: toMicroIso(createdMicros),
    at: (offsetMs: number) => toMicroIso(createdMicros + BigInt(offsetMs) * 1000n + BigInt(r.int(0, 999))),
    failure,
    status,
    scenario,
    needsApproval,
  };
}

function stepRow(d: StepDraw): Row {
  const { r, m, failure, status } = d;
  const stopReason = failure?.stopReason ?? (status === 'CANCELLED' ? 'cancelled' : status === 'PENDING' ? null : d.needsApproval ? 'requires_approval' : r.pick(SUCCESS_STOPS));
  const promptTokens = r.int(800, 24_000);
  const completionTokens = status === 'PENDING' ? 0 : r.int(20, 1500);
  const reasoningTokens = m.reasoning !== 'none' && status !== 'PENDING' ? r.int(50, 800) : null;
  const cached = m.providerName === 'anthropic' || r.chance(0.3) ? r.int(0, Math.floor(promptTokens * 0.8)) : null;
  const feedbackRoll = r.next();
  const feedback = feedbackRoll < 0.2 ? 'positive' : feedbackRoll < 0.3 ? 'negative' : null;
  const tags = feedback ? [...new Set([r.pick(TAGS[feedback]), ...(r.chance(0.4) ? [r.pick(TAGS[feedback])] : [])])] : [];
  const traceId = r.uuid().replace(/-/g, '');
  return {
    id: d.stepId,
    organization_id: d.org,
    provider_id: `provider-${m.providerName}`,
    run_id: d.runId,
    agent_id: d.agentId,
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
    created_at: d.createdAt,
    updated_at: d.createdAt,
  };
}

/** The step's messages, in the order Letta writes them; returns the time offset (ms) of the last one. */
function messageRows(d: StepDraw, index: number, messages: Row[]): number {
  const { r, m, failure, status, scenario, needsApproval, nextId } = d;
  const message = (role: string, offsetMs: number, fields: Row) => {
    messages.push({
      id: d.nextId('message'),
      organization_id: d.org,
      agent_id: d.agentId,
      role,
      step_id: d.stepId,
      run_id: d.runId,
      model: role === 'assistant' || role === 'approval' ? m.model : null,
      otid: r.uuid(),
      sender_id: role === 'user' ? `identity-${r.int(1, 20)}` : null,
      tool_calls: [],
      is_err: failure ? true : null,
      created_at: d.at(offsetMs),
      updated_at: d.at(offsetMs),
      ...fields,
    });
  };
  /** The model's reasoning before a call: why it calls the tool, or that it can answer now. */
  const reasoningParts = (text: string) => {
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
  const prompt = scenario.prompt;
  // User input: plain, legacy text-only, or with an image.
  if (r.chance(0.1)) message('user', t++, { text: prompt, content: null });
  else if (r.chance(0.1)) message('user', t++, { content: [{ type: 'text', text: prompt }, { type: 'image', source: { type: 'letta', file_id: `file-${r.uuid()}`, media_type: 'image/png', detail: 'auto' } }] });
  else message('user', t++, { content: [{ type: 'text', text: prompt }] });

  if (status !== 'PENDING') {
    for (const [round, { name, input, output }] of scenario.rounds.entries()) {
      const last = round === scenario.rounds.length - 1;
      const call = toolCall(name, input);
      message('assistant', (t += 400), {
        content: [...reasoningParts(reasoningFor(name, round)), ...(r.chance(0.3) ? [{ type: 'tool_call', id: call.id, name, input }] : [])],
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
            ...(approved ? [{ tool_call_id: call.id, status: 'success', func_response: output, stdout: [], stderr: [] }] : []),
          ],
        });
        break;
      }
      const errored = last && status === 'FAILED' && r.chance(0.5);
      const funcResponse = errored ? JSON.stringify({ status: 'Failed', message: `${name} timed out after 30 s` }) : output;
      const text = typeof funcResponse === 'string' ? funcResponse : String((funcResponse[0] as { text?: string }).text ?? '');
      message('tool', (t += r.int(100, 3000)), {
        name,
        tool_call_id: call.id,
        content: [{ type: 'tool_return', tool_call_id: call.id, content: text, is_error: errored }],
        tool_returns: [{ tool_call_id: call.id, status: errored ? 'error' : 'success', func_response: funcResponse, stdout: errored ? [] : ['ok'], stderr: errored ? ['TimeoutError'] : [] }],
      });
    }
    if (status === 'SUCCESS' && !needsApproval) {
      const reply = toolCall('send_message', { message: scenario.reply });
      message('assistant', (t += 600), { content: reasoningParts('I have what I need; I will answer briefly.'), tool_calls: [reply] });
      message('tool', (t += 5), {
        name: 'send_message',
        tool_call_id: reply.id,
        content: [{ type: 'text', text: '{"status": "OK", "message": "None"}' }],
        tool_returns: [{ tool_call_id: reply.id, status: 'success', func_response: '{"status": "OK", "message": "None"}' }],
      });
      if (r.chance(0.3)) message('function', (t += 5), { name: 'legacy_function', content: [{ type: 'text', text: 'ok' }] });
    }
  }
  return t;
}

/** The step's provider trace, written after its last message (most steps that ran have one). */
function traceRow(d: StepDraw, step: Row, lastMessageMs: number, traces: Row[]): void {
  const { r, m, failure, status, nextId, org, stepId, agentId, runId, at } = d;
  const { prompt_tokens: promptTokens, completion_tokens: completionTokens } = step;
  const prompt = d.scenario.prompt;
  const t = lastMessageMs;
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
        tools: TOOL_NAMES.map((name) => ({ type: 'function', function: { name } })),
        temperature: 0.7,
      },
      response_json: failure
        ? { error: { type: failure.errorType, message: failure.message } }
        : { id: `chatcmpl-${r.uuid().slice(0, 12)}`, model: m.model, usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens }, choices: [{ finish_reason: 'tool_calls' }] },
      created_at: at(t + 1),
      updated_at: at(t + 1),
    });
  }
}

/** The step's timing metrics (most steps that ran have them). */
function metricsRow(d: StepDraw, seedValue: number, metrics: Row[]): void {
  const { m, status, createdMicros, createdAt, stepId, org, runId, agentId } = d;
  // A stream of the step's own, so that its metrics are the same with or without its messages and trace.
  const r = random(hashSeed(`${d.key}|metrics`, seedValue));
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

const CRITERIA = ['overall', 'overall', 'helpfulness', 'accuracy', 'tone'] as const;
const REVIEWERS = [
  { id: 'reviewer-ana', name: 'Ana Ortiz', email: 'ana@example.com' },
  { id: 'reviewer-ben', name: 'Ben Okafor', email: 'ben@example.com' },
  { id: 'reviewer-chen', name: 'Chen Wei', email: null },
] as const;
const COMMENTS = {
  good: ['Exactly what the user needed.', 'Clear and correct.', 'Good use of the tool results.', 'Polite and concise.'],
  bad: ['Missed the second question.', 'The date in the answer is wrong.', 'Too long; the user asked for one line.', 'Called the tool twice for nothing.'],
} as const;

/**
 * Scored feedback entries on about a quarter of the steps: reviewers in a review app, end users through the
 * agent's own app, and an evaluator, on a few criteria; some entries replaced once (a version in their history).
 * Drawn from a stream of the step's own, so the step's other rows are the same with or without them.
 */
function feedbackRows(d: StepDraw, seedValue: number, entries: Row[], versions: Row[]): void {
  const r = random(hashSeed(`${d.key}|feedback`, seedValue));
  if (!r.chance(0.25)) return;
  const apiKeyId = stableId('apikey', `${d.org}|seed`);
  const minutes = (n: number) => toMicroIso(d.createdMicros + BigInt(n) * 60_000_000n + BigInt(r.int(0, 59_999_999)));
  const count = r.int(1, 4);
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const who = r.next();
    const submitter =
      who < 0.5
        ? { ...r.pick(REVIEWERS), type: 'USER', source: 'APP' }
        : who < 0.8
          ? { id: `user-${r.int(1, 400)}`, name: null, email: null, type: 'USER', source: 'APP' }
          : { id: apiKeyId, name: null, email: null, type: 'SYSTEM', source: 'EVALUATOR' };
    const name = submitter.source === 'EVALUATOR' ? 'accuracy' : r.pick(CRITERIA);
    const unique = `${name}|${submitter.type}|${submitter.id}`;
    if (seen.has(unique)) continue;
    seen.add(unique);
    const good = d.status === 'SUCCESS' ? r.chance(0.75) : r.chance(0.2);
    const score = Math.round((good ? 0.2 + r.next() * 0.8 : -1 + r.next() * 0.9) * 100) / 100;
    const comment = r.chance(0.4) ? r.pick(good ? COMMENTS.good : COMMENTS.bad) : null;
    const createdAt = minutes(5 + i * 30);
    const replaced = r.chance(0.2);
    const id = stableId('feedback', `${d.key}|feedback|${i}`);
    const updatedAt = replaced ? minutes(5 + i * 30 + 600) : createdAt;
    entries.push({
      id,
      organization_id: d.org,
      step_id: d.stepId,
      name,
      // Now and then an end user leaves a comment alone.
      score: comment !== null && submitter.source === 'APP' && r.chance(0.3) ? null : score,
      comment,
      attributes: submitter.source === 'APP' ? { session_id: `session-${r.int(1, 900)}`, surface: r.pick(['web', 'slack', 'review-app']) } : { judge: 'gpt-4o-mini', rubric: 'v2' },
      source: submitter.source,
      submitter_type: submitter.type,
      submitter_id: submitter.id,
      submitter_name: submitter.name,
      submitter_email: submitter.email,
      api_key_id: apiKeyId,
      version: replaced ? 2 : 1,
      created_at: createdAt,
      updated_at: updatedAt,
    });
    if (replaced) {
      versions.push({
        entry_id: id,
        version: 1,
        organization_id: d.org,
        score: Math.round((score > 0 ? score - 0.5 : score + 0.5) * 100) / 100,
        comment: null,
        attributes: {},
        source: submitter.source,
        submitter_name: submitter.name,
        submitter_email: submitter.email,
        api_key_id: apiKeyId,
        recorded_at: createdAt,
        replaced_at: updatedAt,
      });
    }
  }
}

export function generateBatch(options: SeedOptions, from: number, to: number) {
  const agents = Array.from({ length: 6 }, (_, i) => stableId('agent', `${options.organizationId}|${options.seed}|agent|${i}`));
  const startMicros = BigInt((options.start ?? new Date('2025-11-01T00:00:00Z')).getTime()) * 1000n;
  const steps: Row[] = [];
  const messages: Row[] = [];
  const traces: Row[] = [];
  const metrics: Row[] = [];
  const feedbackEntries: Row[] = [];
  const feedbackVersions: Row[] = [];
  for (let index = from; index < to; index++) {
    const draw = beginStep(options, index, agents, startMicros);
    const step = stepRow(draw);
    steps.push(step);
    // A step's own values are drawn before anything else, so they are the same with or without the rest.
    feedbackRows(draw, options.seed, feedbackEntries, feedbackVersions);
    metricsRow(draw, options.seed, metrics);
    if (options.stepsOnly) continue;
    const lastMessageMs = messageRows(draw, index, messages);
    traceRow(draw, step, lastMessageMs, traces);
  }
  return { steps, messages, traces, metrics, feedbackEntries, feedbackVersions };
}

/** Inserts rows in one statement and returns how many were new (rows already there are left alone). */
async function insertRows(sql: Pick<SqlRunner, 'query'>, table: string, rows: Row[], key = 'id'): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].map((column) => `"${column}"`).join(', ');
  // json_populate_recordset maps JSON keys onto the table's own column types in one statement; listing
  // the columns lets the others (such as messages.sequence_id) take their defaults.
  const [result] = await sql.query<{ count: number }>(
    `WITH inserted AS (
       INSERT INTO "${table}" (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::"${table}", $1::json)
       ON CONFLICT (${key}) DO NOTHING RETURNING 1)
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
  const result: SeedResult = { steps: 0, messages: 0, traces: 0, metrics: 0, feedbackEntries: 0 };
  for (let from = 0; from < options.steps; from += batchSize) {
    const to = Math.min(options.steps, from + batchSize);
    const batch = generateBatch(options, from, to);
    const inserted = await sql.transaction(async (tx) => ({
      steps: await insertRows(tx, 'steps', batch.steps),
      messages: await insertRows(tx, 'messages', batch.messages),
      traces: await insertRows(tx, 'provider_traces', batch.traces),
      metrics: await insertRows(tx, 'step_metrics', batch.metrics),
      feedbackEntries: await insertRows(tx, 'gateway_feedback_entries', batch.feedbackEntries),
      feedbackVersions: await insertRows(tx, 'gateway_feedback_versions', batch.feedbackVersions, 'entry_id, version'),
    }));
    result.steps += inserted.steps;
    result.messages += inserted.messages;
    result.traces += inserted.traces;
    result.metrics += inserted.metrics;
    result.feedbackEntries += inserted.feedbackEntries;
    options.onProgress?.(to, options.steps);
  }
  return result;
}
