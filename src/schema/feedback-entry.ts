import { randomUUID } from 'node:crypto';

import { requireKey, type Context } from '../context.ts';
import {
  DEFAULT_CRITERION,
  deleteFeedbackEntry,
  submitFeedbackEntry,
  SUBMITTER_TYPES,
  type FeedbackEntryRow,
  type FeedbackSummary,
  type FeedbackSource,
  type FeedbackVersionRow,
  type Submitter,
  type SubmitOutcome,
} from '../db/feedback-entries.ts';
import { FEEDBACK_TOKEN_MAX_LENGTH } from '../auth/feedback-tokens.ts';
import type { Permission } from '../auth/principal.ts';
import { badUserInput, forbidden, notFound, unauthenticated } from '../errors.ts';
import { isId } from '../letta/ids.ts';
import { audited } from './audit.ts';
import { builder } from './builder.ts';
import {
  checkAttributes,
  checkText,
  checkUser,
  criterionName,
  FEEDBACK_LIMITS,
  FEEDBACK_TOKEN_LIFETIME,
  summaryName,
} from './feedback-input.ts';
import { connectionArgs, defineConnection, lazyCount, pageCost } from './connection.ts';
import { NodeInterface } from './node.ts';
import { pageRequest, toPage } from './pages.ts';
import { fieldsSelected, readsPage } from './selection.ts';
import { StepType } from './step.ts';

const ENTRY_PAGE = { size: 10, max: 100 };
const HISTORY = { size: 20, max: 100 };

const MAY_ACT_FOR_USERS: Permission = 'on-behalf-of-users';

/** The submitter of what this request writes: the token's end user or the system, the end user the key names, or the key itself. */
function submitterOf(ctx: Context, user: ReturnType<typeof checkUser> | null): Submitter {
  const token = ctx.principal.feedbackToken;
  if (token !== undefined) {
    if (user !== null) throw forbidden('A feedback token submits as the user its key named: "submittedBy" cannot be given with a token.');
    return token.user !== undefined
      ? { type: 'USER', id: token.user.externalId, name: token.user.name, email: token.user.email }
      : { type: 'SYSTEM', id: `token-${token.subject}`, name: null, email: null };
  }
  if (user !== null) {
    if (!ctx.principal.permissions.includes(MAY_ACT_FOR_USERS)) {
      throw forbidden(`This API key may not submit feedback on behalf of users: create one with "npm run apikey -- create ... --on-behalf-of-users".`);
    }
    return { type: 'USER', id: user.externalId, name: user.name, email: user.email };
  }
  return { type: 'API_KEY', id: ctx.apiKeyId, name: ctx.principal.keyName, email: null };
}

function checkStepId(stepId: string): string {
  if (!isId('Step', stepId)) throw badUserInput('"stepId" must be a step id: step-<uuid>.', 'stepId');
  return stepId;
}

const stepNotFound = (stepId: string) => notFound(`No step with id "${stepId}" exists in your organization.`);

// ---------------------------------------------------------------------------------------------------------
// Types

const FeedbackSourceEnum = builder.enumType('FeedbackSource', {
  description: 'Where a feedback entry came from.',
  values: {
    API: { value: 'API', description: 'Sent through the API by a program (the default).' },
    APP: { value: 'APP', description: 'Given by a person in an application, such as a review screen or a chat widget.' },
    EVALUATOR: { value: 'EVALUATOR', description: 'Computed by an automated evaluator (an LLM judge, a heuristic, a test).' },
  } as const satisfies Record<FeedbackSource, unknown>,
});

const FeedbackSubmitterTypeEnum = builder.enumType('FeedbackSubmitterType', {
  description: "The type of a submitter's profile. Users are humans, API keys are computers.",
  values: {
    API_KEY: { value: 'API_KEY', description: 'The API key that wrote the entry.' },
    USER: { value: 'USER', description: 'An end user, named by a key allowed to submit on behalf of users (or by its feedback token).' },
    SYSTEM: { value: 'SYSTEM', description: 'The system: a feedback token that names no user.' },
  } as const satisfies Record<(typeof SUBMITTER_TYPES)[number], unknown>,
});

