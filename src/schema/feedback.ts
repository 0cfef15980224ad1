import type { Step } from '../../prisma/generated/client/client.ts';
import type { Stored } from '../db/columns.ts';
import { requireKey, type Context } from '../context.ts';
import { applyFeedback, type FeedbackChange } from '../db/feedback.ts';
import { badUserInput, notFound } from '../errors.ts';
import type { StepFeedback } from '../letta/enums.ts';
import { isId } from '../letta/ids.ts';
import { audited } from './audit.ts';
import { builder } from './builder.ts';
import { StepFeedbackEnum } from './enums.ts';
import { StepType } from './step.ts';

export const TAG_LIMITS = {
  /** Longest tag, in characters, after trimming. */
  length: 100,
  /** Most tags one call may add or remove. */
  perCall: 50,
  /** Most tags a step may carry. */
  perStep: 200,
};

/** Trims, checks and de-duplicates a list of tags; any violation rejects the whole call. */
function normalizeTags(tags: readonly string[] | null | undefined, field: string): string[] {
  if (tags == null) return [];
  if (tags.length > TAG_LIMITS.perCall) throw badUserInput(`"${field}" can hold at most ${TAG_LIMITS.perCall} tags.`, field);
  const normalized = tags.map((tag) => tag.trim());
  for (const tag of normalized) {
    if (tag.length === 0) throw badUserInput(`"${field}" must not contain empty tags.`, field);
    if ([...tag].length > TAG_LIMITS.length) {
      throw badUserInput(`Tags in "${field}" must be at most ${TAG_LIMITS.length} characters long.`, field);
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(tag)) throw badUserInput(`Tags in "${field}" must not contain control characters.`, field);
  }
  return [...new Set(normalized)];
}

interface FeedbackInput {
  feedback?: StepFeedback | null | undefined;
  tags?: readonly string[] | null | undefined;
  removeTags?: readonly string[] | null | undefined;
}

/** Checks the input, applies it in one statement, and returns the change made and the step as it is now. */
async function setStepFeedback(ctx: Context, stepId: string, input: FeedbackInput): Promise<{ change: FeedbackChange; step: Stored<Step> }> {
  if (!isId('Step', stepId)) throw badUserInput('"stepId" must be a step id: step-<uuid>.', 'stepId');
  const addTags = normalizeTags(input.tags, 'tags');
  const removeTags = normalizeTags(input.removeTags, 'removeTags');
  const both = addTags.filter((tag) => removeTags.includes(tag));
  if (both.length > 0) throw badUserInput(`A tag cannot be both added and removed: "${both[0]}".`, 'removeTags');
  const feedback: StepFeedback | null | undefined = 'feedback' in input ? (input.feedback ?? null) : undefined;
  if (feedback === undefined && addTags.length === 0 && removeTags.length === 0) {
    throw badUserInput('Nothing to change: give "feedback", "tags" or "removeTags".', 'input');
  }

  const change: FeedbackChange = { feedback, addTags, removeTags };
  const step = await applyFeedback(ctx.db, ctx.organizationId, stepId, change, TAG_LIMITS.perStep);
  if (step === null) {
    const exists = await ctx.loaders.stepById.load(stepId);
    if (exists === null) throw notFound(`No step with id "${stepId}" exists in your organization.`);
    throw badUserInput(`A step can carry at most ${TAG_LIMITS.perStep} tags.`, 'tags');
  }
  ctx.loaders.stepById.clear(stepId).prime(stepId, step);
  ctx.events.changed([stepId]);
  return { change, step };
}

const SetStepFeedbackInput = builder.inputType('SetStepFeedbackInput', {
  description: 'Feedback for a step. Only what you send changes: omit a field to leave it as it is.',
  fields: (t) => ({
    stepId: t.id({ required: true, description: 'The ID of the step in the format `step-<uuid>`.' }),
    feedback: t.field({
      type: StepFeedbackEnum,
      description: 'Whether this feedback is positive or negative. Omit it to leave the feedback unchanged; send null to clear it.',
    }),
    tags: t.stringList({
      description: `Feedback tags to add to the step, as a set: tags it already has are not repeated (at most ${TAG_LIMITS.perCall}, each 1-${TAG_LIMITS.length} characters after trimming).`,
    }),
    removeTags: t.stringList({ description: `Tags to remove from the step (at most ${TAG_LIMITS.perCall}).` }),
  }),
});

const SetStepFeedbackPayload = builder.objectRef<{ step: Stored<Step> }>('SetStepFeedbackPayload').implement({
  description: 'The result of setStepFeedback.',
  fields: (t) => ({
    step: t.field({ type: StepType, description: 'The step, with its feedback and tags as they are now.', resolve: (payload) => payload.step }),
  }),
});

builder.mutationField('setStepFeedback', (t) =>
  t.field({
    type: SetStepFeedbackPayload,
    description:
      'Records feedback on a step: sets or clears its feedback, adds tags as a set and removes tags, in one atomic write. Repeating a call changes nothing.',
    args: { input: t.arg({ type: SetStepFeedbackInput, required: true, description: 'The feedback to record.' }) },
    // A write: dearer than a read of the same shape.
    complexity: 10,
    resolve: async (_root, { input }, ctx) => {
      requireKey(ctx);
      const stepId = String(input.stepId);
      const { step } = await audited(
        ctx,
        { message: 'audit: step feedback', event: 'step.feedback', fields: { stepId: stepId.slice(0, 200) } },
        () => setStepFeedback(ctx, stepId, input),
        ({ change, step }) => ({
          ...(change.feedback !== undefined ? { feedback: change.feedback } : {}),
          ...(change.addTags.length > 0 ? { addTags: change.addTags } : {}),
          ...(change.removeTags.length > 0 ? { removeTags: change.removeTags } : {}),
          result: { feedback: step.feedback, tags: step.tags, updatedAt: step.updatedAt },
        }),
      );
      return { step };
    },
  }),
);
