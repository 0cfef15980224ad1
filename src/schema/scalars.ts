import { Kind, type ValueNode } from 'graphql';

import { badUserInput } from '../errors.ts';
import { builder } from './builder.ts';

function literalToJs(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literalToJs);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literalToJs(field.value)]));
    default:
      throw badUserInput('JSON literals cannot contain variables.');
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value (object, array, string, number, boolean or null), sent as it is stored.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literalToJs,
});

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.(\d{1,9}))?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Parses an ISO 8601 input into UTC with microsecond precision ("2025-01-29T23:01:19.123456Z"), the
 * precision Postgres keeps: a filter on a timestamp must not silently round it to milliseconds.
 */
export function parseDateTime(value: unknown): string {
  const match = typeof value === 'string' ? ISO_DATE_TIME.exec(value) : null;
  const millis = match ? Date.parse(value as string) : Number.NaN;
  if (match === null || Number.isNaN(millis)) {
    throw badUserInput('DateTime must be an ISO 8601 date and time with a time zone, e.g. "2025-01-29T15:01:19Z".');
  }
  const micros = (match[1] ?? '').padEnd(6, '0').slice(3, 6);
  const iso = new Date(millis).toISOString();
  // Years outside 1-9999 (in UTC) come out as "+010000-…" or "0000-…", which Postgres refuses.
  if (!/^\d{4}-/.test(iso) || iso.startsWith('0000')) throw badUserInput('DateTime must fall between the years 1 and 9999.');
  return iso.replace('Z', `${micros}Z`);
}

/** A time as the database renders it for the API (db/keyset.ts isoTimeSql). */
const STORED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

builder.scalarType('DateTime', {
  description:
    'A point in time as an ISO 8601 string. Results are in UTC with microsecond precision, as the database keeps them (e.g. "2025-01-29T23:01:19.123456Z"), so a time read can be sent back in a filter exactly; inputs may carry any offset and up to microsecond precision.',
  // Rows carry times as such strings (see db/columns.ts), which go out as they are; a Date has milliseconds only.
  serialize: (value) =>
    typeof value !== 'string' ? value.toISOString().replace('Z', '000Z') : STORED_TIME.test(value) ? value : parseDateTime(value),
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime(node.kind === Kind.STRING ? node.value : undefined),
});

function parseBigInt(value: unknown): bigint {
  if ((typeof value === 'string' && /^-?\d{1,19}$/.test(value)) || (typeof value === 'number' && Number.isSafeInteger(value))) {
    return BigInt(value);
  }
  throw badUserInput('BigInt must be an integer, sent as a string of decimal digits.');
}

builder.scalarType('BigInt', {
  description:
    'A 64-bit integer, sent as a string of decimal digits so that no precision is lost (JSON numbers are exact only up to 2^53).',
  serialize: (value) => value.toString(),
  parseValue: parseBigInt,
  parseLiteral: (node) => parseBigInt(node.kind === Kind.STRING || node.kind === Kind.INT ? node.value : undefined),
});
