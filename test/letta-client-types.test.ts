import type { MessageListResponse, MetricRetrieveResponse, ProviderTrace, Step } from '@letta-ai/letta-client/resources/steps';
import { describe, expect, it } from 'vitest';

import { lettaMessageJson, metricsJson, stepJson, traceJson } from '../src/rest/operations.ts';

/**
 * A compile-time test (`npm run typecheck` checks it; vitest runs it as a formality): what the REST routes
 * write fits `@letta-ai/letta-client`'s own types, member for member. The mappers' return types follow from
 * the GraphQL operations' generated result types, so a field renamed or retyped on either side fails here.
 */
describe("the REST routes' JSON", () => {
  it("fits Letta's client types", () => {
    // Each is assignable to the client's type, or this file does not compile (extra fields, such as Letta's
    // server's own `organization_id` on a step, are allowed, as they are in JSON).
    const fits = [
      (json: ReturnType<typeof stepJson>): Step => json,
      (json: ReturnType<typeof metricsJson>): MetricRetrieveResponse => json,
      (json: ReturnType<typeof traceJson>): ProviderTrace => json,
      (json: ReturnType<typeof lettaMessageJson>): MessageListResponse => json,
    ];
    expect(fits).toHaveLength(4);
  });
});
