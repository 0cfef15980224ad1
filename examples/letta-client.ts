// examples/letta-client.ts: Letta's own TypeScript client, pointed at the gateway. `npm run example:letta` runs it against the demo.
import { readFileSync } from 'node:fs';

import Letta, { APIError } from '@letta-ai/letta-client';

const url = process.env.STEPS_GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql';
const key = process.env.STEPS_GATEWAY_KEY ?? readFileSync('.data/demo-api-key', 'utf8').trim();

// The gateway serves Letta's routes for steps at its root, with the same API keys as GraphQL.
const letta = new Letta({ apiKey: key, baseURL: new URL(url).origin });

// The list works, pages itself (newest first), and its tags filter filters.
let listed = 0;
for await (const step of letta.steps.list({ limit: 25, has_feedback: false })) {
  listed += 1;
  if (listed === 60) break;
}
const [newest] = (await letta.steps.list({ limit: 1 })).getPaginatedItems();
if (newest === undefined) throw new Error('No steps yet.');

// A step's messages as Letta lists them: assistant messages, reasoning, tool calls and returns.
const kinds = new Set<string>();
for await (const message of letta.steps.messages.list(newest.id)) kinds.add(message.message_type ?? 'unknown');

// Feedback changes only what it sends: these tags are added, the feedback is left as it is.
const tagged = await letta.steps.feedback.create(newest.id, { tags: ['checked-with-letta'] });
const golden = (await letta.steps.list({ tags: ['checked-with-letta'], limit: 100 })).getPaginatedItems();

console.log(`${listed} steps without feedback listed`);
console.log(`${newest.id}: ${[...kinds].sort().join(', ')}`);
console.log(`${tagged.id} tagged; ${golden.length} step(s) carry the tag; feedback ${tagged.feedback ?? 'none'}`);

try {
  await letta.steps.retrieve('step-00000000-0000-4000-8000-000000000000');
} catch (error) {
  if (!(error instanceof APIError)) throw error;
  console.log(`refused: ${error.status} ${(error.error as { code?: string }).code}`);
}
