/**
 * Who a request acts as. A key of an organization, with its name and permissions; or a feedback token that
 * key made, which allows one thing only (see feedback-tokens.ts).
 */

/**
 * What a key may do beyond reading its organization's steps and writing feedback on them as itself, each
 * granted when the key is made (`npm run apikey -- create ... --on-behalf-of-users`).
 */
export const PERMISSIONS = {
  'on-behalf-of-users':
    'Submit feedback entries in the name of end users (submittedBy), make feedback tokens that do, and delete any feedback entry of the organization.',
} as const;

export type Permission = keyof typeof PERMISSIONS;

export const isPermission = (value: string): value is Permission => Object.hasOwn(PERMISSIONS, value);

/** What a feedback token allows, and for whom. */
export interface FeedbackTokenClaims {
  organizationId: string;
  /** The key that made the token: its entries count as that key's writes. */
  apiKeyId: string;
  stepId: string;
  /** The one criterion the token may submit. */
  name: string;
  /** The end user the token submits as (only a key allowed to act for users can name one); else the entries are the SYSTEM's. */
  user?: { externalId: string; name: string | null; email: string | null };
  /** When the token stops working, in milliseconds since the epoch. */
  expiresAt: number;
  /**
   * A random id of the token: its requests' own scope (their rate limit is the key's tokens', their
   * Idempotency-Keys are the token's), and the submitter of its entries when it names no user.
   */
  subject: string;
}

/** The credential of an `Authorization: Bearer <credential>` header value (a key or a feedback token), unchecked. */
export function bearerCredential(header: string | null): string | undefined {
  return header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

export interface Principal {
  apiKeyId: string;
  organizationId: string;
  /** The key's label, shown as the submitter's name of what it writes. */
  keyName: string | null;
  permissions: readonly Permission[];
  /** Set when the request carries a feedback token rather than the key: what the token allows. */
  feedbackToken?: FeedbackTokenClaims;
}
