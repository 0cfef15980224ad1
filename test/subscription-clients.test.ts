import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, Observable, type Reference } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { print } from 'graphql';
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { readFileSync } from 'node:fs';

import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

import { keys, typePolicies } from '../examples/generated/cache-config.ts';
import schema from '../examples/generated/graphcache-schema.ts';
import { NewestStepsDocument, StepEventsDocument, type StepEventsSubscription } from '../examples/generated/operations/graphql.ts';
import possibleTypes from '../examples/generated/possible-types.ts';
import { DEFAULT_SECURITY } from '../src/config.ts';
import { createLocalBus } from '../src/events/bus.ts';
import { createEventFeed, type EventFeed } from '../src/events/feed.ts';
import { createLogger } from '../src/logger.ts';
import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { serve } from './helpers/http.ts';
import { readmeCopiesOf, runExample } from './helpers/process.ts';
import { within } from './helpers/time.ts';

/**
 * The subscription clients our users run, over real HTTP and WebSocket against a gateway served as `npm start`
 * serves it, with the feed reader running: graphql-ws and graphql-sse, and Apollo Client 4 and urql keeping a
 * watched list of steps current when a step is inserted by plain SQL, as a Letta server inserts it.
 */

let t: TestGateway;
let feed: EventFeed;
let server: Awaited<ReturnType<typeof serve>>;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let wsUrl: string;

beforeAll(async () => {
  const bus = createLocalBus();
  // The protections as a production deployment has them.
  t = await createTestGateway({ security: DEFAULT_SECURITY, events: { bus } });
  tenant = await createTenant(t.db, 'Live clients');
  for (let i = 0; i < 3; i++) await insertStep(t.db, tenant.organizationId, { created_at: `2026-01-0${i + 1}T00:00:00Z` });
  feed = createEventFeed(t.db, bus, createLogger('silent'), { pollMs: 50, retentionMs: 3_600_000 });
  feed.start();
  await within(5000, async () => feed.leading());
  server = await serve(t.gateway);
  wsUrl = server.url.replace(/^http/, 'ws');
});
afterAll(async () => {
  await feed.stop();
  await t.gateway.events.close();
  await server.close();
  await t.close();
});

const wsClient = (key = tenant.key): WsClient =>
  createWsClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0, lazy: true });

/** The next `count` results of a subscription through a client's callback API. */
function collect<T>(count: number, start: (sink: { next(value: T): void; error(error: unknown): void; complete(): void }) => () => void) {
  const values: T[] = [];
  let stop: () => void = () => {};
  const done = new Promise<T[]>((resolve, reject) => {
    stop = start({
      next: (value) => {
        values.push(value);
        if (values.length === count) resolve(values);
      },
      error: reject,
      complete: () => resolve(values),
    });
  });
  return { values, done: done.finally(() => stop()) };
}

const insertNew = () => insertStep(t.db, tenant.organizationId, { status: 'PENDING', model: 'gpt-4o-mini', created_at: new Date().toISOString() });

