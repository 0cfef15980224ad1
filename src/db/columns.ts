import { Prisma } from '../../prisma/generated/client/client.ts';
import { getDatamodel } from '../../prisma/generated/pothos-types.ts';
import { isoTimeSql } from './keyset.ts';

/**
 * Where each mapped field lives in the database. schema.prisma maps every field to its snake_case column,
 * except Letta's two audit columns, which carry a leading underscore. The start-up check (schema-check.ts)
 * fails loudly if this rule and schema.prisma ever disagree.
 */
export function columnName(field: string): string {
  let column = columnNames.get(field);
  if (column === undefined) {
    column = field === 'createdById' ? '_created_by_id' : field === 'lastUpdatedById' ? '_last_updated_by_id' : field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    columnNames.set(field, column);
  }
  return column;
}
const columnNames = new Map<string, string>();

/**
 * Select lists are built for each page a request reads, from a few shapes: each shape's SQL is kept (a bounded
 * number, the first ones seen), so that a page does not rebuild it.
 */
const built = new Map<string, Prisma.Sql>();
function memo(key: string, build: () => Prisma.Sql): Prisma.Sql {
  let sql = built.get(key);
  if (sql === undefined) {
    sql = build();
    if (built.size < 10_000) built.set(key, sql);
  }
  return sql;
}

export const tableNames = {
  Organization: 'organizations',
  Step: 'steps',
  Message: 'messages',
  ProviderTrace: 'provider_traces',
  StepMetrics: 'step_metrics',
  GatewayApiKey: 'gateway_api_keys',
  GatewayIdempotencyKey: 'gateway_idempotency_keys',
  GatewaySecret: 'gateway_secrets',
  GatewayFeedbackEntry: 'gateway_feedback_entries',
  GatewayFeedbackVersion: 'gateway_feedback_versions',
} as const;

export type ModelName = keyof typeof tableNames;

/** Every scalar field of each model. */
export const scalarFields: Record<ModelName, readonly string[]> = {
  Organization: Object.keys(Prisma.OrganizationScalarFieldEnum),
  Step: Object.keys(Prisma.StepScalarFieldEnum),
  Message: Object.keys(Prisma.MessageScalarFieldEnum),
  ProviderTrace: Object.keys(Prisma.ProviderTraceScalarFieldEnum),
  StepMetrics: Object.keys(Prisma.StepMetricsScalarFieldEnum),
  GatewayApiKey: Object.keys(Prisma.GatewayApiKeyScalarFieldEnum),
  GatewayIdempotencyKey: Object.keys(Prisma.GatewayIdempotencyKeyScalarFieldEnum),
  GatewaySecret: Object.keys(Prisma.GatewaySecretScalarFieldEnum),
  GatewayFeedbackEntry: Object.keys(Prisma.GatewayFeedbackEntryScalarFieldEnum),
  GatewayFeedbackVersion: Object.keys(Prisma.GatewayFeedbackVersionScalarFieldEnum),
};

/** The fields of each model that hold a time, read as text so that no microsecond is lost (see selectList). */
const timeFields: Record<string, ReadonlySet<string>> = Object.fromEntries(
  Object.entries(getDatamodel().datamodel.models).map(([model, { fields }]) => [
    model,
    new Set(fields.filter((field) => field.type === 'DateTime').map((field) => field.name)),
  ]),
);

/**
 * A row as the gateway reads it with selectList: like Prisma's model object, except that times are strings in
 * UTC with microseconds (`2025-01-29T23:01:19.123456Z`), as Postgres keeps them; a JavaScript Date would keep
 * only milliseconds, and a time written back in a filter would then no longer match its row.
 */
export type Stored<Model> = { [Field in keyof Model]: Model[Field] extends Date ? string : Model[Field] extends Date | null ? string | null : Model[Field] };

/**
 * A select list for raw SQL that yields rows shaped like Prisma's model objects (`"s"."run_id" AS "runId"`),
 * with times as text at full precision (see Stored). `fields` limits it to some of the model's fields (see
 * columnsFor); by default it reads them all. `prefix` names the output columns `<prefix>.<field>`, for a row
 * joined to another.
 */
export function selectList(model: ModelName, alias: string, fields: readonly string[] = scalarFields[model], prefix = ''): Prisma.Sql {
  return memo(`select|${model}|${alias}|${prefix}|${fields.join(',')}`, () => buildSelectList(model, alias, fields, prefix));
}

function buildSelectList(model: ModelName, alias: string, fields: readonly string[], prefix: string): Prisma.Sql {
  const times = timeFields[model];
  return Prisma.raw(
    fields
      .map((field) => {
        const column = `"${alias}"."${columnName(field)}"`;
        return `${times?.has(field) ? isoTimeSql(column) : column} AS "${prefix}${field}"`;
      })
      .join(', '),
  );
}

/**
 * The plain columns behind some fields of a model, with the columns every keyset read orders and joins by
 * (`id`, `created_at`, and those in `always`), for the inner reads of a page (see keysetRows); undefined
 * fields mean every column.
 */
export function plainColumns(alias: string, fields: readonly string[] | undefined, always: readonly string[] = []): Prisma.Sql | undefined {
  if (fields === undefined) return undefined;
  return memo(`plain|${alias}|${always.join(',')}|${fields.join(',')}`, () => {
    const columns = new Set(['id', 'created_at', ...always, ...fields.map(columnName)]);
    return Prisma.raw([...columns].map((column) => `"${alias}"."${column}"`).join(', '));
  });
}

/**
 * The fields of a model that a selection needs: its id, every selected field that is a column of the same
 * name, and the columns that computed fields read (`needs`, by GraphQL field name).
 */
export function columnsFor(model: ModelName, selected: Iterable<string>, needs: Readonly<Record<string, readonly string[]>> = {}): string[] {
  const known = new Set(scalarFields[model]);
  const fields = new Set<string>(['id']);
  for (const name of selected) {
    if (known.has(name)) fields.add(name);
    for (const field of needs[name] ?? []) fields.add(field);
  }
  return [...fields].sort();
}

export interface MappedColumn {
  table: string;
  column: string;
  /** The Prisma type of the field: String, Int, BigInt, Boolean, DateTime, Json, or an enum's name. */
  type: string;
  kind: 'scalar' | 'enum';
  required: boolean;
  /** A list field (`String[]`): a Postgres array of the type. */
  list: boolean;
}

/** Every column the gateway maps, from the generated datamodel. */
export function mappedColumns(): MappedColumn[] {
  const { models } = getDatamodel().datamodel;
  return (Object.keys(tableNames) as ModelName[]).flatMap((model) =>
    (models[model]?.fields ?? [])
      .filter((field) => field.kind === 'scalar' || field.kind === 'enum')
      .map((field) => ({
        table: tableNames[model],
        column: columnName(field.name),
        type: field.type,
        kind: field.kind as 'scalar' | 'enum',
        required: field.isRequired,
        list: field.isList,
      })),
  );
}
