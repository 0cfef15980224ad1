// examples/urql.ts: urql 6 with graphcache and the generated cache config. `npm run example:urql` runs it against the demo.
import { readFileSync } from 'node:fs';

import { Client, fetchExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';

import { keys } from './generated/cache-config.ts';
import schema from './generated/graphcache-schema.ts';
import { AgentStepsDocument, GiveFeedbackDocument } from './generated/operations/graphql.ts';

const url = process.env.STEPS_GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const key = process.env.STEPS_GATEWAY_KEY ?? readFileSync('.data/demo-api-key', 'utf8').trim();

const client = new Client({
  url,
  exchanges: [cacheExchange({ schema, keys, resolvers: { Query: { steps: relayPagination() } } }), fetchExchange],
  // urql sends short queries as GET; the gateway's CSRF prevention asks those for this header.
  fetchOptions: { headers: { authorization: `Bearer ${key}`, 'x-graphql-yoga-csrf': '1' } },
});

// Page 1, then page 2: relayPagination merges it into the list the first page's query reads from the cache.
const first = await client.query(AgentStepsDocument, { first: 10, messages: 5 }).toPromise();
if (first.error) throw first.error;
const endCursor = first.data?.steps.pageInfo.endCursor;
if (endCursor == null) throw new Error('No steps yet.');
const second = await client.query(AgentStepsDocument, { first: 10, messages: 5, after: endCursor }).toPromise();
const cached = await client.query(AgentStepsDocument, { first: 10, messages: 5 }, { requestPolicy: 'cache-only' }).toPromise();
const steps = cached.data?.steps.edges.map((edge) => edge.node) ?? [];
console.log(`${steps.length} steps in the cached list after two pages of 10 (the second ended at ${second.data?.steps.pageInfo.endCursor === endCursor ? 'the same cursor' : 'a later cursor'})`);

// The mutation's result updates the cached Step: a cache-only read shows it.
const newest = steps[0]!;
await client.mutation(GiveFeedbackDocument, { input: { stepId: newest.id, feedback: 'POSITIVE', tags: ['checked'] } }).toPromise();
const after = await client.query(AgentStepsDocument, { first: 10, messages: 5 }, { requestPolicy: 'cache-only' }).toPromise();
console.log(`${newest.id}: ${after.data?.steps.edges[0]?.node.feedback}`);

// Errors carry a stable code to branch on.
const refused = await client.mutation(GiveFeedbackDocument, { input: { stepId: 'not-a-step', feedback: 'POSITIVE' } }).toPromise();
if (refused.error) console.log(`refused: ${refused.error.graphQLErrors[0]?.extensions.code}`);
