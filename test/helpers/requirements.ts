/**
 * What a test needs that a run may not have. A test or suite that is skipped for want of it carries the
 * reason in its name, and the run ends with a line per reason (test/helpers/skip-reporter.ts).
 */
export const NEEDS_POSTGRES = '[needs Postgres: set DATABASE_URL to run it]';
export const NEEDS_EMBEDDED = '[needs the embedded database: unset DATABASE_URL to run it]';
export const NEEDS_CHROMIUM = '[needs Chromium: apt-get install -y chromium]';
export const NEEDS_REDIS = '[needs Redis at TEST_REDIS_URL or 127.0.0.1:6379]';
