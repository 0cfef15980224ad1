/**
 * The benchmark's scenarios: GraphQL operations a dashboard sends, each with the variables of its next
 * request. Every request of a scenario is built by `next()`, so a scenario may vary its variables (a random
 * step, agent or tag) from one request to the next.
 */

export interface Fixtures {
  /** Steps of the benchmark organization, in no particular order. */
  stepIds: string[];
  agentIds: string[];
  /** The cursor of the 50,000th step of the newest-first list (or of the last step, on a smaller dataset). */
  deepCursor: string;
  deepOffset: number;
  /** A date range covering about the middle half of the organization's steps. */
  createdAfter: string;
  createdBefore: string;
  negativeTags: string[];
}

export interface Scenario {
  id: number;
  name: string;
  title: string;
  /** The body of a request: a GraphQL operation and its variables. */
  next(): { query: string; variables: Record<string, unknown> };
  /** Hand-written SQL answers the same request, for scenarios with a baseline. */
  baseline?: 'page' | 'dashboard' | 'deep' | 'feedback-page' | 'submit';
  /**
   * A write: before the baseline's answer is compared, the gateway is sent the sample twice, so that the write
   * is applied and both answer the same thing of it (`UNCHANGED`, the entry as it is).
   */
  writes?: boolean;
}

const STEP_SCALARS = 'id agentId runId model modelHandle providerName status stopReason promptTokens completionTokens totalTokens feedback tags createdAt';

export const SCALAR_PAGE = `query ScalarPage($first: Int!, $after: String) {
  steps(first: $first, after: $after) {
    pageInfo { endCursor hasNextPage }
    nodes { ${STEP_SCALARS} }
  }
}`;

export const CONTENT_PARTS = `content {
  __typename
  ... on TextContent { text }
  ... on ImageContent { source { __typename } }
  ... on ToolCallContent { id name input }
  ... on ToolReturnContent { toolCallId content isError }
  ... on ReasoningContent { reasoning isNative }
  ... on RedactedReasoningContent { data }
  ... on OmittedReasoningContent { signature }
  ... on SummarizedReasoningContent { summary { index text } }
}`;

export const DASHBOARD_PAGE = `query DashboardPage($first: Int!, $messages: Int!) {
  steps(first: $first) {
    pageInfo { endCursor hasNextPage }
    nodes {
      ${STEP_SCALARS}
      trace { id callType }
      metrics { stepNs llmRequestNs toolExecutionNs }
      messages(first: $messages) { nodes { id role createdAt ${CONTENT_PARTS} } }
    }
  }
}`;

const STEP_DETAIL = `query StepDetail($id: ID!) {
  step(id: $id) {
    ${STEP_SCALARS} origin providerId providerCategory modelEndpoint contextWindowLimit cachedInputTokens cacheWriteTokens
    reasoningTokens completionTokensDetails promptTokensDetails tid traceId requestId projectId errorType errorData updatedAt
    trace { id requestJson responseJson llmConfig compactionSettings callType source agentTags runId createdAt }
    metrics { stepStartNs llmRequestStartNs llmRequestNs toolExecutionNs stepNs }
    messages(first: 100) {
      totalCount
      nodes {
        id role name model createdAt toolCallId approve approvalRequestId denialReason
        ${CONTENT_PARTS}
        toolCalls { id type function { name arguments } }
        toolReturns { status funcResponse funcResponseParts { __typename } stdout stderr toolCallId }
        approvals { __typename ... on ApprovalReturn { approve reason } ... on ToolReturn { status funcResponse } }
      }
    }
  }
}`;

const FILTERED_PAGE = `query FilteredPage($filter: StepFilter!) {
  steps(first: 50, filter: $filter) {
    pageInfo { endCursor hasNextPage }
    nodes { ${STEP_SCALARS} }
  }
}`;

const SET_FEEDBACK = `mutation SetFeedback($input: SetStepFeedbackInput!) {
  setStepFeedback(input: $input) { step { id feedback tags updatedAt } }
}`;

