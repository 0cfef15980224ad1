import { Prisma } from '../../prisma/generated/client/client.ts';
import { requireKey, type Context } from '../context.ts';
import { eventHeads, STEP_EVENT_TYPES, type StepEventRecord, type StepEventType } from '../db/step-events.ts';
import { stepConditions } from '../db/step-queries.ts';
import { badUserInput, notFound } from '../errors.ts';
import type { Delivery, SubscribeRequest } from '../events/hub.ts';
import { isId } from '../letta/ids.ts';
import { builder } from './builder.ts';
import { fieldsSelected } from './selection.ts';
import { StepType } from './step.ts';
import { parseStepFilter, StepFilterInput } from './step-filter.ts';

/**
 * Live updates: what happens to steps, as it happens. Served over GraphQL over SSE (`Accept: text/event-stream`
 * on /graphql) and graphql-ws (a WebSocket on /graphql), with the same authentication, limits and errors as
 * queries. Events come from the database (events/feed.ts) and from the gateway's own writes, and reach every
 * replica (events/hub.ts).
 */

export const StepEventTypeEnum = builder.enumType('StepEventType', {
  description: 'What happened to a step.',
  values: {
    CREATED: { value: 'CREATED', description: 'The step appeared.' },
    UPDATED: {
      value: 'UPDATED',
      description: 'Something the step serves changed: its status, stop reason, tokens, error or any other field, its metrics, messages or trace.',
    },
    FEEDBACK: { value: 'FEEDBACK', description: 'Its feedback, tags or feedback entries changed.' },
    DELETED: {
      value: 'DELETED',
      description:
        'The step was deleted: its `step` is null. It reaches every subscription that takes this type, whatever its filter (a step that is gone can no longer be checked against one).',
    },
  } as const,
});

const StepEventObject = builder.objectRef<StepEventRecord>('StepEvent').implement({
  description: 'Something that happened to a step of your organization, in the order it was recorded.',
  fields: (t) => ({
    cursor: t.string({
      description:
        'Where this event is among your organization\'s: pass it as `after` (or, over SSE, as the `Last-Event-ID` header) to resume after it. Also sent as each SSE event\'s id and in `extensions.cursor`. Opaque.',
      resolve: (event) => String(event.seq),
    }),
    type: t.field({ type: StepEventTypeEnum, description: 'What happened.', resolve: (event) => event.type }),
    stepId: t.id({ description: 'The id of the step.', resolve: (event) => event.stepId }),
    at: t.field({ type: 'DateTime', description: 'When the gateway recorded the change.', resolve: (event) => event.at }),
    step: t.field({
      type: StepType,
      nullable: true,
      description: 'The step as it is when the event is delivered (read afresh for each delivery). Null once it is deleted.',
      resolve: (event, _args, ctx, info) => ctx.loaders.stepById.load(event.stepId, fieldsSelected(info, 'Step')),
    }),
  }),
});

/** The cursor of the event a subscription's context delivered last: each SSE event's id (http/sse.ts). */
const delivered = new WeakMap<object, string>();
export const deliveredCursor = (context: object): string | undefined => delivered.get(context);

/** Resolves a delivery: its event, read with the delivery's loaders; or the error the subscription ends with. */
function deliver(delivery: Delivery, ctx: Context): StepEventRecord {
  if ('error' in delivery) throw delivery.error;
  // A subscription's events are executed one after another: each reads with its delivery's loaders.
  ctx.loaders = delivery.loaders;
  delivered.set(ctx, String(delivery.event.seq));
  return delivery.event;
}

/** `after`, or the SSE client's `Last-Event-ID`: the number of the event to resume after. */
function resumeAfter(after: string | null | undefined, ctx: Context): number | undefined {
  const given = after ?? ctx.lastEventId;
  if (given == null || given === '') return undefined;
  if (!/^\d{1,15}$/.test(given)) throw badUserInput('"after" must be the cursor of a step event.', 'after');
  return Number(given);
}

