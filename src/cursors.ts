import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

import type { Position } from './db/keyset.ts';
import { badUserInput } from './errors.ts';

/**
 * Which list a cursor belongs to: `steps:desc` (newest first) or `steps:asc`, `messages:<step id>`. A cursor is
 * valid only in its own list and order: elsewhere its position would mean something else.
 */
export type ListKey = string;

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ID = /^[\x21-\x7e]{1,200}$/;
const MAC_LENGTH = 22;
/** Items of one row are numbered below this (see Position.index). */
const MAX_INDEX = 1000;

export interface Cursors {
  encode(list: ListKey, position: Position): string;
  /** The position a cursor names, or BAD_USER_INPUT naming `argument` for anything but a cursor of `list`. */
  decode(value: string, list: ListKey, argument: string): Position;
  /** A cursor of a list ordered by other values than a position (the groups of stepStats): the values of an item. */
  encodeKey(list: ListKey, key: readonly (string | null)[]): string;
  /** The values a key cursor of `list` names, `length` of them, or BAD_USER_INPUT naming `argument`. */
  decodeKey(value: string, list: ListKey, argument: string, length: number): (string | null)[];
}

/**
 * Opaque cursors: the list, and the position in it, signed with the deployment's secret (HMAC-SHA-256, 128
 * bits), so that a cursor of another list or order, an edited one or a made-up one is refused rather than
 * silently read as some other position. Every replica of a deployment shares the secret (it is kept in the
 * database), so a cursor from one is good on all of them.
 */
export function createCursors(secret: string): Cursors {
  const key = createSecretKey(Buffer.from(`cursor:${secret}`));
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url').slice(0, MAC_LENGTH);
  const seal = (fields: unknown[]) => {
    const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
    return `${payload}.${mac(payload)}`;
  };
  /** The fields of a cursor this deployment signed, or undefined. */
  const open = (value: string): unknown => {
    const dot = value.lastIndexOf('.');
    const payload = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1));
    if (!(dot > 0 && given.length === MAC_LENGTH && timingSafeEqual(given, Buffer.from(mac(payload))))) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
  };
  const notACursor = (argument: string) => badUserInput(`"${argument}" is not a cursor returned by this API.`, argument);
  const ofList = (decoded: unknown[], list: ListKey, argument: string) => {
    if (decoded[0] !== list) {
      throw badUserInput(
        `"${argument}" is a cursor of another list or order: pass a cursor that this list returned, with the same order.`,
        argument,
      );
    }
  };
  return {
    encode(list, position) {
      return seal([list, position.createdAt, position.id, ...(position.index !== undefined ? [position.index] : [])]);
    },
    decode(value, list, argument) {
      const decoded = open(value);
      if (
        !Array.isArray(decoded) ||
        (decoded.length !== 3 && !(decoded.length === 4 && Number.isInteger(decoded[3]) && decoded[3] >= 0 && decoded[3] < MAX_INDEX)) ||
        typeof decoded[0] !== 'string' ||
        !(decoded[1] === null || (typeof decoded[1] === 'string' && TIME.test(decoded[1]))) ||
        typeof decoded[2] !== 'string' ||
        !ID.test(decoded[2])
      ) {
        throw notACursor(argument);
      }
      ofList(decoded, list, argument);
      return { createdAt: decoded[1], id: decoded[2], ...(decoded.length === 4 ? { index: decoded[3] as number } : {}) };
    },
    encodeKey(list, key) {
      return seal([list, { key }]);
    },
    decodeKey(value, list, argument, length) {
      const decoded = open(value);
      const key: unknown = Array.isArray(decoded) && decoded.length === 2 && typeof decoded[1] === 'object' && decoded[1] !== null ? (decoded[1] as { key?: unknown }).key : undefined;
      if (!Array.isArray(key) || !key.every((item) => item === null || typeof item === 'string')) throw notACursor(argument);
      ofList(decoded as unknown[], list, argument);
      if (key.length !== length) throw notACursor(argument);
      return key as (string | null)[];
    },
  };
}
