import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import path from 'node:path';

import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { seed } from '../src/db/seed.ts';
import { createLocalBus } from '../src/events/bus.ts';
import { createEventFeed } from '../src/events/feed.ts';
import { createLogger } from '../src/logger.ts';
import { createTenant } from './helpers/factories.ts';
import { createTestGateway, type TestGateway } from './helpers/gateway.ts';
import { serve } from './helpers/http.ts';
import { NEEDS_CHROMIUM } from './helpers/requirements.ts';

/**
 * GraphiQL in a real browser: Debian's Chromium, headless, driven by playwright-core. `.ci/run` installs
 * Chromium and sets REQUIRE_BROWSER=1, so that CI fails rather than skips when it is missing.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.REQUIRE_BROWSER === '1') throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install -y chromium).`);

describe('the GraphiQL page', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await createTestGateway({ graphiqlApiKey: 'sgw_demo-key-in-the-page', security: { graphiqlPerMinute: 5 } });
  });
  afterAll(() => t.close());

  const page = (headers: Record<string, string> = {}, address = '10.0.0.1') =>
    t.gateway.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html', ...headers } }, { req: { socket: { remoteAddress: address } } });

  it('is compressed as the browser accepts, and revalidated with its ETag instead of downloaded again', async () => {
    const plain = await page({ 'accept-encoding': 'identity' }, '10.0.0.2');
    const html = await plain.text();
    expect(html.length).toBeGreaterThan(1_000_000);
    for (const encoding of ['br', 'gzip'] as const) {
      const response = await page({ 'accept-encoding': encoding === 'br' ? 'gzip, deflate, br' : 'gzip' }, `10.0.1.${encoding.length}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-encoding')).toBe(encoding);
      expect(response.headers.get('vary')).toContain('Accept-Encoding');
      // The same page, sent as a fraction of its size.
      const body = Buffer.from(await response.arrayBuffer());
      expect((encoding === 'br' ? brotliDecompressSync(body) : gunzipSync(body)).toString('utf8')).toBe(html);
      expect(body.length).toBeLessThan(html.length / 3);
    }
    const etag = plain.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await page({ 'if-none-match': etag }, '10.0.0.3');
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    // It carries the demo key: kept by the browser alone, and never framed by another site.
    expect(plain.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(plain.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(html).toContain('Bearer sgw_demo-key-in-the-page');
  });

  it('may be loaded a limited number of times a minute per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await page({ 'if-none-match': '"x"', 'accept-encoding': 'identity' }, '10.0.9.9')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect((await page({ 'accept-encoding': 'identity' }, '10.0.9.10')).status).toBe(200);
  });

  it('is not served when GraphiQL is off, and says how to turn it on', async () => {
    const off = await createTestGateway({ database: t.database, security: { graphiql: false } });
    const response = await off.gateway.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { errors: { message: string; extensions: { code: string } }[] }).errors[0]).toMatchObject({
      message: expect.stringContaining('GRAPHIQL=true'),
      extensions: { code: 'NOT_FOUND' },
    });
  });
});

describe.runIf(available)(`GraphiQL in headless Chromium ${NEEDS_CHROMIUM}`, () => {
  let t: TestGateway;
  let server: Awaited<ReturnType<typeof serve>>;
  let browser: BrowserContext;
  let profile: string;
  let stepId: string;
  let key: string;

  beforeAll(async () => {
    const database = (await createTestGateway()).database;
    const tenant = await createTenant(database.db, 'Browser');
    await seed(database.db.sql, { organizationId: tenant.organizationId, steps: 10, seed: 2 });
    const [newest] = await database.db.sql.query<{ id: string }>(
      'SELECT id FROM steps WHERE organization_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1',
      [tenant.organizationId],
    );
    stepId = newest!.id;
    // The demo's set-up: GraphiQL opens with the key in its headers; the feed reader has read the database.
    const bus = createLocalBus();
    t = await createTestGateway({ database, graphiqlApiKey: tenant.key, events: { bus } });
    await createEventFeed(database.db, bus, createLogger('silent'), { pollMs: 0, retentionMs: 3_600_000 }).readNow();
    key = tenant.key;
    server = await serve(t.gateway);
    profile = await mkdtemp(path.join(tmpdir(), 'steps-gateway-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('opens GraphiQL, runs the default query with the key, and shows the result', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(request.url()));
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-execute-button').click();
    // The newest step's id appears in the result pane.
    await page.waitForFunction((id) => document.body.innerText.includes(id), stepId, { timeout: 30_000 });
    const result = await page.locator('.graphiql-response').innerText();
    expect(result).toContain('"steps"');
    expect(result).not.toContain('UNAUTHENTICATED');
    await mkdir('test/artifacts', { recursive: true });
    await page.screenshot({ path: 'test/artifacts/graphiql.png' });
    expect(failed).toEqual([]);
  }, 60_000);

  it('runs a subscription over SSE and shows each event as it comes', async () => {
    const page = await browser.newPage();
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
    // The query editor's text replaced, as a user pasting it would.
    await page.locator('.graphiql-query-editor .monaco-editor .view-lines').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('subscription LiveSteps { stepEvents { cursor type stepId step { tags } } }');
    // GraphiQL reads the operation's name from the editor a moment after it changes.
    await page.waitForTimeout(1000);
    await page.locator('.graphiql-execute-button').click();
    const subscribed = () => t.gateway.events.hub.size() === 1;
    for (let waited = 0; !subscribed() && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(subscribed()).toBe(true);
    // Feedback given elsewhere shows in the result pane.
    await t.graphql(key, `mutation { setStepFeedback(input: { stepId: "${stepId}", tags: ["from-graphiql-test"] }) { step { id } } }`);
    await page.waitForFunction(() => document.querySelector('.graphiql-response')?.textContent?.includes('from-graphiql-test'), undefined, { timeout: 10_000 });
    const result = await page.locator('.graphiql-response').innerText();
    expect(result).toContain('"FEEDBACK"');
    expect(result).toContain(stepId);
  }, 60_000);
});
