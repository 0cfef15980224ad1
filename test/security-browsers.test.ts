import { request as httpRequest } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTenant, insertStep } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { codesOf, send, serve } from './helpers/http.ts';

let t: TestGateway;
let http: Awaited<ReturnType<typeof serve>>;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let stepId: string;

const mutation = (id: string) => `mutation { setStepFeedback(input: { stepId: "${id}", feedback: NEGATIVE, tags: ["csrf"] }) { step { id } } }`;

beforeAll(async () => {
  t = await createTestGateway({ security: { corsOrigins: ['https://dashboard.example.com'] } });
  http = await serve(t.gateway);
  tenant = await createTenant(t.db, 'Browsers');
  stepId = await insertStep(t.db, tenant.organizationId, { feedback: null, tags: [] });
});
afterAll(async () => {
  await http.close();
  await t.close();
});

async function unchanged() {
  const [row] = await t.db.sql.query<{ feedback: string | null; tags: unknown }>('SELECT feedback, tags FROM steps WHERE id = $1', [stepId]);
  expect(row).toEqual({ feedback: null, tags: [] });
}

describe('CSRF prevention', () => {
  it('runs nothing from a form-urlencoded POST, even with a valid key', async () => {
    const response = await send(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${tenant.key}` },
      body: new URLSearchParams({ query: mutation(stepId) }).toString(),
    });
    expect(response.status).toBe(403);
    expect(codesOf(response)).toEqual(['CSRF_HEADER_REQUIRED']);
    await unchanged();
  });

  it('runs nothing from a text/plain POST (what a cross-site form with enctype=text/plain sends)', async () => {
    const response = await send(http.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${tenant.key}` },
      body: JSON.stringify({ query: mutation(stepId) }),
    });
    expect(response.status).toBe(403);
    expect(codesOf(response)).toEqual(['CSRF_HEADER_REQUIRED']);
    await unchanged();
  });

  it('runs nothing from a multipart POST', async () => {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: mutation(stepId) }));
    const response = await send(http.url, { method: 'POST', headers: { authorization: `Bearer ${tenant.key}` }, body: form });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    await unchanged();
  });

  it('refuses a GET without a CSRF header, and runs a GET query with one', async () => {
    const url = `${http.url}?query=${encodeURIComponent('{ steps(first: 1) { totalCount } }')}`;
    const bare = await send(url, { headers: { authorization: `Bearer ${tenant.key}` } });
    expect(bare.status).toBe(403);
    expect(bare.json.errors[0].message).toContain('x-graphql-yoga-csrf');
    for (const header of ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'x-apollo-operation-name']) {
      const withHeader = await send(url, { headers: { authorization: `Bearer ${tenant.key}`, [header]: 'NewestSteps' } });
      expect(withHeader.status, header).toBe(200);
      expect(withHeader.json.data.steps.totalCount).toBe(1);
    }
  });

  it('lets a JSON POST through: browsers preflight it', async () => {
    const response = await send(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}` },
      body: JSON.stringify({ query: '{ steps { totalCount } }' }),
    });
    expect(response.json).toEqual({ data: { steps: { totalCount: 1 } } });
  });
});

describe('CORS', () => {
  const preflight = (origin: string) =>
    send(http.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });

  it('answers a preflight from a configured origin, without allowing credentials', async () => {
    const response = await preflight('https://dashboard.example.com');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://dashboard.example.com');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, PATCH');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('gives a cross-origin preflight from any other origin no CORS headers at all', async () => {
    for (const origin of ['https://evil.example', 'https://dashboard.example.com.evil.example', 'null']) {
      const response = await preflight(origin);
      const cors = [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));
      expect(cors, origin).toEqual([]);
    }
  });

  it('does not let another origin read a response', async () => {
    const response = await send(http.url, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json', authorization: `Bearer ${tenant.key}` },
      body: JSON.stringify({ query: '{ steps { totalCount } }' }),
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows credentials only when configured', async () => {
    const withCredentials = await createTestGateway({
      database: t.database,
      security: { corsOrigins: ['https://dashboard.example.com'], corsCredentials: true },
    });
    const response = await withCredentials.gateway.fetch('http://gateway.test/graphql', {
      method: 'OPTIONS',
      headers: { origin: 'https://dashboard.example.com', 'access-control-request-method': 'POST' },
    });
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    const none = await createTestGateway({ database: t.database });
    const closed = await none.gateway.fetch('http://gateway.test/graphql', {
      method: 'OPTIONS',
      headers: { origin: 'https://dashboard.example.com', 'access-control-request-method': 'POST' },
    });
    expect(closed.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('request bodies', () => {
  const body = (bytes: number) => {
    const query = '{ steps { totalCount } }';
    const padding = bytes - JSON.stringify({ query, extensions: { padding: '' } }).length;
    return JSON.stringify({ query, extensions: { padding: 'x'.repeat(padding) } });
  };
  const post = (url: string, text: string) =>
    send(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}` }, body: text });

  it('accepts 1 MB and answers 413 beyond it', async () => {
    const fits = body(1_048_576);
    expect(Buffer.byteLength(fits)).toBe(1_048_576);
    expect((await post(http.url, fits)).status).toBe(200);
    const over = await post(http.url, body(1_048_577));
    expect(over.status).toBe(413);
    expect(codesOf(over)).toEqual(['REQUEST_ENTITY_TOO_LARGE']);
  });

  it('counts the bytes of a chunked body that announces no length', async () => {
    // Written chunk by chunk, each after the last was taken; the server may answer (and close) before the end.
    const chunked = (size: number) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest(http.url, {
          method: 'POST',
          agent: false, // a connection of its own: the server may close one whose body it stopped reading
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.key}`, 'transfer-encoding': 'chunked' },
        });
        let status: number | undefined;
        request.on('response', (response) => {
          status = response.statusCode!;
          response.resume();
          resolve(status);
        });
        request.on('error', (error) => {
          if (status === undefined) reject(error);
        });
        const text = body(size);
        let offset = 0;
        const writeMore = () => {
          while (status === undefined && offset < text.length) {
            const chunk = text.slice(offset, offset + 65_536);
            offset += chunk.length;
            if (!request.write(chunk)) return void request.once('drain', writeMore);
          }
          if (offset >= text.length) request.end();
        };
        writeMore();
      });
    expect(await chunked(2_000_000)).toBe(413);
    expect(await chunked(10_000)).toBe(200);
  });

  it('takes the cap from the configuration', async () => {
    const small = await createTestGateway({ database: t.database, security: { maxBodyBytes: 2048 } });
    const smallHttp = await serve(small.gateway);
    try {
      expect((await post(smallHttp.url, body(2048))).status).toBe(200);
      expect((await post(smallHttp.url, body(2049))).status).toBe(413);
    } finally {
      await smallHttp.close();
    }
  });
});
