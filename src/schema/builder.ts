import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import PrismaPlugin from '@pothos/plugin-prisma';

import type PrismaTypes from '../../prisma/generated/pothos-types.ts';
import { getDatamodel } from '../../prisma/generated/pothos-types.ts';
import type { Context } from '../context.ts';

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
  prisma: {
    client: (ctx) => ctx.db.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    onUnusedQuery: null,
  },
});

builder.queryType({ description: 'The root of every read.' });
builder.mutationType({ description: 'The root of every write.' });