describe('graphql-ws and graphql-sse', () => {
  it("graphql-ws's client gets a step inserted by SQL, and an error for a bad key", async () => {
    const client = wsClient();
    const events = collect<any>(1, (sink) => client.subscribe({ query: print(StepEventsDocument), variables: { types: ['CREATED'] } }, sink));
    await within(2000, async () => t.gateway.events.hub.size() > 0);
    const step = await insertNew();
    const [event] = await events.done;
    expect(event.data.stepEvents).toMatchObject({ type: 'CREATED', stepId: step, step: { id: step, status: 'PENDING' } });
    await client.dispose();

    const refused = createWsClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer sgw_${'0'.repeat(43)}` }, retryAttempts: 0 });
    const closed = await collect<any>(1, (sink) => refused.subscribe({ query: print(StepEventsDocument) }, sink)).done.catch((error) => error);
    expect(closed.code).toBe(4403);
    await refused.dispose();
  });

  it('graphql-ws takes the key from the upgrade request\'s header too, where a client can send one', async () => {
    const key = tenant.key;
    class WithHeader extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { authorization: `Bearer ${key}` } });
      }
    }
    const client = createWsClient({ url: wsUrl, webSocketImpl: WithHeader, retryAttempts: 0 });
    const [result] = await collect<any>(1, (sink) => client.subscribe({ query: '{ stepEventsCursor }' }, sink)).done;
    expect(result.data.stepEventsCursor).toMatch(/^\d+$/);
    await client.dispose();
  });

  it("graphql-ws's client gets errors with their codes, and the per-connection limit", async () => {
    const client = wsClient();
    const invalid = await collect<any>(1, (sink) => client.subscribe({ query: 'subscription { stepEvents(types: []) { cursor } }' }, sink)).done.catch((errors) => errors);
    expect(invalid[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'types' });
    const query = await collect<any>(1, (sink) => client.subscribe({ query: '{ steps(first: 1) { totalCount } }' }, sink)).done;
    expect(query[0].data.steps.totalCount).toBeGreaterThan(0);
    // 25 operations at once on one connection (the default), and no more.
    const open = Array.from({ length: 25 }, () => collect<any>(1, (sink) => client.subscribe({ query: print(StepEventsDocument) }, sink)));
    await within(3000, async () => t.gateway.events.hub.size() === 25);
    const over = await collect<any>(1, (sink) => client.subscribe({ query: print(StepEventsDocument) }, sink)).done.catch((errors) => errors);
    expect(over[0].extensions).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', limit: 25 });
    void open;
    await client.dispose();
    await within(3000, async () => t.gateway.events.hub.size() === 0);
  });

  it("graphql-sse's client gets a step inserted by SQL", async () => {
    const client = createSseClient({ url: server.url, headers: { authorization: `Bearer ${tenant.key}` }, retryAttempts: 0 });
    const events = collect<any>(1, (sink) => client.subscribe({ query: print(StepEventsDocument), variables: { types: ['CREATED'] } }, sink));
    await within(2000, async () => t.gateway.events.hub.size() > 0);
    const step = await insertNew();
    const [event] = await events.done;
    expect(event.data.stepEvents).toMatchObject({ type: 'CREATED', stepId: step });
    expect(event.extensions.cursor).toBe(event.data.stepEvents.cursor);
    client.dispose();
    await within(2000, async () => t.gateway.events.hub.size() === 0);
  });
});

describe('Apollo Client 4', () => {
  /** A client whose subscriptions go over `subscriptions`, everything else over HTTP, with the generated cache config. */
  const apollo = (subscriptions: ApolloLink) =>
    new ApolloClient({
      link: ApolloLink.split(
        (operation) => operation.operationType === 'subscription',
        subscriptions,
        new HttpLink({ uri: server.url, headers: { authorization: `Bearer ${tenant.key}` } }),
      ),
      cache: new InMemoryCache({ possibleTypes: possibleTypes.possibleTypes, typePolicies }),
    });

  /** Keeps a watched list current: a step that appears goes first in the cached list (the event wrote the step to the cache). */
  async function watchedListShowsNewSteps(client: ApolloClient) {
    const list = client.watchQuery({ query: NewestStepsDocument, variables: { first: 5 } });
    const seen: string[][] = [];
    const watching = list.subscribe(({ data, dataState }) => {
      if (dataState === 'complete') seen.push(data.steps.nodes.map((node) => node.id));
    });
    await within(5000, async () => seen.length > 0);
    const events = client.subscribe({ query: StepEventsDocument, variables: { types: ['CREATED'] } }).subscribe(({ data }) => {
      const step = data?.stepEvents.step;
      if (!step) return;
      client.cache.modify({
        fields: {
          steps(existing, { toReference }) {
            const list = existing as { nodes: Reference[] };
            return { ...list, nodes: [toReference(step)!, ...list.nodes] };
          },
        },
      });
    });
    await within(3000, async () => t.gateway.events.hub.size() > 0);
    const step = await insertNew();
    await within(5000, async () => seen.at(-1)?.[0] === step);
    // Read from the cache: no request went to the server for it.
    expect(client.readQuery({ query: NewestStepsDocument, variables: { first: 5 } })!.steps.nodes[0]).toMatchObject({ id: step, status: 'PENDING', model: 'gpt-4o-mini' });
    events.unsubscribe();
    watching.unsubscribe();
    await within(3000, async () => t.gateway.events.hub.size() === 0);
  }

  it('GraphQLWsLink: a watched list of steps shows a step inserted by SQL', async () => {
    const ws = wsClient();
    const client = apollo(new GraphQLWsLink(ws));
    await watchedListShowsNewSteps(client);
    await ws.dispose();
  });

  it('a link over GraphQL over SSE (graphql-sse): the same', async () => {
    const sse = createSseClient({ url: server.url, headers: { authorization: `Bearer ${tenant.key}` }, retryAttempts: 0 });
    // The link Apollo's documentation gives for graphql-sse.
    const link = new ApolloLink(
      (operation) =>
        new Observable((observer) =>
          sse.subscribe(
            { query: print(operation.query), variables: operation.variables, ...(operation.operationName ? { operationName: operation.operationName } : {}) },
            { next: (value) => observer.next(value as never), error: (error) => observer.error(error), complete: () => observer.complete() },
          ),
        ),
    );
    await watchedListShowsNewSteps(apollo(link));
    sse.dispose();
  });
});

describe('urql 6 with graphcache', () => {
  it("subscriptionExchange over graphql-ws: a watched list of steps shows a step inserted by SQL, through the cache's update", async () => {
    const ws = wsClient();
    const client = new Client({
      url: server.url,
      fetchOptions: { headers: { authorization: `Bearer ${tenant.key}` } },
      preferGetMethod: false,
      exchanges: [
        cacheExchange({
          schema,
          keys,
          updates: {
            Subscription: {
              // A step that appears goes first in the cached list.
              stepEvents(result: StepEventsSubscription, _args, cache) {
                const step = result.stepEvents.step;
                if (result.stepEvents.type !== 'CREATED' || step == null) return;
                cache.updateQuery({ query: NewestStepsDocument, variables: { first: 5 } }, (data) =>
                  data === null ? null : { ...data, steps: { ...data.steps, nodes: [step, ...(data.steps.nodes ?? [])] } },
                );
              },
            },
          },
        }),
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink as never) }),
          }),
        }),
      ],
    });
    const seen: string[][] = [];
    const list = client.query(NewestStepsDocument, { first: 5 }).subscribe((result) => {
      if (result.data) seen.push((result.data.steps.nodes ?? []).map((node) => node.id));
    });
    await within(5000, async () => seen.length > 0);
    const events = client.subscription(StepEventsDocument, { types: ['CREATED'] }).subscribe(() => {});
    await within(3000, async () => t.gateway.events.hub.size() > 0);
    const step = await insertNew();
    await within(5000, async () => seen.at(-1)?.[0] === step);
    events.unsubscribe();
    list.unsubscribe();
    await ws.dispose();
  });
});

describe("the README's live examples", () => {
  for (const file of ['examples/live.ts', 'examples/live-urql.ts']) {
    it(`shows ${file} as it is, which sees its own feedback come back as an event, and the list show it`, async () => {
      expect(readmeCopiesOf(file)).toEqual([readFileSync(file, 'utf8')]);
      const own = await createTenant(t.db, `Example ${file}`);
      // Steps written as Letta writes them, announced by the feed reader before the program starts.
      for (let i = 0; i < 3; i++) await insertStep(t.db, own.organizationId, { created_at: new Date(Date.now() - i * 1000).toISOString() });
      await within(5000, async () => (await t.db.sql.query(`SELECT 1 FROM gateway_step_event_heads WHERE organization_id = $1 AND seq = 3`, [own.organizationId])).length === 1);
      const output = await runExample(file, server.url, own.key);
      expect(output.stderr).toBe('');
      expect(output.code).toBe(0);
      expect(output.stdout.trim()).toMatch(/^step-\S+: FEEDBACK event( \d+)?; the list shows tags \[.*"seen-live".*\]$/);
    }, 60_000);
  }
});
