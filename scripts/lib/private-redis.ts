import { spawn, type ChildProcess } from 'node:child_process';

import { freePort } from './private-postgres.ts';

/** A Redis server of our own on a port of its own, keeping nothing on disk, that can be stopped and started again. */
export interface PrivateRedis {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const ping = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = spawn('redis-cli', ['-p', String(port), 'ping']);
    let out = '';
    probe.stdout.on('data', (chunk) => (out += chunk));
    probe.on('error', () => resolve(false));
    probe.on('close', () => resolve(out.trim() === 'PONG'));
  });

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let server: ChildProcess | undefined;
  const start = async () => {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let tries = 0; !(await ping(port)); tries++) {
      if (tries > 100) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async () => {
    if (server === undefined || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}