const FeedbackSubmitOutcomeEnum = builder.enumType('FeedbackSubmitOutcome', {
  description: 'What a submission did.',
  values: {
    CREATED: { value: 'CREATED', description: "A new entry: the submitter had none for this step and criterion." },
    UPDATED: { value: 'UPDATED', description: "The submitter's entry was replaced; the version it held is in its history." },
    UNCHANGED: { value: 'UNCHANGED', description: 'The entry held exactly this already: nothing was written.' },
  } as const satisfies Record<SubmitOutcome, unknown>,
});

const FeedbackSubmitterType = builder.objectRef<Submitter>('FeedbackSubmitter').implement({
  description: 'Who submitted feedback: a profile of a user, an API key or the system.',
  fields: (t) => ({
    type: t.field({ type: FeedbackSubmitterTypeEnum, description: 'The type of the profile.', resolve: (profile) => profile.type }),
    id: t.string({
      nullable: true,
      description: "The API key's id (`apikey-<uuid>`), or the user's external id; null for the system.",
      resolve: (profile) => (profile.type === 'SYSTEM' ? null : profile.id),
    }),
    name: t.exposeString('name', { nullable: true, description: "Display name: the user's (e.g. \"Bobby Tables\"), or the API key's." }),
    email: t.exposeString('email', { nullable: true, description: 'Email address of the user.' }),
  }),
});

const submitterOfRow = (row: Pick<FeedbackEntryRow, 'submitterType' | 'submitterId'>, named: { submitterName: string | null; submitterEmail: string | null }): Submitter => ({
  type: row.submitterType as Submitter['type'],
  id: row.submitterId,
  name: named.submitterName,
  email: named.submitterEmail,
});

const scoreDescription =
  "A score between -1.0 and 1.0 representing the quality of the step. -1.0 is the worst possible score, 0.0 is neutral, and 1.0 is the best. Null for a comment alone.";
const attributesDescription =
  'Arbitrary key-value pairs (strings) to identify the source of the feedback, e.g. {"user_id": "u-1", "session_id": "s-1"}.';

const FeedbackEntryVersionType = builder.objectRef<{ version: FeedbackVersionRow; entry: FeedbackEntryRow }>('FeedbackEntryVersion').implement({
  description: 'A version of a feedback entry that a later submission replaced.',
  fields: (t) => ({
    version: t.int({ description: 'The number of this version: 1 for the first.', resolve: ({ version }) => version.version }),
    score: t.float({ nullable: true, description: scoreDescription, resolve: ({ version }) => version.score }),
    comment: t.string({ nullable: true, description: 'Optional human-readable comment explaining the feedback.', resolve: ({ version }) => version.comment }),
    attributes: t.field({ type: 'JSON', description: attributesDescription, resolve: ({ version }) => version.attributes }),
    source: t.field({ type: FeedbackSourceEnum, description: 'Where this version came from.', resolve: ({ version }) => version.source as FeedbackSource }),
    submittedBy: t.field({
      type: FeedbackSubmitterType,
      description: 'Who submitted this version (the same submitter as the entry; the name and email as they were).',
      resolve: ({ version, entry }) => submitterOfRow(entry, version),
    }),
    recordedAt: t.field({ type: 'DateTime', description: 'When this version was submitted.', resolve: ({ version }) => version.recordedAt }),
    replacedAt: t.field({ type: 'DateTime', description: 'When the next version replaced it.', resolve: ({ version }) => version.replacedAt }),
  }),
});

