// examples/live.ts: live updates with Apollo Client 4, subscriptions over graphql-ws. `npm run example:live` runs it against the demo.
import { readFileSync } from 'node:fs';

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, type Reference } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { typePolicies } from './generated/cache-config.ts';
import { GiveFeedbackDocument, NewestStepsDocument, StepEventsCursorDocument, StepEventsDocument } from './generated/operations/graphql.ts';
import possibleTypes from './generated/possible-types.ts';

const url = process.env.STEPS_GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const key = process.env.STEPS_GATEWAY_KEY ?? readFileSync('.data/demo-api-key', 'utf8').trim();

// Subscriptions over a WebSocket on the same endpoint (the key goes in connection_init), the rest over HTTP.
// In a browser, leave out webSocketImpl.
const ws = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` } });
const client = new ApolloClient({
  link: ApolloLink.split(
    (operation) => operation.operationType === 'subscription',
    new GraphQLWsLink(ws),
    new HttpLink({ uri: url, headers: { authorization: `Bearer ${key}` } }),
  ),
  cache: new InMemoryCache({ possibleTypes: possibleTypes.possibleTypes, typePolicies }),
});

// Where the events stand, then the newest steps: every event after that cursor is what the list may miss.
const { data: cursor } = await client.query({ query: StepEventsCursorDocument, fetchPolicy: 'network-only' });
const list = client.watchQuery({ query: NewestStepsDocument, variables: { first: 10 } });
const watching = list.subscribe(() => {});
const newest = (await list.refetch()).data?.steps.nodes[0];
if (cursor === undefined || newest === undefined) throw new Error('No steps yet.');

// An event's step is written to the cache, so a new status or feedback shows in the list by itself; a step that
// appears is put first in the list.
const events = client.subscribe({ query: StepEventsDocument, variables: { after: cursor.stepEventsCursor } });
const seen = new Promise<void>((resolve, reject) => {
  const subscription = events.subscribe({
    next: ({ data: event }) => {
      const { type, stepId, step } = event!.stepEvents;
      if (type === 'CREATED' && step != null) {
        client.cache.modify({
          fields: {
            steps: (existing, { toReference }) => {
              const page = existing as { nodes: Reference[] };
              return { ...page, nodes: [toReference(step)!, ...page.nodes] };
            },
          },
        });
      }
      if (type === 'FEEDBACK' && stepId === newest.id) {
        subscription.unsubscribe();
        resolve();
      }
    },
    error: reject,
  });
});

// Feedback from anyone (here, this program: it adds a tag, or takes it away when it is there) reaches every
// subscriber at once.
const tag = { [newest.tags.includes('seen-live') ? 'removeTags' : 'tags']: ['seen-live'] };
await client.mutate({ mutation: GiveFeedbackDocument, variables: { input: { stepId: newest.id, ...tag } } });
await seen;
const shown = client.readQuery({ query: NewestStepsDocument, variables: { first: 10 } })?.steps.nodes.find((step) => step.id === newest.id);
console.log(`${newest.id}: FEEDBACK event; the list shows tags ${JSON.stringify(shown?.tags)}`);
watching.unsubscribe();
await ws.dispose();
