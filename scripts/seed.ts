import { migrate } from '../src/db/migrate.ts';
import { seed } from '../src/db/seed.ts';
import { parseFlags, withDatabase } from '../src/cli.ts';

const usage = 'usage: npm run db:seed -- --org <organization id> [--steps 1000] [--seed 1] [--name <organization name>]';
const { flags } = parseFlags(process.argv.slice(2));
const organizationId = flags.org;
const steps = Number(flags.steps ?? 1000);
const seedValue = Number(flags.seed ?? 1);
if (organizationId === undefined || !Number.isSafeInteger(steps) || steps < 0 || !Number.isSafeInteger(seedValue)) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}

await withDatabase(async (db) => {
  await migrate(db.sql);
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const result = await seed(db.sql, {
    organizationId,
    organizationName: flags.name ?? organizationId,
    steps,
    seed: seedValue,
    onProgress: (done, total) => {
      const rate = done / ((performance.now() - started) / 1000);
      process.stderr.write(`\rseeded ${done}/${total} steps (${elapsed()}, ${Math.round(rate)}/s, about ${Math.round((total - done) / rate)} s left)   `);
    },
  });
  process.stderr.write('\n');
  process.stdout.write(
    `Seeded ${organizationId}: ${result.steps} steps, ${result.messages} messages, ${result.traces} traces, ${result.metrics} metrics, ${result.feedbackEntries} feedback entries in ${elapsed()}.\n`,
  );
});