export const FeedbackEntryType = builder.objectRef<FeedbackEntryRow>('FeedbackEntry').implement({
  description:
    "Feedback on a step by one submitter on one criterion: a score, a comment or both, with attributes. A submitter holds one current entry per step and criterion; submitting again replaces it and keeps the version it replaced in `history`.",
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The id of the entry (`feedback-<uuid>`).' }),
    stepId: t.exposeID('stepId', { description: 'The id of the step the feedback is on.' }),
    step: t.field({
      type: StepType,
      nullable: true,
      description: 'The step the feedback is on.',
      resolve: (entry, _args, ctx, info) => ctx.loaders.stepById.load(entry.stepId, fieldsSelected(info, 'Step')),
    }),
    name: t.exposeString('name', { description: 'The criterion, e.g. `helpfulness` (`overall` unless named).' }),
    score: t.exposeFloat('score', { nullable: true, description: scoreDescription }),
    comment: t.exposeString('comment', { nullable: true, description: 'Optional human-readable comment explaining the feedback.' }),
    attributes: t.field({ type: 'JSON', description: attributesDescription, resolve: (entry) => entry.attributes }),
    source: t.field({ type: FeedbackSourceEnum, description: 'Where the entry came from.', resolve: (entry) => entry.source as FeedbackSource }),
    submittedBy: t.field({ type: FeedbackSubmitterType, description: 'Who submitted the entry.', resolve: (entry) => submitterOfRow(entry, entry) }),
    version: t.exposeInt('version', { description: 'The number of the current version: 1, then one more each time a submission replaces it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the first version was submitted.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the current version was submitted.' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true, description: 'When the entry was deleted; null while it is current.' }),
    history: t.field({
      type: [FeedbackEntryVersionType],
      description: `The versions this entry replaced, oldest first: the \`last\` most recent (default ${HISTORY.size}, at most ${HISTORY.max}).`,
      args: { last: t.arg.int({ description: `How many of the most recent versions (default ${HISTORY.size}, at most ${HISTORY.max}).` }) },
      complexity: ({ last }) => ({ field: 1, multiplier: Math.min(Math.max(last ?? HISTORY.size, 1), HISTORY.max) }),
      resolve: async (entry, { last }, ctx) => {
        const count = last ?? HISTORY.size;
        if (count < 0 || count > HISTORY.max) throw badUserInput(`"last" must be between 0 and ${HISTORY.max}.`, 'last');
        if (count === 0 || entry.version === 1) return [];
        const versions = await ctx.loaders.feedbackHistoryByEntryId(count).load(entry.id);
        return versions.map((version) => ({ version, entry }));
      },
    }),
  }),
});

export const FeedbackSummaryType = builder.objectRef<FeedbackSummary>('FeedbackSummary').implement({
  description: 'What current feedback entries come to: those of a step, or of the steps of a group (`stepStats`). Scores count only the entries that have one.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'How many current entries.' }),
    scoredCount: t.exposeInt('scoredCount', { description: 'How many of them have a score.' }),
    meanScore: t.exposeFloat('meanScore', { nullable: true, description: 'The mean score; null when none is scored.' }),
    minScore: t.exposeFloat('minScore', { nullable: true, description: 'The lowest score; null when none is scored.' }),
    maxScore: t.exposeFloat('maxScore', { nullable: true, description: 'The highest score; null when none is scored.' }),
    positiveCount: t.exposeInt('positiveCount', { description: 'How many scored above zero.' }),
    negativeCount: t.exposeInt('negativeCount', { description: 'How many scored below zero.' }),
    withCommentCount: t.exposeInt('withCommentCount', { description: 'How many have a comment.' }),
  }),
});

const FeedbackEntryFilterInput = builder.inputType('FeedbackEntryFilter', {
  description: 'Conditions on the feedback entries to list. All given conditions must hold.',
  fields: (t) => ({
    name: t.string({ description: 'Only entries on this criterion.' }),
    source: t.field({ type: FeedbackSourceEnum, description: 'Only entries from this source.' }),
    submitterType: t.field({ type: FeedbackSubmitterTypeEnum, description: 'Only entries by submitters of this type.' }),
    submittedBy: t.string({ description: "Only entries by this submitter: an API key's id, or a user's external id." }),
    includeDeleted: t.boolean({ defaultValue: false, description: 'Also list deleted entries (their `deletedAt` is set). Default: false.' }),
  }),
});

