/**
 * Subscribers for the live-updates benchmark, in a process of their own (so that receiving does not compete
 * with the writer for a core): `count` subscriptions to one gateway, half over graphql-ws (a WebSocket each),
 * half over GraphQL over SSE (graphql-sse's client), each recording every event it receives with the time it
 * came. Prints `ready` once every subscription is open, then JSON lines of what was received, every 100 ms; on
 * `stop` (a line on stdin) ends its subscriptions and exits.
 *
 *   tsx scripts/bench/subscribers.ts <graphql url> <key> <count> <first subscriber's number> [both|ws|sse]
 */
import { createInterface } from 'node:readline';

import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, key, countArg, firstArg, transport = 'both'] = process.argv.slice(2);
const count = Number(countArg);
const first = Number(firstArg ?? 0);
if (url === undefined || key === undefined || !(count > 0)) {
  process.stderr.write('usage: subscribers.ts <graphql url> <key> <count> [first]\n');
  process.exit(2);
}

const QUERY = 'subscription { stepEvents { cursor type stepId step { id status model totalTokens } } }';
const now = () => performance.timeOrigin + performance.now();
/** Received since the last flush: [subscriber, cursor, type, step id, time]. */
let received: [number, string, string, string, number][] = [];
const errors: string[] = [];
const stops: (() => void)[] = [];
let opened = 0;

for (let i = 0; i < count; i++) {
  const subscriber = first + i;
  const sink = {
    next(value: unknown) {
      const event = (value as { data?: { stepEvents?: { cursor: string; type: string; stepId: string } } }).data?.stepEvents;
      if (event) received.push([subscriber, event.cursor, event.type, event.stepId, now()]);
      else errors.push(JSON.stringify(value).slice(0, 300));
    },
    error(error: unknown) {
      errors.push(String((error as Error)?.message ?? JSON.stringify(error)).slice(0, 300));
    },
    complete() {},
  };
  if (transport === 'ws' || (transport === 'both' && i % 2 === 0)) {
    const client = createWsClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      on: { connected: () => (opened += 1) },
    });
    stops.push(client.subscribe({ query: QUERY }, sink));
    stops.push(() => void client.dispose());
  } else {
    const client = createSseClient({
      url,
      headers: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      onMessage: () => {},
    });
    stops.push(client.subscribe({ query: QUERY }, sink));
    stops.push(() => client.dispose());
    opened += 1;
  }
}

const flush = () => {
  if (received.length > 0 || errors.length > 0) {
    process.stdout.write(`${JSON.stringify({ received, errors: errors.splice(0) })}\n`);
    received = [];
  }
};
const timer = setInterval(flush, 100);
const waitOpen = setInterval(() => {
  if (opened >= count) {
    clearInterval(waitOpen);
    process.stdout.write('ready\n');
  }
}, 50);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'stop') return;
  clearInterval(timer);
  flush();
  for (const stop of stops) stop();
  setTimeout(() => process.exit(0), 200);
});
