import { migrate } from '../src/db/migrate.ts';
import { rebuildStats } from '../src/db/stats-tables.ts';
import { withDatabase } from '../src/cli.ts';

/**
 * `npm run stats:rebuild`: builds the pre-aggregated step statistics afresh from Letta's tables, for when they
 * were lost or went stale (a restore of Letta's tables alone, rows hard-deleted, writes that left `updated_at`
 * as it was). A running gateway keeps answering meanwhile, from Letta's tables, and takes the rebuilt ones up.
 */
await withDatabase(async (db) => {
  await migrate(db.sql);
  const started = performance.now();
  const { facts, rollups } = (await rebuildStats(db.sql))!;
  process.stdout.write(`Rebuilt the step statistics: ${facts} steps, ${rollups} hourly rows, in ${((performance.now() - started) / 1000).toFixed(1)} s.\n`);
});
