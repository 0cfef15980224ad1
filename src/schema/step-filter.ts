import { isoTime } from '../db/keyset.ts';
import type { StepFilterValues } from '../db/step-queries.ts';
import { badUserInput } from '../errors.ts';
import { builder } from './builder.ts';
import { StepFeedbackEnum, StepStatusEnum, StopReasonEnum } from './enums.ts';

/** The conditions on steps that every field over steps takes (`steps`, `stepStats`): one input, one parser, one SQL builder (stepConditions). */

export const MAX_FILTER_LIST = 100;
const MAX_FILTER_TEXT = 1000;

/** Units of time: of a bucket of stepStats, and of a span back from now (`createdInLast`). */
export const TIME_UNITS = ['HOUR', 'DAY', 'WEEK', 'MONTH'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

export const TimeUnitEnum = builder.enumType('TimeUnit', {
  description: 'A unit of time. A day is a calendar day in the time zone it is counted in (23 or 25 hours across a daylight saving change); a week starts on Monday (ISO 8601).',
  values: {
    HOUR: { value: 'HOUR', description: 'An hour.' },
    DAY: { value: 'DAY', description: 'A calendar day.' },
    WEEK: { value: 'WEEK', description: 'A week, Monday to Sunday.' },
    MONTH: { value: 'MONTH', description: 'A calendar month.' },
  } as const,
});

const MAX_SPAN_AMOUNT = 10_000;

const TimeSpanInput = builder.inputType('TimeSpan', {
  description: 'A span of time back from now, e.g. `{ amount: 30, unit: DAY }`.',
  fields: (t) => ({
    amount: t.int({ required: true, description: `How many units (1 to ${MAX_SPAN_AMOUNT.toLocaleString('en-US')}).` }),
    unit: t.field({ type: TimeUnitEnum, required: true, description: 'The unit: hours, days (of 24 hours), weeks (of 7 days) or calendar months (in UTC).' }),
  }),
});

/** The start of a span back from `now` (UTC, with microseconds). */
export function spanStart(amount: number, unit: TimeUnit, now: Date): string {
  const start = new Date(now);
  if (unit === 'MONTH') {
    // The same day of the month, or the month's last when it has none (a month back from March 31 is February 28).
    const day = start.getUTCDate();
    start.setUTCDate(1);
    start.setUTCMonth(start.getUTCMonth() - amount);
    start.setUTCDate(Math.min(day, new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 0)).getUTCDate()));
  } else {
    start.setTime(start.getTime() - amount * { HOUR: 3_600_000, DAY: 86_400_000, WEEK: 604_800_000 }[unit]);
  }
  return isoTime(start.getTime());
}

export const StepFilterInput = builder.inputType('StepFilter', {
  description: 'Conditions on steps, for their lists and their statistics (`steps`, `stepStats`). All given conditions must hold.',
  fields: (t) => ({
    agentId: t.string({ description: 'Only steps performed by this agent.' }),
    runId: t.string({ description: 'Only steps of this run.' }),
    model: t.string({ description: 'Only steps that used this model name (e.g. `gpt-4o-mini`).' }),
    modelHandle: t.string({ description: "Only steps that used this model handle (e.g. 'openai/gpt-4o-mini')." }),
    providerName: t.string({ description: 'Only steps that used this provider.' }),
    projectId: t.string({ description: 'Only steps of this project (cloud only).' }),
    status: t.field({ type: StepStatusEnum, description: 'Only steps with this status.' }),
    stopReason: t.field({ type: StopReasonEnum, description: 'Only steps that stopped for this reason.' }),
    feedback: t.field({ type: StepFeedbackEnum, description: 'Only steps with this feedback.' }),
    hasFeedback: t.boolean({ description: 'Only steps with feedback (true) or without (false).' }),
    tags: t.stringList({ description: `Only steps that carry all of these tags (at most ${MAX_FILTER_LIST}).` }),
    traceIds: t.stringList({ description: `Only steps whose trace id is one of these (at most ${MAX_FILTER_LIST}).` }),
    createdAfter: t.field({ type: 'DateTime', description: 'Only steps created after this time (exclusive).' }),
    createdBefore: t.field({ type: 'DateTime', description: 'Only steps created before this time (exclusive).' }),
    createdInLast: t.field({
      type: TimeSpanInput,
      description: 'Only steps created in this span back from now, e.g. `{ amount: 30, unit: DAY }`: the same as `createdAfter` set to now minus the span (pass one or the other).',
    }),
    feedbackName: t.string({
      description:
        'Only steps with a current feedback entry on this criterion. The feedback entry conditions (`feedbackName`, `minScore`, `maxScore`, `hasComment`, `submittedBy`) hold together for one entry: a step matches when one of its entries meets them all.',
    }),
    minScore: t.float({ description: 'Only steps with a feedback entry scored at least this (of `feedbackName` when given, else of any criterion).' }),
    maxScore: t.float({ description: 'Only steps with a feedback entry scored at most this (of `feedbackName` when given, else of any criterion).' }),
    hasComment: t.boolean({ description: 'Only steps with a feedback entry that has a comment (true) or that has none (false).' }),
    submittedBy: t.string({ description: "Only steps with a feedback entry by this submitter: an API key's id, or a user's external id." }),
  }),
});