const FeedbackEntryConnectionType = defineConnection('FeedbackEntry', FeedbackEntryType, 'feedback entry');

function checkFilterText(value: string | null | undefined, field: string): string | null {
  return value == null ? null : checkText(value, field, 200, 'line');
}

builder.objectFields(StepType, (t) => ({
  feedbackEntries: t.field({
    type: FeedbackEntryConnectionType,
    description: 'The feedback entries on this step, newest first (created at, then id).',
    complexity: pageCost(ENTRY_PAGE),
    args: {
      ...connectionArgs('feedback entries', ENTRY_PAGE.size, ENTRY_PAGE.max),
      filter: t.arg({ type: FeedbackEntryFilterInput, description: 'Which entries to list.' }),
    },
    resolve: async (step, args, ctx, info) => {
      const list = `feedback-entries:${step.id}`;
      const page = pageRequest(args, ENTRY_PAGE, ctx.cursors, list);
      const given = args.filter ?? {};
      const filter = {
        name: checkFilterText(given.name?.trim(), 'filter.name'),
        source: given.source ?? null,
        submitterType: given.submitterType ?? null,
        submittedBy: checkFilterText(given.submittedBy, 'filter.submittedBy'),
        includeDeleted: given.includeDeleted ?? false,
      };
      const rows = readsPage(info, 'FeedbackEntryConnection') ? await ctx.loaders.feedbackEntriesByStepId(page, filter).load(step.id) : [];
      for (const row of rows) ctx.loaders.feedbackEntryById.prime(row.id, row);
      return {
        ...toPage(rows, page, ctx.cursors, list),
        totalCount: lazyCount(async () => ({ count: await ctx.loaders.feedbackEntryCountByStepId(filter).load(step.id), exact: true })),
      };
    },
  }),
  feedbackSummary: t.field({
    type: FeedbackSummaryType,
    description: "What this step's current feedback entries come to: of one criterion, or of all of them when `name` is omitted.",
    args: { name: t.arg.string({ description: 'The criterion, e.g. `overall`; omit it to summarize every criterion together.' }) },
    complexity: 5,
    resolve: (step, { name }, ctx) => ctx.loaders.feedbackSummaryByStepId(summaryName(name)).load(step.id),
  }),
}));

// ---------------------------------------------------------------------------------------------------------
// Mutations

const FeedbackUserInput = builder.inputType('FeedbackUserInput', {
  description: 'The end user a feedback entry is submitted for (by a key allowed to submit on behalf of users).',
  fields: (t) => ({
    externalId: t.string({ required: true, description: "The user's id in your application (at most 200 characters)." }),
    name: t.string({ description: 'Display name for the user (e.g., "Bobby Tables").' }),
    email: t.string({ description: 'Email address of the user.' }),
  }),
});

const SubmitStepFeedbackInput = builder.inputType('SubmitStepFeedbackInput', {
  description: 'A feedback entry: a score, a comment or both, on one criterion of a step.',
  fields: (t) => ({
    stepId: t.id({ required: true, description: 'The ID of the step in the format `step-<uuid>`.' }),
    name: t.string({ defaultValue: DEFAULT_CRITERION, description: `The criterion (1-${FEEDBACK_LIMITS.name} characters after trimming). Default: \`${DEFAULT_CRITERION}\`.` }),
    score: t.float({ description: `${scoreDescription.replace(' Null for a comment alone.', '')} Give a score, a comment or both.` }),
    comment: t.string({
      description: `Optional human-readable comment explaining the feedback (at most ${FEEDBACK_LIMITS.comment.toLocaleString('en-US')} characters; a blank one counts as none).`,
    }),
    attributes: t.field({
      type: 'JSON',
      description: `${attributesDescription} At most ${FEEDBACK_LIMITS.attributes} keys of at most ${FEEDBACK_LIMITS.attributeKey} characters, values of at most ${FEEDBACK_LIMITS.attributeValue.toLocaleString('en-US')}.`,
    }),
    source: t.field({
      type: FeedbackSourceEnum,
      description: 'Where the entry comes from. Default: API; with a feedback token, APP (the only source a token may give).',
    }),
    submittedBy: t.field({
      type: FeedbackUserInput,
      description: 'The end user the entry is for. Only a key allowed to submit on behalf of users may name one (else FORBIDDEN); without it, the submitter is the key.',
    }),
  }),
});

