import { createHash } from 'node:crypto';

import { afterEach, describe, expect, it } from 'vitest';

import { migrate, pendingMigrations, readMigrations } from '../src/db/migrate.ts';
import { allowedTypes, checkSchema } from '../src/db/schema-check.ts';
import { prepareDatabase } from '../src/startup.ts';
import { createLogger } from '../src/logger.ts';
import { createEmptyDatabase, type TestDatabase } from './helpers/database.ts';
import { createTestGateway } from './helpers/gateway.ts';
import { LETTA_SCHEMA } from './helpers/letta-schema.ts';

const quiet = createLogger('silent');
let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.drop();
  database = undefined;
});

const snapshot = (db: TestDatabase['db']) =>
  db.sql.query(`
    SELECT (SELECT json_agg(s ORDER BY id) FROM steps s)::text AS steps,
           (SELECT json_agg(m ORDER BY id) FROM messages m)::text AS messages,
           (SELECT json_agg(t ORDER BY id) FROM provider_traces t)::text AS traces,
           (SELECT json_agg(x ORDER BY id) FROM step_metrics x)::text AS metrics,
           (SELECT json_agg(c.conname ORDER BY c.conname) FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
             WHERE r.relname IN ('steps', 'messages', 'provider_traces', 'step_metrics'))::text AS constraints`);

describe('migrations', () => {
  it('build an empty database and record themselves in _prisma_migrations as Prisma does', async () => {
    database = await createEmptyDatabase();
    const migrations = await readMigrations();
    expect(await pendingMigrations(database.db.sql)).toEqual(migrations.map((m) => m.name));
    expect(await migrate(database.db.sql)).toEqual(migrations.map((m) => m.name));
    expect(await migrate(database.db.sql)).toEqual([]);
    const rows = await database.db.sql.query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`,
    );
    expect(rows).toEqual(
      migrations.map((m) => ({
        migration_name: m.name,
        checksum: createHash('sha256').update(m.sql).digest('hex'),
        finished_at: expect.any(Date),
        applied_steps_count: 1,
      })),
    );
    expect(await checkSchema(database.db.sql)).toEqual([]);
    const indexes = await database.db.sql.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE indexname LIKE 'gateway_%' ORDER BY 1`);
    expect(indexes.map((row) => row.indexname)).toEqual([
      'gateway_api_keys_key_hash_key',
      'gateway_api_keys_pkey',
      'gateway_events_state_pkey',
      'gateway_feedback_entries_pkey',
      'gateway_feedback_versions_pkey',
      'gateway_idempotency_keys_pkey',
      'gateway_ix_api_keys_org',
      'gateway_ix_feedback_entries_deleted_at_id',
      'gateway_ix_feedback_entries_org_commented',
      'gateway_ix_feedback_entries_org_name_score',
      'gateway_ix_feedback_entries_org_score',
      'gateway_ix_feedback_entries_org_submitter',
      'gateway_ix_feedback_entries_step_created_at_id',
      'gateway_ix_feedback_entries_updated_at_id',
      'gateway_ix_idempotency_keys_expires_at',
      'gateway_ix_live_steps_org_agent_created_at_id',
      'gateway_ix_live_steps_org_created_at_id',
      'gateway_ix_live_steps_org_feedback_created_at_id',
      'gateway_ix_live_steps_org_model_created_at_id',
      'gateway_ix_live_steps_org_model_handle_created_at_id',
      'gateway_ix_live_steps_org_project_created_at_id',
      'gateway_ix_live_steps_org_provider_created_at_id',
      'gateway_ix_live_steps_org_run_created_at_id',
      'gateway_ix_live_steps_org_status_created_at_id',
      'gateway_ix_live_steps_org_stop_reason_created_at_id',
      'gateway_ix_live_steps_org_trace_id',
      'gateway_ix_live_steps_tags',
      'gateway_ix_live_steps_with_feedback_org_created_at_id',
      'gateway_ix_messages_step_created_at_id',
      'gateway_ix_messages_updated_at_id',
      'gateway_ix_provider_traces_updated_at_id',
      'gateway_ix_step_events_recorded_at',
      'gateway_ix_step_facts_org_created_at',
      'gateway_ix_step_metrics_updated_at_id',
      'gateway_ix_step_rollups_empty',
      'gateway_ix_steps_updated_at_id',
      'gateway_secrets_pkey',
      'gateway_stats_state_pkey',
      'gateway_step_event_heads_pkey',
      'gateway_step_events_pkey',
      'gateway_step_facts_pkey',
      'gateway_step_marks_pkey',
      'gateway_step_rollups_pkey',
      'gateway_ux_feedback_entries_current',
    ]);
  });

  it("leave a Letta database's tables, constraints and rows as they are, adding only what is missing", async () => {
    database = await createEmptyDatabase();
    await database.db.sql.exec(LETTA_SCHEMA);
    const before = await snapshot(database.db);
    await prepareDatabase(database.db, { migrateOnStart: true }, quiet);
    expect(await snapshot(database.db)).toEqual(before);
    const tables = await database.db.sql.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'gateway_%' ORDER BY 1`);
    expect(tables.map((row) => row.tablename)).toEqual([
      'gateway_api_keys', 'gateway_events_state', 'gateway_feedback_entries', 'gateway_feedback_versions', 'gateway_idempotency_keys', 'gateway_secrets',
      'gateway_stats_state', 'gateway_step_event_heads', 'gateway_step_events', 'gateway_step_facts', 'gateway_step_marks', 'gateway_step_rollups',
    ]);
    // Letta's own trace index is reused, not duplicated; the feed reads traces by the time they changed.
    const traceIndexes = await database.db.sql.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'provider_traces' AND indexname <> 'provider_traces_pkey' ORDER BY 1`);
    expect(traceIndexes).toEqual([{ indexname: 'gateway_ix_provider_traces_updated_at_id' }, { indexname: 'ix_step_id' }]);
  });

  it('let the gateway serve the rows a Letta server wrote', async () => {
    database = await createEmptyDatabase();
    await database.db.sql.exec(LETTA_SCHEMA);
    await prepareDatabase(database.db, { migrateOnStart: true }, quiet);
    const t = await createTestGateway({ database: { ...database, drop: async () => {} } });
    const { createKey } = await import('../src/auth/api-keys.ts');
    const { key } = await createKey(database.db.prisma, 'org-00000000-0000-4000-8000-00000000000a');
    const response = await t.graphql(
      key,
      `{ steps { totalCount nodes { id model tags status stopReason feedback createdAt
          messages { nodes { role content { __typename ... on ReasoningContent { reasoning } } } }
          trace { id requestJson } metrics { stepNs } } } }`,
    );
    expect(response.body).toEqual({
      data: {
        steps: {
          totalCount: 1,
          nodes: [
            {
              id: 'step-11111111-1111-4111-8111-111111111111',
              model: 'gpt-4o-mini',
              tags: ['letta'],
              status: 'SUCCESS',
              stopReason: 'END_TURN',
              feedback: 'POSITIVE',
              createdAt: '2025-09-01T12:00:00.654321Z',
              messages: { nodes: [{ role: 'ASSISTANT', content: [{ __typename: 'ReasoningContent', reasoning: 'hm' }] }] },
              trace: { id: 'provider_trace-33333333-3333-4333-8333-333333333333', requestJson: { model: 'gpt-4o-mini' } },
              metrics: { stepNs: '1234567890123456789' },
            },
          ],
        },
      },
    });
  });

  it('stop the start with a message naming each missing or mismatched column', async () => {
    database = await createEmptyDatabase();
    await database.db.sql.exec(LETTA_SCHEMA);
    await database.db.sql.exec(`
      ALTER TABLE steps DROP COLUMN model_handle;
      ALTER TABLE steps ALTER COLUMN tags TYPE text;
      ALTER TABLE steps ALTER COLUMN total_tokens DROP NOT NULL;
      ALTER TABLE step_metrics ALTER COLUMN step_ns TYPE text`);
    await expect(prepareDatabase(database.db, { migrateOnStart: true }, quiet)).rejects.toThrow(
      /steps\.model_handle is missing[\s\S]*steps\.total_tokens allows NULL[\s\S]*steps\.tags has type text, expected json or jsonb[\s\S]*step_metrics\.step_ns has type text/,
    );
  });

  it('can be run by several replicas at once: one applies, the others find nothing to do', async () => {
    database = await createEmptyDatabase();
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate(database!.db.sql)));
    expect(results.flat()).toEqual((await readMigrations()).map((m) => m.name));
    expect(await checkSchema(database.db.sql)).toEqual([]);
  });

  it('refuse to start without migrating when MIGRATE_ON_START=false and migrations are pending', async () => {
    database = await createEmptyDatabase();
    await expect(prepareDatabase(database.db, { migrateOnStart: false }, quiet)).rejects.toThrow(/npm run db:migrate/);
  });

  it('refuse a migration that was edited after it was applied', async () => {
    database = await createEmptyDatabase();
    const migrations = await readMigrations();
    await migrate(database.db.sql, migrations);
    const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
    await expect(migrate(database.db.sql, edited)).rejects.toThrow(/was changed after it was applied/);
  });
});