export const FEEDBACK_PAGE = `query FeedbackPage($first: Int!) {
  steps(first: $first) {
    pageInfo { endCursor hasNextPage }
    nodes { ${STEP_SCALARS} feedbackSummary { count meanScore minScore maxScore positiveCount negativeCount withCommentCount } }
  }
}`;

export const SUBMIT_FEEDBACK = `mutation SubmitFeedback($input: SubmitStepFeedbackInput!) {
  submitStepFeedback(input: $input) {
    outcome
    entry { id stepId name score comment source version submittedBy { type id name } createdAt updatedAt }
  }
}`;

const COUNT_FILTERED = `query CountFiltered($filter: StepFilter!) {
  steps(first: 0, filter: $filter) { totalCount totalCountIsExact }
}`;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

export function scenarios(fixtures: Fixtures): Scenario[] {
  return [
    {
      id: 1,
      name: 'scalar-page',
      title: 'Page of 50 steps, scalar fields',
      baseline: 'page',
      next: () => ({ query: SCALAR_PAGE, variables: { first: 50 } }),
    },
    {
      id: 2,
      name: 'nested-page',
      title: 'Page of 50 steps × 20 messages with content parts, trace and metrics',
      baseline: 'dashboard',
      next: () => ({ query: DASHBOARD_PAGE, variables: { first: 50, messages: 20 } }),
    },
    {
      id: 3,
      name: 'step-detail',
      title: 'One step with everything, provider trace JSON included',
      next: () => ({ query: STEP_DETAIL, variables: { id: pick(fixtures.stepIds) } }),
    },
    {
      id: 4,
      name: 'filtered-page',
      title: 'Page of 50 steps filtered by agent, date range, tag and feedback',
      next: () => ({
        query: FILTERED_PAGE,
        variables: {
          filter: {
            agentId: pick(fixtures.agentIds),
            createdAfter: fixtures.createdAfter,
            createdBefore: fixtures.createdBefore,
            tags: [pick(fixtures.negativeTags)],
            feedback: 'NEGATIVE',
          },
        },
      }),
    },
    {
      id: 5,
      name: 'deep-page',
      title: `Page of 50 steps after ${fixtures.deepOffset.toLocaleString('en-US')} rows (cursor)`,
      baseline: 'deep',
      next: () => ({ query: SCALAR_PAGE, variables: { first: 50, after: fixtures.deepCursor } }),
    },
    {
      id: 6,
      name: 'set-feedback',
      title: 'setStepFeedback on a random step',
      next: () => ({
        query: SET_FEEDBACK,
        variables: {
          input: {
            stepId: pick(fixtures.stepIds),
            feedback: pick(['POSITIVE', 'NEGATIVE']),
            tags: [pick(['bench-a', 'bench-b', 'bench-c', 'bench-d'])],
          },
        },
      }),
    },
    {
      id: 7,
      name: 'filtered-count',
      title: 'totalCount of an agent’s steps',
      next: () => ({ query: COUNT_FILTERED, variables: { filter: { agentId: pick(fixtures.agentIds) } } }),
    },
    {
      id: 8,
      name: 'submit-feedback',
      title: 'submitStepFeedback: a score from one of 50 users on one of 3 criteria of a random step',
      baseline: 'submit',
      writes: true,
      next: () => ({
        query: SUBMIT_FEEDBACK,
        variables: {
          input: {
            stepId: pick(fixtures.stepIds),
            name: pick(['overall', 'accuracy', 'tone']),
            score: Math.round((Math.random() * 2 - 1) * 100) / 100,
            submittedBy: { externalId: `bench-user-${Math.floor(Math.random() * 50)}`, name: 'Bench user' },
          },
        },
      }),
    },
    {
      id: 9,
      name: 'feedback-page',
      title: 'Page of 50 steps with their feedback summary',
      baseline: 'feedback-page',
      next: () => ({ query: FEEDBACK_PAGE, variables: { first: 50 } }),
    },
  ];
}