function typesOf(types: readonly StepEventType[] | null | undefined): ReadonlySet<StepEventType> {
  if (types == null) return new Set(STEP_EVENT_TYPES);
  if (types.length === 0) throw badUserInput('"types" must name at least one type of event (omit it for all).', 'types');
  return new Set(types);
}

const subscriptionArgs = (t: Parameters<Parameters<typeof builder.subscriptionFields>[0]>[0]) => ({
  types: t.arg({ type: [StepEventTypeEnum], description: 'Only events of these types. Default: all.' }),
  after: t.arg.string({
    description:
      "Resume after this event's cursor: the events since, in order, then the new ones. Events are kept for an hour by default (EVENTS_RETENTION_MS); an older cursor gets CURSOR_EXPIRED. Over SSE, the `Last-Event-ID` header does the same.",
  }),
});

/** What a subscription costs against the query cost limit, besides its selection: it is held open. */
const SUBSCRIPTION_COST = 10;

builder.queryField('stepEventsCursor', (t) =>
  t.string({
    description:
      "The cursor of your organization's latest step event. Read it before a list (in a request of its own), then subscribe with `after` set to it: nothing that happens after the list was read is missed (an event from just before may come too; applying it again changes nothing).",
    resolve: async (_root, _args, ctx) => {
      requireKey(ctx);
      return String((await eventHeads(ctx.db.sql, [ctx.organizationId])).get(ctx.organizationId) ?? 0);
    },
  }),
);

builder.subscriptionType({ description: 'Live updates, over GraphQL over SSE or graphql-ws on the same endpoint.' });

builder.subscriptionFields((t) => ({
  stepEvents: t.field({
    type: StepEventObject,
    description:
      "The events of your organization's steps, as they happen: each step that appears, changes, gets feedback or is deleted, with the step read afresh. Steps written by a Letta server show within about a second; feedback written through the gateway at once.",
    complexity: SUBSCRIPTION_COST,
    args: {
      filter: t.arg({ type: StepFilterInput, description: 'Only events of the steps that meet these conditions when the event is delivered (the same conditions as `steps`).' }),
      ...subscriptionArgs(t),
    },
    subscribe: (_root, args, ctx) => {
      requireKey(ctx);
      // Checked now, and again at each delivery: a span back from now moves with time.
      const given = args.filter ?? undefined;
      const filtered = given !== undefined && Object.values(parseStepFilter(given)).some((value) => value != null);
      const request: SubscribeRequest = {
        organizationId: ctx.organizationId,
        apiKeyId: ctx.apiKeyId,
        types: typesOf(args.types),
        after: resumeAfter(args.after, ctx),
        ...(filtered
          ? {
              conditions: {
                key: JSON.stringify(given),
                at: (now: Date) => {
                  try {
                    return stepConditions(ctx.organizationId, parseStepFilter(given, now));
                  } catch {
                    // A span that no longer fits the other conditions: no step meets it.
                    return Prisma.sql`false`;
                  }
                },
              },
            }
          : {}),
      };
      return ctx.events.hub.subscribe(request);
    },
    resolve: (delivery, _args, ctx) => deliver(delivery, ctx),
  }),
  step: t.field({
    type: StepEventObject,
    description: 'The events of one step, as they happen.',
    complexity: SUBSCRIPTION_COST,
    args: {
      id: t.arg.id({ required: true, description: 'The id of the step, `step-<uuid>`.' }),
      ...subscriptionArgs(t),
    },
    subscribe: async (_root, args, ctx) => {
      requireKey(ctx);
      const id = String(args.id);
      if (!isId('Step', id)) throw badUserInput('"id" must be a step id: step-<uuid>.', 'id');
      const request: SubscribeRequest = {
        organizationId: ctx.organizationId,
        apiKeyId: ctx.apiKeyId,
        types: typesOf(args.types),
        after: resumeAfter(args.after, ctx),
        stepId: id,
      };
      if ((await ctx.loaders.stepById.load(id, ['id'])) === null) throw notFound(`No step with id "${id}" exists in your organization.`);
      return ctx.events.hub.subscribe(request);
    },
    resolve: (delivery, _args, ctx) => deliver(delivery, ctx),
  }),
}));
