import type { StepMetrics } from '../../prisma/generated/client/client.ts';
import type { Stored } from '../db/columns.ts';
import { builder } from './builder.ts';
import { fieldsSelected } from './selection.ts';
import { StepType } from './step.ts';

export const StepMetricsType = builder.objectRef<Stored<StepMetrics>>('StepMetrics').implement({
  description: 'Timing metrics of a step. Durations and timestamps are in nanoseconds, as BigInt strings so that no precision is lost.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The id of the step these metrics belong to.' }),
    organizationId: t.exposeString('organizationId', { nullable: true, description: 'The unique identifier of the organization.' }),
    providerId: t.exposeString('providerId', { nullable: true, description: 'The unique identifier of the provider.' }),
    runId: t.exposeString('runId', { nullable: true, description: 'The unique identifier of the run.' }),
    agentId: t.exposeString('agentId', { nullable: true, description: 'The unique identifier of the agent.' }),
    stepStartNs: t.expose('stepStartNs', {
      type: 'BigInt',
      nullable: true,
      description: 'The timestamp of the start of the step in nanoseconds (Unix epoch).',
    }),
    llmRequestStartNs: t.expose('llmRequestStartNs', {
      type: 'BigInt',
      nullable: true,
      description: 'The timestamp of the start of the LLM request in nanoseconds (Unix epoch).',
    }),
    llmRequestNs: t.expose('llmRequestNs', {
      type: 'BigInt',
      nullable: true,
      description: 'Time spent on the LLM request in nanoseconds.',
    }),
    toolExecutionNs: t.expose('toolExecutionNs', {
      type: 'BigInt',
      nullable: true,
      description: 'Time spent on tool execution in nanoseconds.',
    }),
    stepNs: t.expose('stepNs', { type: 'BigInt', nullable: true, description: 'Total time for the step in nanoseconds.' }),
    baseTemplateId: t.exposeString('baseTemplateId', { nullable: true, description: 'The base template ID that the step belongs to (cloud only).' }),
    templateId: t.exposeString('templateId', { nullable: true, description: 'The template ID that the step belongs to (cloud only).' }),
    projectId: t.exposeString('projectId', { nullable: true, description: 'The project that the step belongs to (cloud only).' }),
  }),
});

builder.objectField(StepType, 'metrics', (t) =>
  t.field({
    type: StepMetricsType,
    nullable: true,
    description: 'Timing metrics of this step. Null when none were recorded.',
    resolve: (step, _args, ctx, info) => ctx.loaders.metricsByStepId.load(step.id, fieldsSelected(info, 'StepMetrics')),
  }),
);
