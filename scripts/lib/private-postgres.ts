import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function binDir(): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql').catch(() => [])).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('No PostgreSQL server binaries under /usr/lib/postgresql.');
  return path.join('/usr/lib/postgresql', versions[0]!, 'bin');
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs a server binary as the postgres user (Postgres refuses to run as root). */
const asPostgres = (bin: string, args: string[]) =>
  process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', bin, ...args]) : run(bin, args);

/**
 * Where a lasting private cluster (the benchmark's) lives: under the system's temporary folder, outside the
 * checkout, which may sit in a folder the postgres user cannot enter (a home folder of mode 700, /root). One
 * per checkout and user, so that two checkouts do not share a dataset.
 */
export function clusterDir(name: string, checkout: string): string {
  const id = createHash('sha256').update(checkout).digest('hex').slice(0, 12);
  return path.join(tmpdir(), `steps-gateway-${name}-${process.getuid?.() ?? 'user'}-${id}`);
}

export interface PrivatePostgresOptions {
  /** Where the cluster lives. A folder that already holds one is started as it is; default: a new temporary folder. */
  dir?: string;
  port?: number;
  /** Server settings (`-c name=value`), on top of a port, a socket folder and max_connections=200. */
  settings?: Record<string, string | number>;
}

/**
 * A Postgres cluster of our own, in a folder of its own on a port of its own, that a test may stop, restart
 * and break, and that the benchmark may configure, without touching the machine's shared server.
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}) {
  const bin = await binDir();
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'steps-gateway-pg-')));
  await mkdir(dir, { recursive: true });
  // The server runs as the postgres user when we are root, and writes its socket and log here: the folder is
  // its own, and no one else's to enter.
  if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', dir]);
  await chmod(dir, 0o700);
  const data = path.join(dir, 'data');
  const port = options.port ?? (await freePort());
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    await asPostgres(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  }
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: dir, max_connections: 200, ...options.settings };
  const serverOptions = [`-p ${port}`, ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)].join(' ');
  const ctl = (args: string[]) => asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, ...args]);
  const cluster = {
    port,
    dir,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await ctl(['-o', serverOptions, '-l', path.join(dir, 'log'), '-w', 'start']);
    },
    /** `fast` ends sessions cleanly; `immediate` is a crash as far as clients are concerned. */
    async stop(mode: 'fast' | 'immediate' = 'fast') {
      await ctl(['-m', mode, '-w', 'stop']);
    },
    async destroy() {
      await cluster.stop('immediate').catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  // A cluster left running by an interrupted run is stopped first, so that the settings above apply.
  if (existsSync(path.join(data, 'postmaster.pid'))) await cluster.stop('fast').catch(() => {});
  await cluster.start();
  return cluster;
}

export type PrivatePostgres = Awaited<ReturnType<typeof startPrivatePostgres>>;
