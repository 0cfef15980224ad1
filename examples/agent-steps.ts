/**
 * Lists the newest steps of an agent with their messages, then gives the newest one feedback, with urql and
 * its normalized cache. Runs against the embedded demo as it is:
 *
 *   npm start                       # in one terminal: the demo, on http://127.0.0.1:4000/graphql
 *   npm run example                 # in another: the newest agent's steps, and feedback on its newest step
 *   npm run example -- <agent id> [--feedback NEGATIVE] [--tag needs-review]
 *
 * STEPS_GATEWAY_URL and STEPS_GATEWAY_KEY point it elsewhere (by default it reads the demo's key from
 * ./.data/demo-api-key).
 */
import { readFileSync } from 'node:fs';

import { Client, fetchExchange, type CombinedError } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';

import { keys } from './generated/cache-config.ts';
import schema from './generated/graphcache-schema.ts';
import { AgentStepsDocument, GiveFeedbackDocument, type StepFeedback } from './generated/operations/graphql.ts';

/** Says what went wrong in one line (with the gateway's error codes), and exits. */
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** A failed request, as a person reads it: what the gateway said, or that it could not be reached. */
function failed(error: CombinedError): never {
  if (error.networkError !== undefined && error.graphQLErrors.length === 0) {
    fail(`Cannot reach the gateway at ${url}: is it running (npm start)? (${error.networkError.message})`);
  }
  fail(error.graphQLErrors.map((item) => `${String(item.extensions.code ?? 'ERROR')}: ${item.message}`).join('\n'));
}

const FEEDBACK: readonly StepFeedback[] = ['POSITIVE', 'NEGATIVE'];
const args = process.argv.slice(2);
const flag = (name: string) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? undefined : args.splice(index, 2)[1];
};
const feedback = (flag('feedback') ?? 'POSITIVE').toUpperCase() as StepFeedback;
if (!FEEDBACK.includes(feedback)) fail(`--feedback must be ${FEEDBACK.join(' or ')}.`);
const tag = flag('tag') ?? 'reviewed';
const url = process.env.STEPS_GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
let key = process.env.STEPS_GATEWAY_KEY;
if (key === undefined) {
  try {
    key = readFileSync('.data/demo-api-key', 'utf8').trim();
  } catch {
    fail('No key: start the demo first (npm start writes .data/demo-api-key), or set STEPS_GATEWAY_KEY.');
  }
}

const client = new Client({
  url,
  exchanges: [cacheExchange({ schema, keys, resolvers: { Query: { steps: relayPagination() } } }), fetchExchange],
  // The gateway's CSRF prevention asks GET requests (urql's default for short queries) for this header.
  fetchOptions: { headers: { authorization: `Bearer ${key}`, 'x-graphql-yoga-csrf': '1' } },
});

let agentId = args[0];
if (agentId === undefined) {
  const newest = await client.query(AgentStepsDocument, { first: 1, messages: 0 }).toPromise();
  if (newest.error) failed(newest.error);
  agentId = newest.data?.steps.edges[0]?.node.agentId ?? undefined;
  if (agentId === undefined) fail('No steps yet.');
}

const { data, error } = await client.query(AgentStepsDocument, { agentId, first: 5, messages: 10 }).toPromise();
if (error) failed(error);
const steps = data!.steps;
console.log(`Agent ${agentId}: ${steps.totalCount}${steps.totalCountIsExact ? '' : '+'} steps; the newest ${steps.edges.length}:`);
for (const { node: step } of steps.edges) {
  console.log(`\n${step.createdAt}  ${step.id}  ${step.model}  ${step.status}  ${step.totalTokens} tokens  feedback: ${step.feedback ?? '-'}`);
  for (const message of step.messages.nodes) {
    const parts = message.content.map((part) => {
      switch (part.__typename) {
        case 'TextContent':
          return part.text;
        case 'ToolCallContent':
          return `call ${part.name}(${JSON.stringify(part.input)})`;
        case 'ToolReturnContent':
          return `${part.isError ? 'error' : 'returned'}: ${part.content}`;
        case 'ReasoningContent':
          return `thinking: ${part.reasoning}`;
        case 'SummarizedReasoningContent':
          return `thinking (summary): ${part.summary.map((item) => item.text).join(' ')}`;
        default:
          return `[${part.__typename}]`;
      }
    });
    console.log(`  ${(message.role ?? '?').toLowerCase().padEnd(9)} ${parts.join(' | ').slice(0, 140)}`);
  }
}

const newest = steps.edges[0]?.node;
if (newest !== undefined) {
  const result = await client.mutation(GiveFeedbackDocument, { input: { stepId: newest.id, feedback, tags: [tag] } }).toPromise();
  if (result.error) failed(result.error);
  console.log(`\nFeedback on ${newest.id}: ${result.data!.setStepFeedback.step.feedback}, tags ${JSON.stringify(result.data!.setStepFeedback.step.tags)}`);
}
