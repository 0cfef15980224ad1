// examples/live-urql.ts: live updates with urql 6 and graphcache, subscriptions over GraphQL over SSE (graphql-sse). `npm run example:live-urql` runs it against the demo.
import { readFileSync } from 'node:fs';

import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient } from 'graphql-sse';

import { keys } from './generated/cache-config.ts';
import schema from './generated/graphcache-schema.ts';
import { GiveFeedbackDocument, NewestStepsDocument, StepEventsCursorDocument, StepEventsDocument, type StepEventsSubscription } from './generated/operations/graphql.ts';

const url = process.env.STEPS_GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const key = process.env.STEPS_GATEWAY_KEY ?? readFileSync('.data/demo-api-key', 'utf8').trim();

// Subscriptions as an SSE stream from the same endpoint, with the same header as every request.
const sse = createClient({ url, headers: { authorization: `Bearer ${key}` } });
const client = new Client({
  url,
  // urql sends short queries as GET; the gateway's CSRF prevention asks those for this header.
  fetchOptions: { headers: { authorization: `Bearer ${key}`, 'x-graphql-yoga-csrf': '1' } },
  exchanges: [
    cacheExchange({
      schema,
      keys,
      updates: {
        Subscription: {
          // An event's step is written to the cache by itself; a step that appears is put first in the list.
          stepEvents(result: StepEventsSubscription, _args, cache) {
            const { type, step } = result.stepEvents;
            if (type !== 'CREATED' || step == null) return;
            cache.updateQuery({ query: NewestStepsDocument, variables: { first: 10 } }, (list) =>
              list === null ? null : { ...list, steps: { ...list.steps, nodes: [step, ...list.steps.nodes] } },
            );
          },
        },
      },
    }),
    fetchExchange,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({ unsubscribe: sse.subscribe({ ...request, query: request.query ?? '' }, sink) }),
      }),
    }),
  ],
});

// Where the events stand, then the newest steps: every event after that cursor is what the list may miss.
const cursor = (await client.query(StepEventsCursorDocument, {}, { requestPolicy: 'network-only' }).toPromise()).data?.stepEventsCursor;
const newest = (await client.query(NewestStepsDocument, { first: 10 }).toPromise()).data?.steps.nodes[0];
if (cursor === undefined || newest === undefined) throw new Error('No steps yet.');

// Every event after that cursor, until this program's own feedback comes back.
const seen = new Promise<string>((resolve) => {
  const { unsubscribe } = client.subscription(StepEventsDocument, { after: cursor }).subscribe((result) => {
    const event = result.data?.stepEvents;
    if (event?.type === 'FEEDBACK' && event.stepId === newest.id) {
      unsubscribe();
      resolve(event.cursor);
    }
  });
});
// Feedback from anyone (here, this program: it adds a tag, or takes it away when it is there).
const tag = { [newest.tags.includes('seen-live') ? 'removeTags' : 'tags']: ['seen-live'] };
await client.mutation(GiveFeedbackDocument, { input: { stepId: newest.id, ...tag } }).toPromise();
const received = await seen;
const cached = await client.query(NewestStepsDocument, { first: 10 }, { requestPolicy: 'cache-only' }).toPromise();
console.log(`${newest.id}: FEEDBACK event ${received}; the list shows tags ${JSON.stringify(cached.data?.steps.nodes.find((step) => step.id === newest.id)?.tags)}`);
sse.dispose();
