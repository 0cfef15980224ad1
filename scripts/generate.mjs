// Generates the Prisma client and the Pothos types from prisma/schema.prisma.
//
// `prisma generate` needs no schema engine, but the CLI still tries to download one first. On machines
// that cannot reach Prisma's binary host that download fails, so we point the CLI at an existing file
// (any file will do: it is never executed by `generate`).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
// The Pothos generator is found on PATH, as npm scripts would put it there.
env.PATH = [path.resolve('node_modules/.bin'), env.PATH].join(path.delimiter);
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;

const cli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, 'generate', '--schema', 'prisma/schema.prisma'], {
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
