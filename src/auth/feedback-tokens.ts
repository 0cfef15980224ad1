import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

import {
  getArgumentValues,
  getVariableValues,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

import { DEFAULT_CRITERION } from '../db/feedback-entries.ts';
import { forbidden, unauthenticated } from '../errors.ts';
import { bearerCredential, type FeedbackTokenClaims, type Principal } from './principal.ts';

/**
 * Feedback tokens: what lets an end user's browser submit feedback on one step and criterion without an API
 * key. A key makes one (`createFeedbackToken`) and hands it to its page; the page sends it as
 * `Authorization: Bearer <token>` where a key would go.
 *
 * Tokens are stateless: the claims, signed (HMAC-SHA-256) with the deployment's `feedback-token` secret, which
 * the migrations create in the database, so that every replica checks every token with nothing to share and
 * nothing to look up but the key that made it (a token works only while that key is live: revoking the key
 * ends its tokens too, within API_KEY_CACHE_MS as for the key itself). Nothing is stored per token, so a page
 * may make one per view. Replacing the secret (`UPDATE gateway_secrets ... WHERE name = 'feedback-token'`,
 * then restarting) ends every token at once.
 */

const PREFIX = 'sgwft_';
/** Bounds what the server parses before checking the signature; createFeedbackToken makes none longer. */
export const FEEDBACK_TOKEN_MAX_LENGTH = 4096;
const PATTERN = /^sgwft_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;

/** The token in an `Authorization: Bearer <token>` header value; undefined when there is none. */
export function tokenFromAuthorization(header: string | null): string | undefined {
  const token = bearerCredential(header);
  return token !== undefined && token.length <= FEEDBACK_TOKEN_MAX_LENGTH && PATTERN.test(token) ? token : undefined;
}

export interface FeedbackTokens {
  sign(claims: FeedbackTokenClaims): string;
  /** The claims of a well-signed token that has not expired; undefined for anything else. */
  verify(token: string, now?: number): FeedbackTokenClaims | undefined;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isOptionalText = (value: unknown): value is string | null => value === null || typeof value === 'string';

export function createFeedbackTokens(secret: string): FeedbackTokens {
  const key = createSecretKey(Buffer.from(`feedback-token:${secret}`));
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    sign(claims) {
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${PREFIX}${payload}.${mac(payload)}`;
    },
    verify(token, now = Date.now()) {
      const match = token.length <= FEEDBACK_TOKEN_MAX_LENGTH ? PATTERN.exec(token) : null;
      if (match === null) return undefined;
      const [, payload, signature] = match as unknown as [string, string, string];
      if (!timingSafeEqual(Buffer.from(signature), Buffer.from(mac(payload)))) return undefined;
      let claims: Partial<FeedbackTokenClaims>;
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<FeedbackTokenClaims>;
      } catch {
        return undefined;
      }
      const { organizationId, apiKeyId, stepId, name, user, expiresAt, subject } = claims;
      if (!isText(organizationId) || !isText(apiKeyId) || !isText(stepId) || !isText(name) || !isText(subject) || typeof expiresAt !== 'number') return undefined;
      if (user !== undefined && (!isText(user.externalId) || !isOptionalText(user.name) || !isOptionalText(user.email))) return undefined;
      if (expiresAt <= now) return undefined;
      return { organizationId, apiKeyId, stepId, name, ...(user !== undefined ? { user } : {}), expiresAt, subject };
    },
  };
}

/**
 * The principal of a feedback token: its claims, checked by signature and expiry, while the key that made it is
 * live and of the same organization. It carries none of the key's permissions.
 */
export async function verifyFeedbackToken(
  tokens: FeedbackTokens,
  keys: { verifyId: (id: string) => Promise<Principal | undefined> },
  token: string,
): Promise<Principal | undefined> {
  const claims = tokens.verify(token);
  if (claims === undefined) return undefined;
  const key = await keys.verifyId(claims.apiKeyId);
  if (key === undefined || key.organizationId !== claims.organizationId) return undefined;
  return { apiKeyId: key.apiKeyId, organizationId: key.organizationId, keyName: key.keyName, permissions: [], feedbackToken: claims };
}

/** The fields a request with a feedback token may select, by type: the submission and what it returns, and a step's id. */
const TOKEN_MAY_SELECT: Record<string, ReadonlySet<string> | 'all'> = {
  Mutation: new Set(['submitStepFeedback']),
  SubmitStepFeedbackPayload: 'all',
  FeedbackEntry: 'all',
  FeedbackEntryVersion: 'all',
  FeedbackSubmitter: 'all',
  Step: new Set(['id']),
};

/** The step and criterion a `submitStepFeedback` field submits, from its arguments with the request's variables. */
function submissionsOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>) {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors !== undefined) return undefined;
  const field = schema.getMutationType()?.getFields().submitStepFeedback;
  if (field === undefined) return [];
  const submissions: { stepId: unknown; name: unknown }[] = [];
  visit(document, {
    Field(node) {
      if (node.name.value !== 'submitStepFeedback') return;
      const { input } = getArgumentValues(field, node, coerced.coerced) as { input?: { stepId?: unknown; name?: unknown } };
      submissions.push({ stepId: input?.stepId, name: input?.name });
    },
  });
  return submissions;
}

type ScopeCheck = NonNullable<Plugin['onExecute']>;

/**
 * What a request with a feedback token may do: run a mutation of `submitStepFeedback` only, for the token's
 * step and criterion, and read back the entry and the step's id; nothing else of the organization's data. Any
 * other field is FORBIDDEN (HTTP 403); a submission for another step or criterion gets the same 401 as a bad
 * key, as an expired or forged token does. Requests with a key pass untouched.
 */
const withinScope: ScopeCheck = ({ args, setResultAndStopExecution }) => {
  const claims = (args.contextValue as { principal?: Principal }).principal?.feedbackToken;
  if (claims === undefined) return;
  const schema = args.schema as GraphQLSchema;
  const document = args.document as DocumentNode;
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && (args.operationName == null || definition.name?.value === args.operationName),
  );
  let outside: string | undefined = operation?.operation === 'mutation' ? undefined : (operation?.operation ?? 'query');
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (outside !== undefined || node.name.value === '__typename') return;
        const parent = typeInfo.getParentType()?.name ?? '';
        const allowed = TOKEN_MAY_SELECT[parent];
        if (allowed === undefined || (allowed !== 'all' && !allowed.has(node.name.value))) outside = `${parent}.${node.name.value}`;
      },
    }),
  );
  if (outside !== undefined) {
    setResultAndStopExecution({
      errors: [forbidden(`A feedback token may only run submitStepFeedback and read back its entry; it may not read ${outside}.`, 403)],
    });
    return;
  }
  const submissions = submissionsOf(schema, document, operation!, (args.variableValues ?? {}) as Record<string, unknown>);
  // Variables that do not fit are the client's input error, which execution reports; the resolver checks the binding again.
  if (submissions === undefined) return;
  // An explicit null name is the default criterion, as the resolver reads it.
  const bound = submissions.every(({ stepId, name }) => stepId === claims.stepId && (name == null ? DEFAULT_CRITERION : String(name).trim()) === claims.name);
  if (!bound) setResultAndStopExecution({ errors: [unauthenticated()] });
};

/** The scope of a token, before execution and before a subscription starts (a token may subscribe to nothing). */
export const feedbackTokenScope: Plugin = {
  onExecute: withinScope,
  onSubscribe: withinScope as unknown as NonNullable<Plugin['onSubscribe']>,
};
