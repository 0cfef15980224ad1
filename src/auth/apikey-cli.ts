import { CliError, parseFlags, withDatabase } from '../cli.ts';
import { createKey, listKeys, listOrganizations, revokeKey } from './api-keys.ts';

const usage = `usage:
  npm run apikey -- create --org <organization id> [--name <label>] [--expires <30d | 12h | 2027-01-01T00:00:00Z>]
                           [--create-org [--org-name <name>]]   create the organization too, when it does not exist
                           [--on-behalf-of-users]               let the key submit feedback in the name of end users
  npm run apikey -- list
  npm run apikey -- revoke <key id>
  npm run apikey -- orgs                                         the organizations keys can be made for

It reads the database from the environment, as the gateway does (DATABASE_URL, or embedded Postgres in DATA_DIR).`;

/** `--expires`: a duration from now (90d, 12h, 30m) or an ISO 8601 time with a time zone. */
function parseExpiry(value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  const duration = value.match(/^(\d+)([dhm])$/);
  const date = duration
    ? new Date(now + Number(duration[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[duration[2] as 'd' | 'h' | 'm'])
    : /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(value)
      ? new Date(value)
      : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new CliError(`--expires must be a duration (90d, 12h, 30m) or an ISO 8601 time (got "${value}").`);
  if (date.getTime() <= now) throw new CliError('--expires must be in the future.');
  return date;
}

const { flags, positional } = parseFlags(process.argv.slice(2));
const [command, argument] = positional;

if (flags.help !== undefined || flags.h !== undefined || command === 'help' || command === undefined) {
  // Usage needs no database, so it works while a gateway holds the embedded one.
  (command === undefined && flags.help === undefined && flags.h === undefined ? process.stderr : process.stdout).write(`${usage}\n`);
  if (command === undefined && flags.help === undefined && flags.h === undefined) process.exitCode = 2;
} else if (!['create', 'list', 'revoke', 'orgs'].includes(command)) {
  process.stderr.write(`Unknown command "${command}".\n${usage}\n`);
  process.exitCode = 2;
} else {
  await withDatabase(
    async (db) => {
      switch (command) {
        case 'create': {
          if (flags.org === undefined || flags.org === 'true') throw new CliError(`create needs --org <organization id>.\n${usage}`);
          const expiresAt = parseExpiry(flags.expires);
          const created = await createKey(db.prisma, flags.org, {
            name: flags.name,
            expiresAt,
            permissions: flags['on-behalf-of-users'] !== undefined ? ['on-behalf-of-users'] : [],
            createOrganization: flags['create-org'] !== undefined ? { name: flags['org-name'] ?? flags.org } : undefined,
          });
          process.stdout.write(
            (created.organizationCreated ? `Created organization ${created.organizationId}.\n` : '') +
              `Created API key ${created.id} for ${created.organizationId}` +
              (created.expiresAt !== null ? `, expiring ${created.expiresAt.toISOString()}` : '') +
              (created.permissions.length > 0 ? `, allowed ${created.permissions.join(', ')}` : '') +
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
              `${key.id}  ${key.organizationId}  ${key.keyPrefix}…  ${key.name ?? '-'}  created ${key.createdAt.toISOString()}  ${state}` +
                (key.permissions.length > 0 ? `  ${key.permissions.join(',')}` : '') +
                '\n',
            );
          }
          return;
        }
        case 'orgs': {
          const organizations = await listOrganizations(db.prisma);
          if (organizations.length === 0) process.stdout.write('No organizations: create one with "apikey create --org <id> --create-org".\n');
          for (const organization of organizations) process.stdout.write(`${organization.id}  ${organization.name}\n`);
          return;
        }
        case 'revoke': {
          if (argument === undefined) throw new CliError(`revoke needs the key's id.\n${usage}`);
          if (!(await revokeKey(db.prisma, argument))) throw new CliError(`No API key with id ${argument} (see "npm run apikey -- list").`);
          process.stdout.write(`Revoked ${argument}.\n`);
          return;
        }
      }
    },
    { migrated: true },
  );
}
