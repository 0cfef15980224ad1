// examples/apollo.ts: Apollo Client 4 with the generated cache config. `npm run example:apollo` runs it against the demo.
import { readFileSync } from 'node:fs';

import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';

import { typePolicies } from './generated/cache-config.ts';
import { AgentStepsDocument, GiveFeedbackDocument } from './generated/operations/graphql.ts';
import possibleTypes from './generated/possible-types.ts';

const url = process.env.STEPS_GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const key = process.env.STEPS_GATEWAY_KEY ?? readFileSync('.data/demo-api-key', 'utf8').trim();

const client = new ApolloClient({
  link: new HttpLink({ uri: url, headers: { authorization: `Bearer ${key}` } }),
  cache: new InMemoryCache({
    possibleTypes: possibleTypes.possibleTypes,
    // Pages of one filter merge into one list; objects that are not entities stay inside their parent.
    typePolicies: { ...typePolicies, Query: { fields: { steps: relayStylePagination(['filter']) } } },
  }),
});

// Page 1, then page 2 with fetchMore: it asks the gateway for the next page and merges it into the cached list.
const list = client.watchQuery({ query: AgentStepsDocument, variables: { first: 10, messages: 5 } });
const subscription = list.subscribe(() => {});
const first = await list.refetch();
const endCursor = first.data?.steps.pageInfo.endCursor;
if (endCursor == null) throw new Error('No steps yet.');
const second = await list.fetchMore({ variables: { after: endCursor } });
const cachedList = () => client.readQuery({ query: AgentStepsDocument, variables: { first: 10, messages: 5 } })?.steps.edges.map((edge) => edge.node) ?? [];
const steps = cachedList();
console.log(`${steps.length} steps in the cached list after two pages of 10 (the second ended at ${second.data?.steps.pageInfo.endCursor === endCursor ? 'the same cursor' : 'a later cursor'})`);

// The mutation's result updates the cached Step in place: the list shows it without a refetch.
const newest = steps[0]!;
await client.mutate({ mutation: GiveFeedbackDocument, variables: { input: { stepId: newest.id, feedback: 'POSITIVE', tags: ['checked'] } } });
console.log(`${newest.id}: ${cachedList()[0]?.feedback}`);

// Errors carry a stable code to branch on.
await client
  .mutate({ mutation: GiveFeedbackDocument, variables: { input: { stepId: 'not-a-step', feedback: 'POSITIVE' } } })
  .catch((error: unknown) => {
    if (CombinedGraphQLErrors.is(error)) console.log(`refused: ${error.errors[0]?.extensions?.code}`);
  });
subscription.unsubscribe();