type StepFilterArgument = typeof StepFilterInput.$inferInput;

/** A filter as the SQL builder takes it, checked: BAD_USER_INPUT naming the field for what no step could match or Postgres could not take. */
export function parseStepFilter(given: StepFilterArgument | null | undefined, now = new Date()): StepFilterValues {
  const { createdInLast, ...conditions } = given ?? {};
  if (createdInLast != null) {
    if (conditions.createdAfter != null) throw badUserInput('Pass either "filter.createdAfter" or "filter.createdInLast", not both.', 'filter.createdInLast');
    if (!(createdInLast.amount >= 1 && createdInLast.amount <= MAX_SPAN_AMOUNT)) {
      throw badUserInput(`"filter.createdInLast.amount" must be between 1 and ${MAX_SPAN_AMOUNT}.`, 'filter.createdInLast.amount');
    }
    conditions.createdAfter = spanStart(createdInLast.amount, createdInLast.unit, now);
  }
  // Criteria are stored trimmed (feedback-input.ts), and are matched so.
  const filter = { ...conditions, ...(conditions.feedbackName != null ? { feedbackName: conditions.feedbackName.trim() } : {}) };
  for (const name of ['tags', 'traceIds'] as const) {
    if ((filter[name]?.length ?? 0) > MAX_FILTER_LIST) {
      throw badUserInput(`"filter.${name}" can hold at most ${MAX_FILTER_LIST} values.`, `filter.${name}`);
    }
  }
  for (const [name, value] of Object.entries(filter)) {
    for (const text of Array.isArray(value) ? value : [value]) {
      // Postgres text cannot hold NUL; no id, name or tag is that long.
      if (typeof text === 'string' && (text.includes('\u0000') || text.length > MAX_FILTER_TEXT)) {
        throw badUserInput(`"filter.${name}" must be at most ${MAX_FILTER_TEXT} characters, without NUL characters.`, `filter.${name}`);
      }
    }
  }
  for (const name of ['minScore', 'maxScore'] as const) {
    const score = filter[name];
    if (score != null && !(score >= -1 && score <= 1)) throw badUserInput(`"filter.${name}" must be between -1.0 and 1.0.`, `filter.${name}`);
  }
  if (filter.minScore != null && filter.maxScore != null && filter.minScore > filter.maxScore) {
    throw badUserInput('"filter.minScore" must not be greater than "filter.maxScore".', 'filter.minScore');
  }
  if (filter.createdAfter != null && filter.createdBefore != null && filter.createdAfter > filter.createdBefore) {
    throw badUserInput('"filter.createdAfter" must not be later than "filter.createdBefore".', 'filter.createdAfter');
  }
  return filter;
}
