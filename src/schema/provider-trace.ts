import type { ProviderTrace } from '../../prisma/generated/client/client.ts';
import type { Stored } from '../db/columns.ts';
import { builder } from './builder.ts';
import { NodeInterface } from './node.ts';
import { fieldsSelected } from './selection.ts';
import { StepType } from './step.ts';

export const ProviderTraceType = builder.objectRef<Stored<ProviderTrace>>('ProviderTrace').implement({
  description: "Letta's internal representation of a provider trace: the raw request sent to the LLM provider and its response.",
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The human-friendly ID of the Provider_trace (`provider_trace-<uuid>`).' }),
    requestJson: t.field({ type: 'JSON', description: 'JSON content of the provider request.', resolve: (trace) => trace.requestJson }),
    responseJson: t.field({ type: 'JSON', description: 'JSON content of the provider response.', resolve: (trace) => trace.responseJson }),
    stepId: t.exposeString('stepId', { nullable: true, description: 'ID of the step that this trace is associated with.' }),
    agentId: t.exposeString('agentId', { nullable: true, description: 'ID of the agent that generated this trace.' }),
    agentTags: t.stringList({
      nullable: true,
      description: 'Tags associated with the agent for filtering.',
      resolve: (trace) => (Array.isArray(trace.agentTags) ? trace.agentTags.filter((tag): tag is string => typeof tag === 'string') : null),
    }),
    callType: t.exposeString('callType', { nullable: true, description: 'Type of call (agent_step, summarization, etc.).' }),
    runId: t.exposeString('runId', { nullable: true, description: 'ID of the run this trace is associated with.' }),
    source: t.exposeString('source', {
      nullable: true,
      description: 'Source service that generated this trace (memgpt-server, lettuce-py).',
    }),
    orgId: t.exposeString('orgId', { nullable: true, description: 'ID of the organization.' }),
    userId: t.exposeString('userId', { nullable: true, description: 'The unique identifier of the user who initiated the request.' }),
    compactionSettings: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Compaction/summarization settings (summarization calls only).',
      resolve: (trace) => trace.compactionSettings,
    }),
    llmConfig: t.field({
      type: 'JSON',
      nullable: true,
      description: 'LLM configuration used for this call (non-summarization calls only).',
      resolve: (trace) => trace.llmConfig,
    }),
    latencyMs: t.int({
      nullable: true,
      description:
        "LLM request latency in milliseconds: for an agent step's trace, the time Letta measured for the step's LLM request " +
        "(its metrics' `llmRequestNs`). Null for other calls (a summarization's) and where no metrics were recorded.",
      resolve: async (trace, _args, ctx) => {
        if (trace.stepId === null || (trace.callType !== null && trace.callType !== 'agent_step')) return null;
        const metrics = await ctx.loaders.metricsByStepId.load(trace.stepId, ['id', 'llmRequestNs']);
        return metrics?.llmRequestNs == null ? null : Number(metrics.llmRequestNs / 1_000_000n);
      },
    }),
    createdById: t.exposeString('createdById', { nullable: true, description: 'The id of the user that made this object.' }),
    lastUpdatedById: t.exposeString('lastUpdatedById', {
      nullable: true,
      description: 'The id of the user that last updated this object.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', nullable: true, description: 'The timestamp when the object was created.' }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'The timestamp when the object was last updated.',
    }),
    step: t.field({
      type: StepType,
      nullable: true,
      description: 'The step this trace belongs to.',
      resolve: (trace, _args, ctx, info) => (trace.stepId === null ? null : ctx.loaders.stepById.load(trace.stepId, fieldsSelected(info, 'Step'))),
    }),
  }),
});

builder.objectField(StepType, 'trace', (t) =>
  t.field({
    type: ProviderTraceType,
    nullable: true,
    description:
      'The provider trace of this step: the raw request and response sent to the LLM provider. Null when none was recorded; where several were, the newest.',
    resolve: (step, _args, ctx, info) => ctx.loaders.traceByStepId.load(step.id, fieldsSelected(info, 'ProviderTrace')),
  }),
);
