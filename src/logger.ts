import type { LogLevel } from './config.ts';
import { requestScope } from './db/request-scope.ts';

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

/**
 * One JSON object per line on stdout (or the given writer). A line written while a request is handled carries
 * its `requestId`, whoever writes it, so that one grep for a response's `x-request-id` finds all of them.
 */
export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const log = (at: Exclude<LogLevel, 'silent'>) => (message: string, fields: Record<string, unknown> = {}) => {
    if (ranks[at] < ranks[level]) return;
    const requestId = requestScope.getStore()?.requestId;
    const line = JSON.stringify(
      { time: new Date().toISOString(), level: at, msg: message, ...(requestId !== undefined ? { requestId } : {}), ...fields },
      (_key, value) => (typeof value === 'bigint' ? value.toString() : value),
    );
    write(`${redact(line)}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/**
 * Describes an error for the operator's log, as the `err` field of a line: its class, code, message and the
 * top of its stack, and its cause the same way; never the data it carried.
 */
export function describeError(error: unknown): { err: Record<string, unknown> } {
  return { err: errorFields(error, 0) };
}

function errorFields(error: unknown, depth: number): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  return {
    type: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: error.message,
    stack: error.stack?.split('\n').slice(1, 6).map((line) => line.trim()),
    ...(cause !== undefined && depth < 3 ? { cause: errorFields(cause, depth + 1) } : {}),
  };
}

/**
 * The logger as graphql-yoga calls it: any arguments, an Error among them (yoga logs each error it masked,
 * which maskError has already logged with its cause, so that one goes at debug level).
 */
export function yogaLogger(logger: Logger) {
  const adapt = (at: keyof Logger) => (...args: unknown[]) => {
    const error = args.find((arg) => arg instanceof Error);
    const message = args.find((arg): arg is string => typeof arg === 'string') ?? (error !== undefined ? 'graphql-yoga error' : 'graphql-yoga');
    const level = at === 'error' && error !== undefined ? 'debug' : at;
    logger[level](message, error !== undefined ? describeError(error) : {});
  };
  return { debug: adapt('debug'), info: adapt('info'), warn: adapt('warn'), error: adapt('error') };
}
