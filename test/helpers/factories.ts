import { randomUUID } from 'node:crypto';

import { createKey } from '../../src/auth/api-keys.ts';
import type { Permission } from '../../src/auth/principal.ts';
import type { Database } from '../../src/db/database.ts';

type Row = Record<string, unknown>;

export const newId = (prefix: string) => `${prefix}-${randomUUID()}`;

async function insert(db: Database, table: string, row: Row): Promise<void> {
  const columns = Object.keys(row);
  const values = columns.map((column) => {
    const value = row[column];
    return value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value;
  });
  await db.sql.query(
    `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
    values,
  );
}

/**
 * An organization with an API key: what a tenant of the gateway is. Its id is random unless given (what the
 * seed draws depends on it).
 */
export async function createTenant(db: Database, name = 'Tenant', organizationId = newId('org')) {
  await insert(db, 'organizations', { id: organizationId, name });
  const { key, id: apiKeyId } = await createKey(db.prisma, organizationId, { name: `${name} key` });
  return { organizationId, key, apiKeyId };
}

/** Another key of a tenant's organization, with the given permissions. */
export async function createTenantKey(db: Database, organizationId: string, name: string, permissions: Permission[] = []) {
  const { key, id: apiKeyId } = await createKey(db.prisma, organizationId, { name, permissions });
  return { organizationId, key, apiKeyId };
}

export async function insertStep(db: Database, organizationId: string, fields: Row = {}): Promise<string> {
  const id = (fields.id as string | undefined) ?? newId('step');
  await insert(db, 'steps', { id, organization_id: organizationId, tags: [], status: 'SUCCESS', ...fields });
  return id;
}

export async function insertMessage(db: Database, organizationId: string, stepId: string | null, fields: Row = {}): Promise<string> {
  const id = (fields.id as string | undefined) ?? newId('message');
  await insert(db, 'messages', {
    id,
    organization_id: organizationId,
    agent_id: 'agent-1',
    role: 'user',
    step_id: stepId,
    tool_calls: [],
    ...fields,
  });
  return id;
}

export async function insertTrace(db: Database, organizationId: string, stepId: string, fields: Row = {}): Promise<string> {
  const id = (fields.id as string | undefined) ?? newId('provider_trace');
  await insert(db, 'provider_traces', {
    id,
    organization_id: organizationId,
    step_id: stepId,
    request_json: { model: 'gpt-4o-mini' },
    response_json: { id: 'chatcmpl-1' },
    ...fields,
  });
  return id;
}

export async function insertMetrics(db: Database, stepId: string, fields: Row = {}): Promise<void> {
  await insert(db, 'step_metrics', { id: stepId, agent_id: 'agent-1', ...fields });
}

export async function insertRaw(db: Database, table: string, row: Row): Promise<void> {
  await insert(db, table, row);
}
