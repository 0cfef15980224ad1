import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  child: ChildProcess;
  /** The GraphQL endpoint, as the gateway printed it. */
  url: string;
  base: string;
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

/**
 * The gateway as a process of its own, run as `npm start` runs it: Node itself with tsx as a loader, so that
 * signals reach the gateway and not a wrapper that relays them. Resolves once it prints where it listens.
 */
export async function startGateway(env: Record<string, string | undefined>, imports: string[] = []): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...imports.flatMap((module) => ['--import', module]), 'src/main.ts'], {
    cwd: root,
    env: { PORT: '0', LOG_LEVEL: 'info', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${stderr}`)), 90_000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = stderr.match(/running at (http:\/\/\S+\/graphql)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return { child, url, base: url.replace(/\/graphql$/, ''), exited, stdout: () => stdout, stderr: () => stderr };
}

/** Runs a program of examples/ as `npm run example:*` does, against the gateway at `url` with `key`: its exit code and output. */
export function runExample(file: string, url: string, key: string, args: string[] = [], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: root, env: { ...process.env, STEPS_GATEWAY_URL: url, STEPS_GATEWAY_KEY: key, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The README's `ts` blocks that show a file (they start with `// <file>:`): the file itself, once, where it is shown. */
export function readmeCopiesOf(file: string): string[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!).filter((block) => block.startsWith(`// ${file}:`));
}