const SubmitStepFeedbackPayload = builder
  .objectRef<{ outcome: SubmitOutcome; entry: FeedbackEntryRow }>('SubmitStepFeedbackPayload')
  .implement({
    description: 'The result of submitStepFeedback.',
    fields: (t) => ({
      outcome: t.field({ type: FeedbackSubmitOutcomeEnum, description: 'Whether the entry was created, replaced or already so.', resolve: (payload) => payload.outcome }),
      entry: t.field({ type: FeedbackEntryType, description: 'The entry as it is now.', resolve: (payload) => payload.entry }),
      step: t.field({
        type: StepType,
        description: 'The step, to read its feedback entries and summary as they are now.',
        resolve: async (payload, _args, ctx, info) =>
          (await ctx.loaders.stepById.load(payload.entry.stepId, fieldsSelected(info, 'Step'))) ?? unreachableStep(payload.entry.stepId),
      }),
    }),
  });

/** A step that a write has just found visible vanished before its payload was read (deleted in between). */
function unreachableStep(stepId: string): never {
  throw stepNotFound(stepId);
}

/** After a write, the request's reads of a step's feedback are read again. */
function forgetFeedback(ctx: Context, entry: FeedbackEntryRow) {
  ctx.loaders.forgetFeedbackOf(entry.stepId, entry.id);
  ctx.loaders.feedbackEntryById.prime(entry.id, entry);
}

builder.mutationField('submitStepFeedback', (t) =>
  t.field({
    type: SubmitStepFeedbackPayload,
    description:
      "Submits a feedback entry on a step: the submitter's entry for the criterion is created, or replaced (the version it held goes to its history). Submitting exactly what is there changes nothing. With a feedback token instead of a key, only the token's step and criterion can be submitted.",
    args: { input: t.arg({ type: SubmitStepFeedbackInput, required: true, description: 'The entry to submit.' }) },
    complexity: 10,
    resolve: async (_root, { input }, ctx) => {
      const stepId = String(input.stepId);
      const name = (input.name ?? DEFAULT_CRITERION).trim();
      return audited(
        ctx,
        { message: 'audit: step feedback entry', event: 'step.feedback.entry', fields: { action: 'submit', stepId: stepId.slice(0, 200), name: name.slice(0, 100) } },
        async () => {
          checkStepId(stepId);
          const token = ctx.principal.feedbackToken;
          // The token's binding is checked before execution too (auth/feedback-tokens.ts); this keeps the rule where the write is.
          if (token !== undefined && (token.stepId !== stepId || token.name !== name)) throw unauthenticated();
          const criterion = criterionName(input.name, 'name');
          const score = input.score ?? null;
          if (score !== null && !(Number.isFinite(score) && score >= -1 && score <= 1)) throw badUserInput('"score" must be between -1.0 and 1.0.', 'score');
          const comment = input.comment == null || input.comment.trim() === '' ? null : checkText(input.comment, 'comment', FEEDBACK_LIMITS.comment, 'text');
          if (score === null && comment === null) throw badUserInput('Give a "score", a "comment" or both.', 'score');
          const attributes = checkAttributes(input.attributes);
          const user = input.submittedBy == null ? null : checkUser(input.submittedBy, 'submittedBy');
          const submitter = submitterOf(ctx, user);
          // What a browser sends is an application's feedback: it cannot pass for an evaluator's or a program's.
          const source = input.source ?? (token !== undefined ? 'APP' : 'API');
          if (token !== undefined && source !== 'APP') throw forbidden('A feedback token submits feedback from an application: "source" must be APP.');
          const submission = {
            organizationId: ctx.organizationId,
            stepId,
            name: criterion,
            score,
            comment,
            attributes,
            source,
            submitter,
            apiKeyId: ctx.apiKeyId,
          };
          const result = await submitFeedbackEntry(ctx.db, submission, () => `feedback-${randomUUID()}`);
          if (result === null) throw stepNotFound(stepId);
          forgetFeedback(ctx, result.entry);
          if (result.outcome !== 'UNCHANGED') ctx.events.changed([stepId]);
          return result;
        },
        ({ outcome, entry }) => ({
          result: { outcome, entryId: entry.id, version: entry.version, score: entry.score, hasComment: entry.comment !== null, submitterType: entry.submitterType, updatedAt: entry.updatedAt },
        }),
      );
    },
  }),
);

