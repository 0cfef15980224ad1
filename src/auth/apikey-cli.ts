import { parseFlags, withDatabase } from '../cli.ts';
import { createKey, listKeys, revokeKey } from './api-keys.ts';

const usage = `usage:
  npm run apikey -- create --org <organization id> [--name <label>]
  npm run apikey -- list
  npm run apikey -- revoke <key id>`;

const { flags, positional } = parseFlags(process.argv.slice(2));
const [command, argument] = positional;

await withDatabase(async (db) => {
  switch (command) {
    case 'create': {
      if (flags.org === undefined) throw new Error(usage);
      const created = await createKey(db.prisma, flags.org, flags.name);
      process.stdout.write(
        `Created API key ${created.id} for ${created.organizationId}.\n` +
          `Key (shown once, store it now): ${created.key}\n` +
          `Send it as: Authorization: Bearer ${created.key}\n`,
      );
      return;
    }
    case 'list': {
      const keys = await listKeys(db.prisma);
      if (keys.length === 0) process.stdout.write('No API keys.\n');
      for (const key of keys) {
        const state = key.revokedAt === null ? 'active' : `revoked ${key.revokedAt.toISOString()}`;
        process.stdout.write(
          `${key.id}  ${key.organizationId}  ${key.keyPrefix}…  ${key.name ?? '-'}  created ${key.createdAt.toISOString()}  ${state}\n`,
        );
      }
      return;
    }
    case 'revoke': {
      if (argument === undefined) throw new Error(usage);
      if (!(await revokeKey(db.prisma, argument))) throw new Error(`No API key with id ${argument}.`);
      process.stdout.write(`Revoked ${argument}.\n`);
      return;
    }
    default:
      throw new Error(usage);
  }
});
