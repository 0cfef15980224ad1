import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { createKey } from './auth/api-keys.ts';
import type { Database } from './db/database.ts';
import { seed } from './db/seed.ts';

export const DEMO_ORGANIZATION_ID = 'org-00000000-0000-4000-8000-000000000001';
const DEMO_STEPS = 300;

/**
 * The embedded demo: on first start, seeds demo steps and creates an API key for them. The key is kept in
 * DATA_DIR (the demo database lives there too) so that every start can print it and fill GraphiQL with it.
 */
export async function ensureDemo(db: Database, dataDir: string): Promise<string> {
  const keyFile = path.join(dataDir, 'demo-api-key');
  const existing = await readFile(keyFile, 'utf8').catch(() => undefined);
  if (existing !== undefined) return existing.trim();

  await seed(db.sql, {
    organizationId: DEMO_ORGANIZATION_ID,
    organizationName: 'Demo organization',
    steps: DEMO_STEPS,
    seed: 42,
    // Recent enough to look alive: the demo's steps end about now.
    start: new Date(Date.now() - DEMO_STEPS * 60_000),
  });
  const { key } = await createKey(db.prisma, DEMO_ORGANIZATION_ID, { name: 'demo', permissions: ['on-behalf-of-users'] });
  await writeFile(keyFile, `${key}\n`, { mode: 0o600 });
  return key;
}