const DeleteStepFeedbackInput = builder.inputType('DeleteStepFeedbackInput', {
  description: 'The feedback entry to delete.',
  fields: (t) => ({ id: t.id({ required: true, description: 'The id of the entry, `feedback-<uuid>`.' }) }),
});

const DeleteStepFeedbackPayload = builder.objectRef<{ entry: FeedbackEntryRow }>('DeleteStepFeedbackPayload').implement({
  description: 'The result of deleteStepFeedback.',
  fields: (t) => ({
    entry: t.field({ type: FeedbackEntryType, description: 'The entry, marked deleted (`deletedAt`); its history stays readable.', resolve: (payload) => payload.entry }),
    step: t.field({
      type: StepType,
      description: 'The step, to read its feedback entries and summary as they are now.',
      resolve: async (payload, _args, ctx, info) =>
        (await ctx.loaders.stepById.load(payload.entry.stepId, fieldsSelected(info, 'Step'))) ?? unreachableStep(payload.entry.stepId),
    }),
  }),
});

builder.mutationField('deleteStepFeedback', (t) =>
  t.field({
    type: DeleteStepFeedbackPayload,
    description:
      'Deletes a feedback entry: it leaves the lists and summaries, and stays readable by id with its history, marked deleted. Allowed to the key that wrote it and to keys allowed to submit on behalf of users; deleting it again changes nothing.',
    args: { input: t.arg({ type: DeleteStepFeedbackInput, required: true, description: 'The entry to delete.' }) },
    complexity: 10,
    resolve: async (_root, { input }, ctx) => {
      requireKey(ctx);
      const id = String(input.id);
      return audited(
        ctx,
        { message: 'audit: step feedback entry', event: 'step.feedback.entry', fields: { action: 'delete', entryId: id.slice(0, 200) } },
        async () => {
          if (!isId('FeedbackEntry', id)) throw badUserInput('"id" must be a feedback entry id: feedback-<uuid>.', 'id');
          const anyKey = ctx.principal.permissions.includes(MAY_ACT_FOR_USERS);
          const result = await deleteFeedbackEntry(ctx.db, ctx.organizationId, id, { apiKeyId: ctx.apiKeyId, anyKey });
          if (result === null) throw notFound(`No feedback entry with id "${id}" exists in your organization.`);
          if (result.outcome === 'FOUND' && !anyKey && result.entry.apiKeyId !== ctx.apiKeyId) {
            throw forbidden('This API key may delete only the feedback entries it wrote.');
          }
          forgetFeedback(ctx, result.entry);
          if (result.outcome === 'DELETED') ctx.events.changed([result.entry.stepId]);
          return { entry: result.entry, deleted: result.outcome === 'DELETED' };
        },
        ({ entry, deleted }) => ({ stepId: entry.stepId, result: { deleted, deletedAt: entry.deletedAt } }),
      );
    },
  }),
);

