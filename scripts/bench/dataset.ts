import pg from 'pg';

import { createKey } from '../../src/auth/api-keys.ts';
import { createCursors } from '../../src/cursors.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { readSecrets } from '../../src/db/secrets.ts';
import { seed } from '../../src/db/seed.ts';
import type { Fixtures } from './scenarios.ts';

/** The benchmark's datasets: seeded once per description, reused while it is the same. */

export const SEED = 1;
/** Bumped whenever the seeding tool writes different rows, so that an old dataset is not reused. */
export const DATASET_VERSION = 6;
export const MAIN_ORG = 'org-00000000-0000-4000-8000-0000000be4c1';
/** When the datasets' first steps were taken. */
const START = '2024-01-01T00:00:00Z';

type Log = (message: string) => void;

/** The organizations of a dataset: one holding 70% of the steps (the one the scenarios query), three sharing the rest. */
function organizations(steps: number) {
  const main = Math.round(steps * 0.7);
  const others = [0, 1, 2].map((i) => ({ id: `org-00000000-0000-4000-8000-0000000be4c${i + 2}`, steps: Math.floor((steps - main) / 3) }));
  return [{ id: MAIN_ORG, steps: main }, ...others];
}

/** Creates a database of a dataset and seeds it, unless one of the same description is already there. */
export async function ensureDataset(
  admin: pg.Client,
  databaseUrl: (name: string) => string,
  log: Log,
  name: string,
  description: { steps: number; stepsOnly: boolean },
): Promise<string> {
  const wanted = JSON.stringify({ ...description, seed: SEED, version: DATASET_VERSION });
  const url = databaseUrl(name);
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount! > 0;
  if (exists) {
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    const found = await probe
      .query<{ description: string }>('SELECT description FROM bench_dataset')
      .then((result) => result.rows[0]?.description)
      .catch(() => undefined);
    await probe.end();
    if (found === wanted) {
      log(`reusing the dataset in ${name} (${description.steps.toLocaleString('en-US')} steps)`);
      // The gateway starts with MIGRATE_ON_START=false: bring a dataset seeded by an older version up to date.
      const db = openPostgres({ url, poolMax: 1, connectionTimeoutMs: 10_000, statementTimeoutMs: 3_600_000 });
      try {
        const applied = await migrate(db.sql);
        if (applied.length > 0) {
          log(`applied ${applied.join(', ')}; VACUUM ANALYZE`);
          await db.sql.exec('VACUUM ANALYZE');
          await db.sql.exec('CHECKPOINT');
        }
      } finally {
        await db.close();
      }
      return url;
    }
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  }
  await admin.query(`CREATE DATABASE ${name}`);
  const db = openPostgres({ url, poolMax: 2, connectionTimeoutMs: 10_000, statementTimeoutMs: 3_600_000 });
  try {
    await migrate(db.sql);
    const seedStarted = Date.now();
    let done = 0;
    for (const organization of organizations(description.steps)) {
      await seed(db.sql, {
        organizationId: organization.id,
        organizationName: organization.id,
        steps: organization.steps,
        seed: SEED,
        // One step a minute: 700,000 of them from here end in 2025, in the past, as a real history does (a
        // step dated in the future is one that the statistics' change feed reads again on every refresh).
        start: new Date(START),
        stepsOnly: description.stepsOnly,
        batchSize: description.stepsOnly ? 5000 : 1000,
        onProgress: (count, total) => {
          const all = done + count;
          const rate = all / ((Date.now() - seedStarted) / 1000);
          if (count === total || count % (description.stepsOnly ? 50_000 : 10_000) === 0) {
            log(`seeded ${all.toLocaleString('en-US')}/${description.steps.toLocaleString('en-US')} steps, ${Math.round(rate)}/s, ` +
              `about ${Math.round((description.steps - all) / rate)} s left`);
          }
        },
      });
      done += organization.steps;
    }
    log('VACUUM ANALYZE');
    await db.sql.exec('VACUUM ANALYZE');
    // Written out now, so that no checkpoint of the seeding's writes lands in a measured run.
    await db.sql.exec('CHECKPOINT');
    await db.sql.exec(`CREATE TABLE bench_dataset (description text NOT NULL)`);
    await db.sql.query('INSERT INTO bench_dataset VALUES ($1)', [wanted]);
  } finally {
    await db.close();
  }
  return url;
}

/** The values the scenarios' requests draw from, and an API key for the benchmark organization. */
export async function fixtures(benchUrl: string): Promise<{ fixtures: Fixtures; key: string; apiKeyId: string; dataset: Record<string, number> }> {
  const db = openPostgres({ url: benchUrl, poolMax: 2, connectionTimeoutMs: 10_000, statementTimeoutMs: 600_000 });
  try {
    const query = <Row>(text: string, params: unknown[] = []) => db.sql.query<Row>(text, params);
    const steps = await query<{ id: string }>(
      `SELECT id FROM steps WHERE organization_id = $1 ORDER BY md5(id) LIMIT 2000`, [MAIN_ORG]);
    const agents = await query<{ agent_id: string }>(`SELECT DISTINCT agent_id FROM steps WHERE organization_id = $1 ORDER BY 1`, [MAIN_ORG]);
    const [{ n: total } = { n: 0 }] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM steps WHERE organization_id = $1`, [MAIN_ORG]);
    const deepOffset = Math.min(50_000, Math.max(total - 51, 0));
    const [deep] = await query<{ created_at: string; id: string }>(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at, id FROM steps
        WHERE organization_id = $1 AND NOT is_deleted ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`, [MAIN_ORG, deepOffset - 1]);
    const [range] = await query<{ after: Date; before: Date }>(
      `SELECT percentile_disc(0.25) WITHIN GROUP (ORDER BY created_at) AS after, percentile_disc(0.75) WITHIN GROUP (ORDER BY created_at) AS before
         FROM steps WHERE organization_id = $1`, [MAIN_ORG]);
    const [counts] = await query<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM steps) AS steps, (SELECT count(*)::int FROM messages) AS messages,
              (SELECT count(*)::int FROM provider_traces) AS traces, (SELECT count(*)::int FROM step_metrics) AS metrics,
              (SELECT count(*)::int FROM organizations) AS organizations, (SELECT count(*)::int FROM gateway_feedback_entries) AS "feedbackEntries",
              $1::int AS "mainOrganizationSteps"`, [total]);
    const { key, id: apiKeyId } = await createKey(db.prisma, MAIN_ORG, { name: `bench ${new Date().toISOString()}`, permissions: ['on-behalf-of-users'] });
    return {
      key,
      apiKeyId,
      dataset: counts!,
      fixtures: {
        stepIds: steps.map((row) => row.id),
        agentIds: agents.map((row) => row.agent_id),
        deepCursor: createCursors((await readSecrets(db.sql)).cursor).encode('steps:desc', { createdAt: deep!.created_at, id: deep!.id }),
        deepOffset,
        createdAfter: range!.after.toISOString(),
        createdBefore: range!.before.toISOString(),
        negativeTags: ['hallucination', 'slow', 'wrong-tool', 'formatting', 'regression', 'needs-review'],
      },
    };
  } finally {
    await db.close();
  }
}
