import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_SECURITY } from '../src/config.ts';
import { createTenant } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { codesOf } from './helpers/http.ts';

/**
 * No error names what the schema holds ("Did you mean ...?"), whichever check produced it, so that the
 * schema cannot be mapped by guessing with introspection off, as in production.
 */
let compiled: TestGateway;
let interpreted: TestGateway;
let key: string;

beforeAll(async () => {
  const production = { ...DEFAULT_SECURITY, introspection: false, rateLimitPerMinute: 0, authFailuresPerMinute: 0 };
  compiled = await createTestGateway({ security: production });
  interpreted = await createTestGateway({ security: production, compile: false, database: compiled.database });
  ({ key } = await createTenant(compiled.db, 'Guesser'));
});
afterAll(async () => {
  await interpreted.close();
  await compiled.close();
});

const attempts: [string, string, Record<string, unknown>?][] = [
  ['an enum value inline', '{ steps(filter: { status: FAILD }) { totalCount } }'],
  ['an enum value in a variable', 'query($s: StepStatus) { steps(filter: { status: $s }) { totalCount } }', { s: 'FAILD' }],
  ['an enum value deep in a variable', 'query($o: StepOrder) { steps(orderBy: $o) { totalCount } }', { o: { direction: 'ASCC' } }],
  ['an input field inline', '{ steps(filter: { traceId: "x" }) { totalCount } }'],
  ['an input field in a variable', 'query($f: StepFilter) { steps(filter: $f) { totalCount } }', { f: { traceId: 'x' } }],
  ['an argument name', '{ steps(firs: 2) { totalCount } }'],
  ['a field name', '{ steps { nodes { mode } } }'],
  ['a root field name', '{ step2(id: "x") { id } }'],
  ['a type in a variable definition', 'query($f: StepFiltr) { steps(filter: $f) { totalCount } }'],
  ['a type condition', '{ steps { nodes { ... on Stepp { id } } } }'],
  ['a fragment name', '{ steps { ...Stpes } } fragment Steps on StepConnection { totalCount }'],
];

describe('errors', () => {
  for (const [what, query, variables] of attempts) {
    it(`suggest nothing for a misspelt ${what.replace(/^an? /, '')}`, async () => {
      for (const gateway of [compiled, interpreted]) {
        const response = await gateway.graphql(key, query, variables);
        expect(response.status).toBe(400);
        expect(codesOf(response).length).toBeGreaterThan(0);
        const text = JSON.stringify(response.body);
        expect(text).not.toMatch(/did you mean|suggestion/i);
        // The refusal still says what was wrong with what the client sent.
        expect(response.body.errors![0]!.message.length).toBeGreaterThan(10);
      }
    });
  }
});
