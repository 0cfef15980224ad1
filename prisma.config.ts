import { defineConfig } from 'prisma/config';

// The gateway applies its own SQL migrations (src/db/migrate.ts); this file only tells the Prisma CLI
// where the schema and migrations are, and which database `prisma migrate status` should look at.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/postgres' },
});