describe('the start-up column check', () => {
  // Every scalar type a Prisma schema can declare (https://www.prisma.io/docs/orm/reference/prisma-schema-reference#model-field-scalar-types).
  const PRISMA_SCALAR_TYPES = ['String', 'Boolean', 'Int', 'BigInt', 'Float', 'Decimal', 'DateTime', 'Json', 'Bytes'];

  it('maps every Prisma scalar type, a float column included, to Postgres types that exist', async () => {
    database = await createEmptyDatabase();
    const known = new Set(
      (await database.db.sql.query<{ typname: string }>(`SELECT typname FROM pg_type`)).map((row) => row.typname),
    );
    for (const type of PRISMA_SCALAR_TYPES) {
      const allowed = allowedTypes({ type, kind: 'scalar' });
      expect(allowed.length, type).toBeGreaterThan(0);
      for (const udt of allowed.filter((name) => name !== 'citext')) expect(known.has(udt), `${type}: ${udt}`).toBe(true);
    }
    expect(allowedTypes({ type: 'Float', kind: 'scalar' })).toContain('float8');
    expect(allowedTypes({ type: 'StepStatus', kind: 'enum' })).toEqual(['stepstatus']);
    expect(() => allowedTypes({ type: 'Unsupported', kind: 'scalar' })).toThrow(/no Postgres type/);
  });
});
