import { spawn, type ChildProcess } from 'node:child_process';
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
