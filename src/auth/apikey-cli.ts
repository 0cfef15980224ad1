import { parseFlags, withDatabase } from '../cli.ts';
import { createKey, listKeys, revokeKey } from './api-keys.ts';

const usage = `usage:
  npm run apikey -- create --org <organization id> [--name <label>] [--expires <30d | 12h | 2027-01-01T00:00:00Z>]
  npm run apikey -- list
  npm run apikey -- revoke <key id>`;

/** `--expires`: a duration from now (90d, 12h, 30m) or an ISO 8601 time with a time zone. */
function parseExpiry(value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  const duration = value.match(/^(\d+)([dhm])$/);
  const date = duration
    ? new Date(now + Number(duration[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[duration[2] as 'd' | 'h' | 'm'])
    : /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(value)
      ? new Date(value)
      : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new Error(`--expires must be a duration (90d, 12h, 30m) or an ISO 8601 time (got "${value}").`);
  if (date.getTime() <= now) throw new Error('--expires must be in the future.');
  return date;
}

const { flags, positional } = parseFlags(process.argv.slice(2));
const [command, argument] = positional;

await withDatabase(async (db) => {
  switch (command) {
    case 'create': {
      if (flags.org === undefined) throw new Error(usage);
      const created = await createKey(db.prisma, flags.org, flags.name, parseExpiry(flags.expires));
      process.stdout.write(
        `Created API key ${created.id} for ${created.organizationId}` +
          (created.expiresAt !== null ? `, expiring ${created.expiresAt.toISOString()}` : '') +
          '.\n' +
          `Key (shown once, store it now): ${created.key}\n` +
          `Send it as: Authorization: Bearer ${created.key}\n`,
      );
      return;
    }
    case 'list': {
      const keys = await listKeys(db.prisma);
      if (keys.length === 0) process.stdout.write('No API keys.\n');
      for (const key of keys) {
        const state =
          key.revokedAt !== null
            ? `revoked ${key.revokedAt.toISOString()}`
            : key.expiresAt !== null && key.expiresAt <= new Date()
              ? `expired ${key.expiresAt.toISOString()}`
              : key.expiresAt !== null
                ? `active until ${key.expiresAt.toISOString()}`
                : 'active';
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