const CreateFeedbackTokenInput = builder.inputType('CreateFeedbackTokenInput', {
  description: 'What a feedback token allows: submitting one criterion of one step, until it expires.',
  fields: (t) => ({
    stepId: t.id({ required: true, description: 'The ID of the step in the format `step-<uuid>`.' }),
    name: t.string({ defaultValue: DEFAULT_CRITERION, description: `The criterion the token may submit. Default: \`${DEFAULT_CRITERION}\`.` }),
    expiresIn: t.int({
      defaultValue: FEEDBACK_TOKEN_LIFETIME.default,
      description: `How long the token works, in seconds (${FEEDBACK_TOKEN_LIFETIME.min} to ${FEEDBACK_TOKEN_LIFETIME.max.toLocaleString('en-US')}, 7 days). Default: ${FEEDBACK_TOKEN_LIFETIME.default.toLocaleString('en-US')} (1 hour).`,
    }),
    submittedBy: t.field({
      type: FeedbackUserInput,
      description: 'The end user the token submits as (a key allowed to submit on behalf of users only). Without one, its entries are the SYSTEM\'s.',
    }),
  }),
});

const CreateFeedbackTokenPayload = builder
  .objectRef<{ token: string; expiresAt: string; stepId: string; name: string }>('CreateFeedbackTokenPayload')
  .implement({
    description: 'The result of createFeedbackToken.',
    fields: (t) => ({
      token: t.exposeString('token', {
        description: 'The token: send it as `Authorization: Bearer <token>` to call submitStepFeedback for this step and criterion, with no API key.',
      }),
      expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When the token stops working.' }),
      stepId: t.exposeID('stepId', { description: 'The step the token may submit feedback on.' }),
      name: t.exposeString('name', { description: 'The criterion the token may submit.' }),
    }),
  });

builder.mutationField('createFeedbackToken', (t) =>
  t.field({
    type: CreateFeedbackTokenPayload,
    description:
      "Makes a token that lets an end user's browser submit feedback on one step and criterion without an API key, until it expires (or the key that made it is revoked). Nothing is stored: make one per page view.",
    args: { input: t.arg({ type: CreateFeedbackTokenInput, required: true, description: 'What the token allows.' }) },
    complexity: 10,
    resolve: async (_root, { input }, ctx) => {
      requireKey(ctx);
      const stepId = String(input.stepId);
      return audited(
        ctx,
        { message: 'audit: step feedback entry', event: 'step.feedback.entry', fields: { action: 'token', stepId: stepId.slice(0, 200) } },
        async () => {
          checkStepId(stepId);
          const name = criterionName(input.name, 'name');
          const lifetime = input.expiresIn ?? FEEDBACK_TOKEN_LIFETIME.default;
          if (lifetime < FEEDBACK_TOKEN_LIFETIME.min || lifetime > FEEDBACK_TOKEN_LIFETIME.max) {
            throw badUserInput(`"expiresIn" must be between ${FEEDBACK_TOKEN_LIFETIME.min} and ${FEEDBACK_TOKEN_LIFETIME.max} seconds.`, 'expiresIn');
          }
          const user = input.submittedBy == null ? null : checkUser(input.submittedBy, 'submittedBy');
          if (user !== null && !ctx.principal.permissions.includes(MAY_ACT_FOR_USERS)) {
            throw forbidden('This API key may not make tokens on behalf of users: create one with "npm run apikey -- create ... --on-behalf-of-users".');
          }
          if ((await ctx.loaders.stepById.load(stepId, ['id'])) === null) throw stepNotFound(stepId);
          const expiresAt = Date.now() + lifetime * 1000;
          const token = ctx.feedbackTokens.sign({
            organizationId: ctx.organizationId,
            apiKeyId: ctx.apiKeyId,
            stepId,
            name,
            ...(user !== null ? { user } : {}),
            expiresAt,
            subject: randomUUID(),
          });
          if (token.length > FEEDBACK_TOKEN_MAX_LENGTH) {
            throw badUserInput(`The token would be longer than ${FEEDBACK_TOKEN_MAX_LENGTH} characters: shorten the criterion or the user's id, name or email.`, 'submittedBy');
          }
          return { token, expiresAt: new Date(expiresAt).toISOString(), stepId, name, user: user !== null };
        },
        ({ name, expiresAt, user }) => ({ result: { name, expiresAt, forUser: user } }),
      );
    },
  }),
);
