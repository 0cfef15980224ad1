import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import PrismaPlugin from '@pothos/plugin-prisma';

import type PrismaTypes from '../../prisma/generated/pothos-types.ts';
import { getDatamodel } from '../../prisma/generated/pothos-types.ts';
import type { Context } from '../context.ts';

/**
 * The schema is written with Pothos. @pothos/plugin-prisma is not used to read: every read of Letta's tables
 * must be scoped to the organization and to rows not deleted, paginated over (created_at, id) with undated
 * rows oldest, read one statement per level for a whole page, and narrowed to the selected columns, which the
 * data layer (db/, loaders/) does; the plugin's `prismaObject`/`t.relation` fields would read Letta's tables
 * with none of it, and the joins that matter (a step's trace, its metrics) have no foreign key to follow. It
 * stays registered because its generator writes the datamodel (prisma/generated/pothos-types.ts) that
 * db/columns.ts maps columns with, and its types come with it; a field that did read through it fails at
 * once (the client below throws), and test/architecture.test.ts refuses its field builders in src/.
 */
export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    /** Inputs are normalized to UTC ISO strings with microseconds, which is also how rows hold times; see scalars.ts. */
    DateTime: { Input: string; Output: Date | string };
    BigInt: { Input: bigint; Output: bigint };
  };
}>({
  plugins: [PrismaPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  // Fields carry their cost; the limit is checked by the gateway with the request's variables
  // (security/query-limits.ts), so the plugin's own check on root resolvers is off.
  complexity: { defaultComplexity: 1, defaultListMultiplier: 1, disabled: true },
  // @pothos/plugin-prisma is registered for its types only: no field reads through it (see below).
  prisma: {
    client: () => {
      throw new Error('Fields do not read through @pothos/plugin-prisma: read Letta\'s tables through the loaders and db/ (see builder.ts).');
    },
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    onUnusedQuery: null,
  },
});

builder.queryType({ description: 'The root of every read.' });
builder.mutationType({ description: 'The root of every write.' });
