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
  return {
    encode(list, position) {
      const fields = [list, position.createdAt, position.id, ...(position.index !== undefined ? [position.index] : [])];
      const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
      return `${payload}.${mac(payload)}`;
    },
    decode(value, list, argument) {
      const dot = value.lastIndexOf('.');
      const payload = value.slice(0, dot);
      const given = Buffer.from(value.slice(dot + 1));
      let decoded: unknown;
      if (dot > 0 && given.length === MAC_LENGTH && timingSafeEqual(given, Buffer.from(mac(payload)))) {
        try {
          decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        } catch {
          decoded = undefined;
        }
      }
      if (
        !Array.isArray(decoded) ||
        (decoded.length !== 3 && !(decoded.length === 4 && Number.isInteger(decoded[3]) && decoded[3] >= 0 && decoded[3] < MAX_INDEX)) ||
        typeof decoded[0] !== 'string' ||
        !(decoded[1] === null || (typeof decoded[1] === 'string' && TIME.test(decoded[1]))) ||
        typeof decoded[2] !== 'string' ||
        !ID.test(decoded[2])
      ) {
        throw badUserInput(`"${argument}" is not a cursor returned by this API.`, argument);
      }
      if (decoded[0] !== list) {
        throw badUserInput(
          `"${argument}" is a cursor of another list or order: pass a cursor that this list returned, with the same order.`,
          argument,
        );
      }
      return { createdAt: decoded[1], id: decoded[2], ...(decoded.length === 4 ? { index: decoded[3] as number } : {}) };
    },
  };
}
