import type { LogLevel } from './config.ts';

const ranks: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Connection strings may carry passwords, and API keys are secrets: neither ever reaches a log line. */
export function redact(text: string): string {
  return text
    .replace(/(postgres(?:ql)?|rediss?):\/\/[^\s"]+/gi, '$1://[redacted]')
    .replace(/sgw_[A-Za-z0-9_-]+/g, 'sgw_[redacted]')
    .replace(/(Bearer\s+)[^\s"\\]+/gi, '$1[redacted]');
}

/** One JSON object per line on stdout (or the given writer). */
export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const log = (at: Exclude<LogLevel, 'silent'>) => (message: string, fields: Record<string, unknown> = {}) => {
    if (ranks[at] < ranks[level]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...fields }, (_key, value) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
    write(`${redact(line)}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** Describes an unexpected error for the operator's log: its class, code and message, never the data it carried. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    error: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: error.message,
    stack: error.stack?.split('\n').slice(1, 6).map((line) => line.trim()),
  };
}
