import { DEFAULT_CRITERION } from '../db/feedback-entries.ts';
import { badUserInput } from '../errors.ts';

/** The checks of what a feedback entry's input may hold, shared by the mutations, the lists and the step filter. */

/** What an entry may hold; any violation rejects the whole call, with the field named. */
export const FEEDBACK_LIMITS = {
  /** The criterion's name, after trimming. */
  name: 100,
  comment: 10_000,
  attributes: 50,
  attributeKey: 100,
  attributeValue: 1_000,
  externalId: 200,
  userName: 200,
  email: 320,
};

/** How long a feedback token works, in seconds. */
export const FEEDBACK_TOKEN_LIFETIME = { default: 3_600, min: 60, max: 7 * 86_400 };


// Postgres text cannot hold NUL, and names, keys and ids have no use for any control character; free text
// (a comment, an attribute's value) may hold tabs and line breaks.
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// JSON may carry half of a surrogate pair, which Postgres cannot store.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Checks one text of the input: well-formed Unicode, within its length (in characters), no control character out of place. */
export function checkText(value: string, field: string, max: number, kind: 'line' | 'text'): string {
  if (LONE_SURROGATE.test(value)) throw badUserInput(`"${field}" must be well-formed Unicode (it holds a lone surrogate).`, field);
  if ([...value].length > max) throw badUserInput(`"${field}" must be at most ${max.toLocaleString('en-US')} characters long.`, field);
  if ((kind === 'line' ? ANY_CONTROL : CONTROL_BUT_LINES).test(value)) {
    throw badUserInput(`"${field}" must not contain control characters${kind === 'text' ? ' (tabs and line breaks are fine)' : ''}.`, field);
  }
  return value;
}

/** A criterion's name: trimmed, not empty; `overall` when omitted. */
export function criterionName(value: string | null | undefined, field: string): string {
  const name = (value ?? DEFAULT_CRITERION).trim();
  if (name.length === 0) throw badUserInput(`"${field}" must not be empty.`, field);
  return checkText(name, field, FEEDBACK_LIMITS.name, 'line');
}

export function checkAttributes(value: unknown): Record<string, string> {
  if (value == null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badUserInput('"attributes" must be an object of strings, e.g. {"user_id": "u-1"}.', 'attributes');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > FEEDBACK_LIMITS.attributes) throw badUserInput(`"attributes" can hold at most ${FEEDBACK_LIMITS.attributes} keys.`, 'attributes');
  for (const [key, item] of entries) {
    if (key.length === 0) throw badUserInput('"attributes" keys must not be empty.', 'attributes');
    checkText(key, 'attributes', FEEDBACK_LIMITS.attributeKey, 'line');
    if (typeof item !== 'string') throw badUserInput(`"attributes.${key.slice(0, 100)}" must be a string.`, `attributes.${key.slice(0, 100)}`);
    checkText(item, `attributes.${key.slice(0, 100)}`, FEEDBACK_LIMITS.attributeValue, 'text');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

export interface UserInput {
  externalId: string;
  name?: string | null | undefined;
  email?: string | null | undefined;
}

export function checkUser(user: UserInput, field: string): { externalId: string; name: string | null; email: string | null } {
  const externalId = user.externalId.trim();
  if (externalId.length === 0) throw badUserInput(`"${field}.externalId" must not be empty.`, `${field}.externalId`);
  // The ids of keys and of anonymous tokens, which name submitters too: a user's id must not pass for one.
  if (/^(apikey|token)-/i.test(externalId)) throw badUserInput(`"${field}.externalId" must not start with "apikey-" or "token-".`, `${field}.externalId`);
  checkText(externalId, `${field}.externalId`, FEEDBACK_LIMITS.externalId, 'line');
  const name = user.name == null || user.name.trim() === '' ? null : checkText(user.name.trim(), `${field}.name`, FEEDBACK_LIMITS.userName, 'line');
  const email = user.email == null || user.email.trim() === '' ? null : checkText(user.email.trim(), `${field}.email`, FEEDBACK_LIMITS.email, 'line');
  if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) throw badUserInput(`"${field}.email" must be an email address.`, `${field}.email`);
  return { externalId, name, email };
}

/** The criterion a summary is of: trimmed, or null for all of them. */
export function summaryName(value: unknown): string | null {
  return value == null ? null : checkText(String(value).trim(), 'name', FEEDBACK_LIMITS.name, 'line');
}
